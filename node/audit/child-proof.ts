import type { Knex } from 'knex';
import type { KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '../clock.ts';
import { verifyCompact } from '../exchange/jws.ts';
import { AUDIT_GENESIS, type AuditHeadPayload } from './audit-entry.ts';
import { auditRepo, type ChildHead } from './audit-repo.ts';

export interface AuditLink { seq: number; prevHash: string; hash: string }

/** A child's evidence of its audit history: links after what the parent holds, and its signed head over the last. */
export interface AuditProof { head: string; links: AuditLink[] }

/** `advanced`: the stored head moved. On failure nothing is stored and the caller raises AUDIT_REWRITTEN. */
/**
 * ok: the proof extends (or repeats) the stored head. Not ok with `gap`: links are missing between the stored head
 * and the proof (an earlier batch carrying them was refused or lost): nothing is stored and the child re-sends
 * from the head the parent reports — not evidence of a rewrite. Not ok otherwise: the history was rewritten.
 */
export type AcceptResult = { ok: true; seq: number; hash: string; advanced: boolean } | { ok: false; reason: string; seq: number; gap?: boolean; storedSeq: number };

const HEX64 = /^[0-9a-f]{64}$/;

function isLink(l: unknown): l is AuditLink {
  const x = l as Partial<AuditLink> | null;
  return typeof x === 'object' && x !== null && Number.isSafeInteger(x.seq) && (x.seq as number) >= 1
    && typeof x.prevHash === 'string' && HEX64.test(x.prevHash) && typeof x.hash === 'string' && HEX64.test(x.hash);
}

/** The first break in a run of links: seqs must step by one and each prevHash name the previous hash. */
function brokenRun(links: AuditLink[]): { reason: string; seq: number } | undefined {
  for (let i = 1; i < links.length; i++) {
    const a = links[i - 1] as AuditLink;
    const b = links[i] as AuditLink;
    if (b.seq !== a.seq + 1) return { reason: `审计链接序号不连续（${a.seq} 之后为 ${b.seq}）`, seq: a.seq + 1 };
    if (b.prevHash !== a.hash) return { reason: '审计链接的 prevHash 与上一链接的哈希不一致', seq: b.seq };
  }
  return undefined;
}

/**
 * Checks a child's audit proof against the head stored for it (DESIGN.md §5: the parent holds evidence of each
 * child's audit history) and, when it extends that head, stores the new one in the caller's transaction.
 * The head must be signed by the child's key and cover the last link; the links must be one chained run that
 * continues the stored head (or starts at genesis). A re-sent run that overlaps the stored head is accepted when
 * it holds the stored hash at the stored seq: anything else means the child's history was rewritten.
 */
export async function acceptChildProof(trx: Knex.Transaction, childNode: string, proof: AuditProof, childPublicKey: KeyObject, clock: Clock = systemClock): Promise<AcceptResult> {
  const stored = await auditRepo.childHead(trx, childNode);
  const storedSeq = stored?.seq ?? 0;
  const storedHash = stored?.hash ?? AUDIT_GENESIS;
  const fail = (reason: string, seq: number, gap = false): AcceptResult => ({ ok: false, reason, seq, storedSeq, ...(gap ? { gap } : {}) });
  if (typeof proof?.head !== 'string' || !Array.isArray(proof.links) || !proof.links.every(isLink)) return fail('审计证明格式错误', storedSeq);
  const p = verifyCompact(proof.head, childPublicKey) as Partial<AuditHeadPayload> | undefined;
  if (!p || p.node !== childNode || !Number.isSafeInteger(p.seq) || typeof p.hash !== 'string' || typeof p.at !== 'string') {
    return fail('审计链头签名无效（不是该下级节点的密钥所签）', typeof p?.seq === 'number' ? p.seq : storedSeq);
  }
  const head = p as AuditHeadPayload;
  const links = proof.links;
  const unchanged: AcceptResult = { ok: true, seq: storedSeq, hash: storedHash, advanced: false };
  if (links.length === 0) {
    if (head.seq === storedSeq && head.hash === storedHash) return unchanged;
    if (head.seq < storedSeq) return fail(`下级节点的审计链头回退到序号 ${head.seq}（已接收至 ${storedSeq}），审计历史被截断或改写`, head.seq);
    if (head.seq === storedSeq) return fail('下级节点的审计链头与已接收的哈希不一致（审计历史被改写）', head.seq);
    return fail('审计链头超出所附链接，缺少链接', storedSeq + 1, true);
  }
  const broken = brokenRun(links);
  if (broken) return fail(broken.reason, broken.seq);
  const first = links[0] as AuditLink;
  const last = links.at(-1) as AuditLink;
  if (head.seq !== last.seq || head.hash !== last.hash) return fail('已签名的审计链头与最后一个链接不一致', last.seq);
  if (first.seq > storedSeq + 1) return fail(`缺少序号 ${storedSeq + 1} 起的审计链接`, storedSeq + 1, true);
  if (first.seq === 1 && first.prevHash !== AUDIT_GENESIS) return fail('第一条审计链接的 prevHash 不是起始哈希', 1);
  if (first.seq === storedSeq + 1) {
    if (first.prevHash !== storedHash) return fail('审计链接与已接收的链头不衔接（审计历史被改写）', first.seq);
  } else if (last.seq >= storedSeq && storedSeq > 0) {
    // A re-send: the links must hold the stored hash at the stored seq.
    const atStored = links[storedSeq - first.seq] as AuditLink;
    if (atStored.hash !== storedHash) return fail('重发的审计链接与已接收的链头哈希不一致（审计历史被改写）', storedSeq);
  } else {
    // A run that ends before the stored head holds nothing new and cannot be compared with it.
    return unchanged;
  }
  if (last.seq === storedSeq) return unchanged;
  const next: ChildHead = { node: childNode, seq: last.seq, hash: last.hash, at: head.at, signature: proof.head, updatedAt: clock().toISOString() };
  await auditRepo.saveChildHead(trx, next);
  return { ok: true, seq: next.seq, hash: next.hash, advanced: true };
}

/** The audit heads of child nodes held here, by node id. */
export function childHeads(db: Knex | Knex.Transaction): Promise<ChildHead[]> {
  return auditRepo.childHeads(db);
}
