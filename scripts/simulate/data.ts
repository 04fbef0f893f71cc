// Generated records for each loading node of one phase, as JSONL files for `credit-node import`. A city's
// industry node gets records about subjects of its own city mostly (ownShare), the rest about subjects elsewhere
// (which its city's parent then routes down to those cities); a provincial node gets the province's. Every
// record carries the node's own source unit, and each phase draws a range of the generator's running index of
// its own, so no two records anywhere share a key (source unit, category, external ID).
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { generateRecords, type RecordJson } from '../generate-data.ts';
import { hashString } from '../generate/random.ts';
import { currentCityOf } from '../../node/identity/index.ts';
import type { SimNode } from './plan.ts';

export interface LoadFile { node: string; category: string; file: string; count: number; own: number }

/** Index ranges of the phases: far apart, so a phase never meets the records of another. */
const PHASE_STRIDE = 100_000_000;

/** The city (xxxx00) of a generated record's subject: from the ID number, or the USCC's registration authority. */
export function subjectCity(r: RecordJson): string | undefined {
  const s = r.subject as { type?: string; code?: string };
  const code = s.code ?? '';
  const region = s.type === 'natural_person' ? code.slice(0, 6) : code.slice(2, 8);
  return /^\d{6}$/.test(region) ? currentCityOf(region) : undefined;
}

class Jsonl {
  readonly stream: WriteStream;
  count = 0;
  own = 0;
  constructor(readonly file: string) {
    this.stream = createWriteStream(file);
  }
  async write(line: string): Promise<void> {
    this.count += 1;
    if (!this.stream.write(line)) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
  }
}

/**
 * Writes `records` records for every loading node into `dir`. Nodes of the same category share one generated
 * stream: each record goes to a node of its subject's city while that node still wants records of its own city,
 * otherwise to a node that still wants records from elsewhere; the stream ends when all are full.
 */
export async function writeLoadFiles(nodes: readonly SimNode[], opts: { records: number; phase: number; seed: number; ownShare: number; dir: string }): Promise<LoadFile[]> {
  const loaders = nodes.filter((n) => n.load);
  const groups = new Map<string, SimNode[]>();
  for (const n of loaders) {
    const key = `${n.role}:${n.load?.category}`;
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  const out: LoadFile[] = [];
  for (const [key, group] of groups) {
    const category = group[0]?.load?.category as string;
    const files = new Map(group.map((n) => [n.spec.id, new Jsonl(path.join(opts.dir, `phase${opts.phase}-${n.spec.id}.jsonl`))]));
    const ownWanted = (n: SimNode) => (n.role === 'provincial' ? opts.records : Math.round(opts.records * opts.ownShare));
    const byCity = new Map<string, SimNode[]>();
    for (const n of group) if (n.role === 'industry' && n.city) byCity.set(n.city, [...(byCity.get(n.city) ?? []), n]);
    let elsewhere = 0;
    // Long enough for the smallest city's share of subjects (about 3 %) to fill its node; the loop stops early.
    const count = Math.max(1000, opts.records * group.length * 40);
    try {
      for (const rec of generateRecords({ category, count, seed: opts.seed ^ hashString(key), startIndex: opts.phase * PHASE_STRIDE })) {
        const city = subjectCity(rec);
        const want = (n: SimNode) => (files.get(n.spec.id) as Jsonl);
        let target = (city ? byCity.get(city) ?? [] : []).find((n) => want(n).own < ownWanted(n));
        let own = true;
        if (!target) {
          target = group.find((n) => n.role === 'provincial' && want(n).count < opts.records);
          if (!target) {
            // Round robin over the nodes still short of records from other cities.
            const short = group.filter((n) => n.role === 'industry' && n.city !== city && want(n).count - want(n).own < opts.records - ownWanted(n));
            target = short[elsewhere++ % Math.max(1, short.length)];
            own = false;
          }
        }
        if (!target) {
          if (group.every((n) => want(n).count >= opts.records)) break;
          continue;
        }
        const f = want(target);
        if (own) f.own += 1;
        const { category: _category, ...body } = rec;
        await f.write(`${JSON.stringify({ ...body, sourceUnit: target.load?.unit })}\n`);
      }
    } finally {
      for (const f of files.values()) await f.close();
    }
    for (const n of group) {
      const f = files.get(n.spec.id) as Jsonl;
      if (f.count < opts.records) throw new Error(`${n.spec.id}: only ${f.count} of ${opts.records} ${category} records generated`);
      out.push({ node: n.spec.id, category, file: f.file, count: f.count, own: n.role === 'provincial' ? f.count : f.own });
    }
  }
  return out;
}
