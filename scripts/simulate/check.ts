// Whether the federation has converged, and whether anything was lost or duplicated on the way. Every chain is
// held whole by its origin and each of the origin's ancestors (the hub holds every chain); other nodes may hold
// a selection of it that their parent sent down.
import type { SimNode } from './plan.ts';
import { holdersOf } from './plan.ts';
import type { Head, Link, StoreReader } from '../bench/_store-reader.ts';

export interface Probe {
  converged: boolean;
  /** What still differs (empty once converged). */
  problems: string[];
  /** Events of other origins the hub holds (the sum of its heads but its own). */
  hubReceived: number;
}

type Readers = ReadonlyMap<string, StoreReader>;

async function each<T>(ids: readonly string[], readers: Readers, fn: (r: StoreReader, id: string) => Promise<T>): Promise<Map<string, T | Error>> {
  const out = new Map<string, T | Error>();
  await Promise.all(ids.map(async (id) => {
    try { out.set(id, await fn(readers.get(id) as StoreReader, id)); } catch (err) { out.set(id, err as Error); }
  }));
  return out;
}

/**
 * The cheap test, polled while the federation works: every holder has the origin's head (seq and hash), no
 * received event waits for projection, and every node has pulled down all its parent holds.
 */
export async function probe(nodes: readonly SimNode[], readers: Readers, hubId: string): Promise<Probe> {
  const ids = nodes.map((n) => n.spec.id);
  const heads = await each(ids, readers, (r) => r.heads());
  const pending = await each(ids, readers, (r, id) => r.pending(id));
  const maxPos = await each(ids, readers, (r) => r.maxPos());
  const cursors = await each(ids, readers, async (r, id) => {
    const parent = nodes.find((n) => n.spec.id === id)?.spec.parent;
    return parent ? r.downCursor(parent) : 0;
  });
  const problems: string[] = [];
  for (const id of ids) {
    for (const m of [heads, pending, maxPos, cursors]) {
      const v = m.get(id);
      if (v instanceof Error) problems.push(`${id}: store unreadable: ${v.message}`);
    }
  }
  const headAt = (holder: string, origin: string): Head | undefined => {
    const h = heads.get(holder);
    return h instanceof Map ? h.get(origin) : undefined;
  };
  for (const origin of ids) {
    const ref = headAt(origin, origin);
    for (const holder of holdersOf(nodes, origin).slice(1)) {
      const h = headAt(holder, origin);
      if ((ref?.seq ?? 0) !== (h?.seq ?? 0) || ref?.hash !== h?.hash) problems.push(`${origin} at ${holder}: head ${h?.seq ?? 0}, the origin's ${ref?.seq ?? 0}`);
    }
  }
  for (const n of nodes) {
    const p = pending.get(n.spec.id);
    if (typeof p === 'number' && p > 0) problems.push(`${n.spec.id}: ${p} received events not projected yet`);
    const parent = n.spec.parent;
    const cursor = cursors.get(n.spec.id);
    const top = parent ? maxPos.get(parent) : undefined;
    if (parent && typeof cursor === 'number' && typeof top === 'number' && cursor < top) problems.push(`${n.spec.id}: pulled down to ${cursor} of ${parent}'s ${top}`);
  }
  let hubReceived = 0;
  const hub = heads.get(hubId);
  if (hub instanceof Map) for (const [origin, h] of hub) if (origin !== hubId) hubReceived += h.seq;
  return { converged: problems.length === 0, problems, hubReceived };
}

export interface Verification {
  /** Events of a chain missing at a holder (head minus the distinct seqs it holds). */
  lost: number;
  /** Rows beyond one per (origin, seq), at any node. */
  duplicated: number;
  /** Events a node holds with another hash than the origin's (or beyond its head). */
  diverged: number;
  problems: string[];
  /** Each origin's head at the end. */
  heads: Record<string, number>;
}

/**
 * The thorough test, once a phase has converged: at every holder, for every origin, count = distinct seqs =
 * max(seq) = the origin's head, from 1, hash for hash the origin's; a selection held elsewhere has each of its
 * events once and with the origin's hash.
 */
export async function verify(nodes: readonly SimNode[], readers: Readers): Promise<Verification> {
  const ids = nodes.map((n) => n.spec.id);
  const out: Verification = { lost: 0, duplicated: 0, diverged: 0, problems: [], heads: {} };
  const counts = await each(ids, readers, (r) => r.counts());
  const heads = await each(ids, readers, (r) => r.heads());
  for (const id of ids) {
    const c = counts.get(id);
    const h = heads.get(id);
    if (c instanceof Error || h instanceof Error) out.problems.push(`${id}: store unreadable: ${(c instanceof Error ? c : h as Error).message}`);
  }
  if (out.problems.length) return out;
  const own = new Map<string, Map<number, string>>();
  for (const origin of ids) {
    const chain = await (readers.get(origin) as StoreReader).chain(origin);
    own.set(origin, new Map(chain.map((l) => [l.seq, l.hash])));
    out.heads[origin] = (heads.get(origin) as Map<string, Head>).get(origin)?.seq ?? 0;
  }
  for (const holder of ids) {
    const held = counts.get(holder) as Map<string, { count: number; distinct: number; min: number; max: number }>;
    for (const [origin, c] of held) {
      out.duplicated += c.count - c.distinct;
      if (c.count !== c.distinct) out.problems.push(`${origin} at ${holder}: ${c.count} events for ${c.distinct} seqs`);
    }
    for (const origin of ids) {
      const whole = holdersOf(nodes, origin).includes(holder);
      const c = held.get(origin) ?? { count: 0, distinct: 0, min: 0, max: 0 };
      const head = out.heads[origin] ?? 0;
      if (!whole && c.count === 0) continue;
      const chain: Link[] = holder === origin ? [] : await (readers.get(holder) as StoreReader).chain(origin);
      const ref = own.get(origin) as Map<number, string>;
      let differ = 0;
      for (const l of chain) if (ref.get(l.seq) !== l.hash) differ += 1;
      out.diverged += differ;
      if (differ) out.problems.push(`${origin} at ${holder}: ${differ} events differ from the origin's`);
      if (!whole) continue;
      out.lost += Math.max(0, head - c.distinct);
      const holderHead = (heads.get(holder) as Map<string, Head>).get(origin)?.seq ?? 0;
      if (c.distinct !== head || c.max !== head || (head > 0 && c.min !== 1) || holderHead !== head) {
        out.problems.push(`${origin} at ${holder}: ${c.count} events, seq ${c.min}..${c.max}, head ${holderHead}; the origin's head ${head}`);
      }
    }
  }
  return out;
}
