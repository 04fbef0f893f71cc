// The province federation the simulation starts: the hub, the cities of Shandong (their division codes from
// node/identity) and, below each city, its industry nodes (market regulation, environment, ...); optionally
// vertically managed provincial sector nodes directly below the hub.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { shandongCities } from '../../node/identity/index.ts';
import type { FederationNodeSpec } from '../../node/cli/federation.ts';
import { cityByCode } from '../generate/places.ts';
import { cityUnit, provinceUnit, type BureauKey, type ProvinceKey } from '../generate/units.ts';

export type SimRole = 'hub' | 'city' | 'industry' | 'provincial';

export interface SimNode {
  spec: FederationNodeSpec;
  role: SimRole;
  /** The city (division code) an industry node serves, or its own for a city. */
  city?: string;
  /** What an industry or provincial node reports: its category and the source unit written into each record. */
  load?: { category: string; unit: { code: string; name: string } };
}

/** Node ids in the style of the demo federation (city-jinan, jinan-market): pinyin of the 16 cities. */
const PINYIN: Record<string, string> = {
  370100: 'jinan', 370200: 'qingdao', 370300: 'zibo', 370400: 'zaozhuang', 370500: 'dongying', 370600: 'yantai',
  370700: 'weifang', 370800: 'jining', 370900: 'taian', 371000: 'weihai', 371100: 'rizhao', 371300: 'linyi',
  371400: 'dezhou', 371500: 'liaocheng', 371600: 'binzhou', 371700: 'heze',
};

/** A city's industry nodes, in this order: market regulation and environment first (2 per city by default). */
const CITY_SECTORS: ReadonlyArray<{ sector: string; bureau: BureauKey; category: string }> = [
  { sector: 'market', bureau: 'market', category: 'administrative_penalty' },
  { sector: 'environment', bureau: 'ecology', category: 'environmental' },
  { sector: 'housing', bureau: 'housing', category: 'construction' },
  { sector: 'transport', bureau: 'transport', category: 'contract_performance' },
];

/** Vertically managed provincial bodies, each one node below the hub reporting for the whole province. */
const PROVINCIAL: ReadonlyArray<{ id: string; sector: string; unit: ProvinceKey; category: string }> = [
  { id: 'sd-tax', sector: 'tax', unit: 'tax', category: 'tax_credit_rating' },
  { id: 'sd-drugs', sector: 'drugs', unit: 'drugs', category: 'administrative_penalty' },
];

export const LIMITS = { cities: 16, industryPerCity: CITY_SECTORS.length, provincial: PROVINCIAL.length };

export const HUB_ID = 'sd-hub';

/** Parents before children (initFederation needs that order); ports are given out in the same order. */
export function provincePlan(opts: { cities: number; industryPerCity: number; provincial: number }, ports: readonly number[]): SimNode[] {
  const cities = shandongCities().slice(0, opts.cities);
  const out: SimNode[] = [];
  const port = () => {
    const p = ports[out.length];
    if (p === undefined) throw new RangeError(`not enough ports: ${ports.length}`);
    return p;
  };
  out.push({ role: 'hub', spec: { id: HUB_ID, name: '山东省公共信用信息平台', role: 'province', region: '370000', port: port() } });
  for (const p of PROVINCIAL.slice(0, opts.provincial)) {
    const unit = provinceUnit(p.unit);
    out.push({ role: 'provincial', load: { category: p.category, unit }, spec: { id: p.id, name: unit.name, role: 'industry', region: '370000', sector: p.sector, parent: HUB_ID, port: port() } });
  }
  for (const c of cities) {
    const short = PINYIN[c.code] ?? c.code;
    out.push({ role: 'city', city: c.code, spec: { id: `city-${short}`, name: `${c.name}公共信用信息平台`, role: 'city', region: c.code, parent: HUB_ID, port: port() } });
  }
  for (const c of cities) {
    const short = PINYIN[c.code] ?? c.code;
    for (const s of CITY_SECTORS.slice(0, opts.industryPerCity)) {
      const unit = cityUnit(cityByCode(c.code), s.bureau);
      out.push({
        role: 'industry', city: c.code, load: { category: s.category, unit },
        spec: { id: `${short}-${s.sector}`, name: unit.name, role: 'industry', region: c.code, sector: s.sector, parent: `city-${short}`, port: port() },
      });
    }
  }
  return out;
}

/** The node and its ancestors: every node that holds the node's whole chain. */
export function holdersOf(nodes: readonly SimNode[], origin: string): string[] {
  const byId = new Map(nodes.map((n) => [n.spec.id, n]));
  const out: string[] = [];
  for (let id: string | undefined = origin; id; id = byId.get(id)?.spec.parent) out.push(id);
  return out;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * `n` consecutive free ports below the kernel's ephemeral range: a node restarted after a kill must find its
 * fixed port free, and one in the ephemeral range may meanwhile be the local port of an outgoing connection
 * (a federation this size makes thousands).
 */
export async function stablePorts(n: number): Promise<number[]> {
  let low = 32_768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: keep the usual start of the range
  }
  const top = Math.min(50_000, low) - n;
  for (let tries = 0; tries < 100; tries++) {
    const base = 20_000 + Math.floor(Math.random() * Math.max(1, top - 20_000));
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await portFree(base + i);
    if (ok) return Array.from({ length: n }, (_, i) => base + i);
  }
  throw new Error(`no ${n} consecutive free ports found below ${low}`);
}
