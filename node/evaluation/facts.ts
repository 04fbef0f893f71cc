/**
 * A subject's indicators' inputs from its stored rows (pure): the standing records of every category a model
 * reads, with their `data` where an indicator needs it, and the decided tickets about the subject. The digest
 * names exactly the inputs a result was computed from (record and ticket versions, model, day).
 */
import { createHash } from 'node:crypto';
import { chinaDay } from '../publicity/visibility.ts';
import type { RecordFact, SubjectFacts, TicketFact } from './score.ts';

/** A record row as the evaluation reads it (evaluations-repo.ts): the body only for categories that need it. */
export interface FactRecordRow {
  id: string;
  subject_id: number;
  version: number | string;
  category: string;
  severity: string | null;
  decision_date: string;
  body: string | null;
}

export interface FactTicketRow { number: string; subject_key: string; version: number | string; type: string; outcome: string | null; updated_at: string }

export interface SubjectRef { id: number; type: string; key: string }

/** The facts of each subject in `subjects`, from the rows read for all of them at once. */
export function factsOf(subjects: readonly SubjectRef[], records: readonly FactRecordRow[], tickets: readonly FactTicketRow[]): Map<number, SubjectFacts> {
  const out = new Map<number, SubjectFacts>();
  const byKey = new Map<string, SubjectFacts>();
  for (const s of subjects) {
    const f: SubjectFacts = { records: [], tickets: [] };
    out.set(s.id, f);
    byKey.set(s.key, f);
  }
  for (const r of records) {
    const f = out.get(Number(r.subject_id));
    if (!f) continue;
    const fact: RecordFact = { id: r.id, version: Number(r.version), category: r.category, severity: r.severity, decisionDate: r.decision_date };
    if (r.body !== null) {
      const data = (JSON.parse(r.body) as { data?: Record<string, unknown> }).data;
      if (data) fact.data = data;
    }
    f.records.push(fact);
  }
  for (const t of tickets) {
    const f = byKey.get(t.subject_key);
    if (!f) continue;
    const fact: TicketFact = { number: t.number, version: Number(t.version), type: t.type, outcome: t.outcome, decidedOn: chinaDay(new Date(t.updated_at)) };
    f.tickets.push(fact);
  }
  return out;
}

/** SHA-256 over the model version, the day and the versions of every record and ticket read. */
export function inputsDigest(modelVersion: string, asOf: string, subjectType: string, facts: SubjectFacts): string {
  const records = facts.records.map((r) => `${r.id}:${r.version}`).sort();
  const tickets = facts.tickets.map((t) => `${t.number}:${t.version}`).sort();
  return createHash('sha256').update(JSON.stringify([modelVersion, asOf, subjectType, records, tickets])).digest('hex');
}
