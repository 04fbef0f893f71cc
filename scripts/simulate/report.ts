// The simulation's figures: the JSON object of --json, and the table printed otherwise.
import type { PhaseFigures } from './phase.ts';

export interface Figures {
  /** Converged in both phases with nothing lost, duplicated or different anywhere. */
  ok: boolean;
  converged: boolean;
  nodes: Record<string, number>;
  hubStore: 'sqlite' | 'pg';
  recordsPerNode: number;
  seed: number;
  /** Every node's scheduled sync rounds (up and down), in seconds: imports reach the federation at the next one. */
  syncSeconds: number;
  /** Seconds to start every node's server (one after the other level by level, a few at a time). */
  startSeconds: number;
  phases: PhaseFigures[];
  lost: number;
  duplicated: number;
  restarts: number;
  /** Peak resident memory (VmHWM) by role in MiB: the largest process of the role, and the mean over them. */
  peakRssMb: Record<string, number>;
  meanPeakRssMb: Record<string, number>;
  cpus: number;
  loadAverage: number;
  seconds: number;
  dir?: string;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const s1 = (n: number | null) => (n === null ? '—' : `${n.toFixed(1)} s`);

export function formatFigures(f: Figures): string {
  const lines = [
    '',
    `province simulation: ${Object.entries(f.nodes).map(([k, v]) => `${v} ${k}`).join(', ')}; hub store ${f.hubStore}; ${fmt(f.recordsPerNode)} records per loading node and phase (seed ${f.seed})`,
    `  nodes started in ${s1(f.startSeconds)}; sync rounds every ${f.syncSeconds} s`,
    '',
    `  ${'phase'.padEnd(8)}${'records'.padStart(10)}${'import'.padStart(10)}${'rec/s'.padStart(8)}${'converged'.padStart(11)}${'hub in'.padStart(10)}${'ev/s'.padStart(8)}${'peak/5s'.padStart(9)}${'lost'.padStart(6)}${'dup'.padStart(5)}${'diff'.padStart(6)}  killed`,
  ];
  for (const p of f.phases) {
    lines.push(`  ${p.name.padEnd(8)}${fmt(p.records).padStart(10)}${s1(p.importSeconds).padStart(10)}${fmt(p.importRate).padStart(8)}${(p.converged ? s1(p.convergenceSeconds) : 'NO').padStart(11)}`
      + `${fmt(p.hubIntake.events).padStart(10)}${fmt(p.hubIntake.rate).padStart(8)}${fmt(p.hubIntake.peakRate).padStart(9)}${String(p.lost + p.recordsMissing).padStart(6)}${String(p.duplicated).padStart(5)}${String(p.diverged).padStart(6)}  ${p.kills.map((k) => k.node).join(', ')}`);
  }
  lines.push('', `  peak RSS by role (MiB, largest / mean): ${Object.keys(f.peakRssMb).map((k) => `${k} ${f.peakRssMb[k]} / ${f.meanPeakRssMb[k]}`).join(', ')}`);
  lines.push(`  ${f.restarts} restarts; whole run ${s1(f.seconds)}; load average ${f.loadAverage.toFixed(1)} on ${f.cpus} CPUs`);
  const problems = f.phases.flatMap((p) => p.problems.map((x) => `${p.name}: ${x}`));
  if (problems.length) lines.push('', '  problems:', ...problems.slice(0, 20).map((x) => `    ${x}`));
  lines.push('', f.ok ? '  result: converged in both phases, nothing lost or duplicated' : '  result: FAILED');
  return lines.join('\n');
}
