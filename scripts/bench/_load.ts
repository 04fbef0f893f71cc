// HTTP load for the benchmarks: autocannon at C connections for T seconds, every request the next path of a list.
import autocannon from 'autocannon';

export interface Figures { requests: number; perSecond: number; p50: number; p99: number; max: number; errors: number }

/** C connections for T seconds, each request the next path of the list (round robin); a token when given. */
export async function load(url: string, token: string, paths: string[], connections: number, seconds: number): Promise<Figures> {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] as string }) }],
  });
  return {
    requests: result.requests.total,
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

/** One line of a results table: requests, req/s, p50, p99, max, and the ratio of req/s to a baseline. */
export function row(label: string, f: Figures, base?: Figures): string {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  return `${label.padEnd(40)} ${fmt(f.requests).padStart(9)} ${f.perSecond.toFixed(0).padStart(8)} ${f.p50.toFixed(2).padStart(8)} ${f.p99.toFixed(2).padStart(8)} ${f.max.toFixed(1).padStart(8)}${base ? `   ${(f.perSecond / base.perSecond).toFixed(3)}` : ''}${f.errors ? `   errors ${f.errors}` : ''}`;
}

export const HEADER = `${'lookup'.padEnd(40)} ${'requests'.padStart(9)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}   ratio to baseline`;
