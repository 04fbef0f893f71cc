/** A small reader of the Prometheus text exposition format (version 0.0.4), strict enough to catch malformed output. */

export interface Sample { name: string; labels: Record<string, string>; value: number }
export interface Family { name: string; help?: string; type?: string; samples: Sample[] }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Error(`bad labels in: ${line}`);
    labels[m[1] as string] = unescape(m[2] as string);
    at = re.lastIndex;
  }
  return labels;
}

function parseValue(v: string, line: string): number {
  // As Prometheus reads them (Go's ParseFloat): Inf and NaN in any letter case.
  if (/^\+?inf$/i.test(v)) return Infinity;
  if (/^-inf$/i.test(v)) return -Infinity;
  if (/^nan$/i.test(v)) return NaN;
  const n = Number(v);
  if (v === '' || Number.isNaN(n)) throw new Error(`bad value in: ${line}`);
  return n;
}

/** Families by name; histogram and summary samples (_bucket, _sum, _count) belong to their family. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) { f = { name, samples: [] }; families.set(name, f); }
    return f;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name: ${line}`);
      if (kind === 'HELP') family(name).help = rest;
      else if (['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) family(name).type = rest;
      else throw new Error(`bad type: ${line}`);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const name = m[1] as string;
    const base = [...families.keys()].find((f) => (families.get(f)?.type === 'histogram' || families.get(f)?.type === 'summary') && /^(.*)_(bucket|sum|count)$/.exec(name)?.[1] === f) ?? name;
    const f = families.get(base);
    if (!f?.type) throw new Error(`sample without TYPE: ${line}`);
    const labels = parseLabels(m[2] ?? '', line);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate sample: ${line}`);
    seen.add(key);
    f.samples.push({ name, labels, value: parseValue(m[3] as string, line) });
  }
  return families;
}

/** The sum of the samples carrying these labels (among others), or undefined when none does. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}, sampleName = name): number | undefined {
  const family = families.get(name);
  const hit = family?.samples.filter((s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (!hit || hit.length === 0) return undefined;
  return hit.reduce((n, s) => n + s.value, 0);
}
