// Reads a V8 .cpuprofile (node --cpu-prof) and names where the time went: self time per function, and total
// time (the function or anything it called) for the program's own functions.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './_proc.ts';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface HotFunction { name: string; ms: number; share: number }

function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  if (!url) return `(${functionName || 'anonymous'})`;
  let where = url.replace(/^file:\/\//, '');
  if (where.startsWith(root)) where = path.relative(root, where);
  else if (where.includes('/node_modules/')) where = where.slice(where.lastIndexOf('/node_modules/') + 14);
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
}

/** `window`: only the samples taken between these two times of the monotonic clock (µs), the clock V8 stamps them with. */
export function summarize(file: string, top = 12, window?: [number, number]): { totalMs: number; self: HotFunction[]; inclusive: HotFunction[] } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (window && (at < window[0] || at > window[1])) continue;
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    const id = p.samples[i] as number;
    const leaf = byId.get(id);
    if (!leaf) continue;
    total += dt;
    const name = label(leaf);
    self.set(name, (self.get(name) ?? 0) + dt);
    // Each function once per sample, however deep it recurses.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur) as ProfileNode;
      if (!n.callFrame.url.includes('/dist/node/')) continue;
      const l = label(n);
      if (seen.has(l)) continue;
      seen.add(l);
      incl.set(l, (incl.get(l) ?? 0) + dt);
    }
  }
  const rank = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({ name, ms, share: total ? ms / total : 0 }));
  return { totalMs: total, self: rank(self), inclusive: rank(incl) };
}
