import type { NodeContext } from '../app.ts';
import { stateRepo } from '../exchange/state-repo.ts';
import { recordsRepo } from '../records/repo.ts';
import type { TicketStats } from '../disputes/escalation.ts';
import { chinaDay } from '../publicity/visibility.ts';
import { regionName } from '../portal/site.ts';
import { failing, readTree, type TreeNode, type TreeSource } from './tree.ts';

/** Days the intake charts cover, today (China time) included. */
export const INTAKE_DAYS = 30;
/** Alarms younger than this mark a node as failing. */
const ALARM_DAYS = 7;
/** Alarms shown per node. */
const ALARMS_SHOWN = 5;

export type NodeState = 'ok' | 'error' | 'revoked';

/** One node of the federation as the viewing node knows it. */
export interface DashboardNode extends Pick<TreeNode, 'id' | 'name' | 'role' | 'region' | 'sector' | 'status' | 'parent'> {
  /** self: the viewing node; direct: exchanges with it; relayed: reaches it through `via` (a direct child). */
  link: 'self' | 'direct' | 'relayed';
  via: string | null;
  /**
   * Events behind. down: events waiting for the node to pull (for a child: what the viewer still has for it; for
   * the viewer: what its parent still has for it). up: for the viewer, its subtree's events its parent lacks.
   */
  lag: { down: number | null; up: number | null };
  /** Last successful exchange with the viewer (for the viewer: with its parent). */
  lastContact: string | null;
  /** When the node's last event was made (its chain head as the viewer holds it). */
  lastEventAt: string | null;
  /** Last seq of its chain held here, and its records held here. */
  events: number;
  records: number;
  /** The last attempt's error when it failed after the last success. */
  error: string | null;
  /** Alarms naming the node in the last days (newest first, a few), and how many there were. */
  alarms: Array<{ at: string; code: string; detail: string }>;
  alarmCount: number;
  state: NodeState;
  children: DashboardNode[];
}

export interface IntakeSeries { key: string; name: string; total: number; perDay: number[] }

export interface Intake { from: string; to: string; days: string[]; total: number; byCity: IntakeSeries[]; byCategory: IntakeSeries[] }

export interface OverdueUnit { by: 'node' | 'sourceUnit'; key: string; name: string; open: number; overdue: number }

export interface Dashboard {
  node: { id: string; name: string; role: string; region: string; asOf: string };
  tree: DashboardNode;
  intake: Intake;
  overdue: OverdueUnit[];
  tickets: { asOf: string; open: number; overdue: number; closed: number };
}

export interface DashboardDeps extends TreeSource {
  registry: Pick<NodeContext['registry'], 'has' | 'meta'>;
  ticketStats: () => Promise<TicketStats>;
  /** How long a computed dashboard is served again (wall time; 0 computes every time). */
  cacheMs?: number;
}

const DAY_MS = 86_400_000;
const later = (a: string | null | undefined, b: string | null | undefined): string | null => ((a ?? '') > (b ?? '') ? a ?? null : b ?? null);

/**
 * The operators' picture of the federation below this node (the hub: all of it): the tree with lag, last
 * contact, failures and counts per node, the last 30 days' intake by city and category, overdue tickets per
 * unit. Read through the owners' functions (exchange state, directory, event log, records repo, ticket stats).
 */
export class DashboardService {
  private cached: { until: number; value: Promise<Dashboard> } | undefined;

  constructor(private readonly deps: DashboardDeps) {}

  read(): Promise<Dashboard> {
    const ms = this.deps.cacheMs ?? 0;
    if (this.cached && this.cached.until > Date.now()) return this.cached.value;
    const value = this.compute();
    this.cached = ms > 0 ? { until: Date.now() + ms, value } : undefined;
    value.catch(() => { this.cached = undefined; });
    return value;
  }

  private async compute(): Promise<Dashboard> {
    const { config, clock } = this.deps;
    const db = this.deps.store.knex;
    const now = clock();
    const days = lastDays(now, INTAKE_DAYS);
    const from = new Date(Date.parse(`${days[0]}T00:00:00+08:00`)).toISOString();
    const to = new Date(Date.parse(`${days[days.length - 1]}T00:00:00+08:00`) + DAY_MS).toISOString();
    const [tree, counts, stats, up, down] = await Promise.all([
      readTree(this.deps), recordsRepo.intake(db, from, to), this.deps.ticketStats(),
      config.parentId ? stateRepo.get(db, config.parentId, 'up') : undefined,
      config.parentId ? stateRepo.get(db, config.parentId, 'down') : undefined,
    ]);
    const alarmSince = new Date(now.getTime() - ALARM_DAYS * DAY_MS).toISOString();
    const convert = (n: TreeNode): DashboardNode => {
      const c = n.contact;
      const self = n.id === config.id;
      const direct = c !== null && 'up' in c;
      const recent = n.alarms.filter((a) => a.at >= alarmSince);
      const error = self ? failing(up) ?? failing(down) : direct ? c.error : null;
      return {
        id: n.id, name: n.name, role: n.role, region: n.region, sector: n.sector, status: n.status, parent: n.parent,
        link: self ? 'self' : direct ? 'direct' : 'relayed',
        via: c && 'via' in c ? c.via : null,
        lag: self ? { down: down?.lag ?? null, up: up?.lag ?? null } : { down: n.downLag, up: null },
        lastContact: self ? later(up?.lastOk, down?.lastOk) : direct ? later(c.up, c.down) : null,
        lastEventAt: n.head?.at ?? null,
        events: n.head?.seq ?? 0,
        records: counts.byOrigin.get(n.id) ?? 0,
        error,
        alarms: recent.slice(0, ALARMS_SHOWN),
        alarmCount: recent.length,
        state: n.status === 'revoked' ? 'revoked' : error || recent.length ? 'error' : 'ok',
        children: sortChildren(n.children).map(convert),
      };
    };
    const own = findNode(tree.roots, config.id) ?? tree.roots[0];
    if (!own) throw new Error('directory has no entry for this node');
    return {
      node: { id: config.id, name: config.name, role: config.role, region: config.region, asOf: now.toISOString() },
      tree: convert(own),
      intake: intake(days, counts.byHour, (c) => (this.deps.registry.has(c) ? this.deps.registry.meta(c).title : c)),
      overdue: overdueUnits(stats),
      tickets: { asOf: stats.asOf, open: stats.open, overdue: stats.overdue, closed: stats.closed },
    };
  }
}

function findNode(nodes: TreeNode[], id: string): TreeNode | undefined {
  for (const n of nodes) {
    if (n.id === id) return n;
    const below = findNode(n.children, id);
    if (below) return below;
  }
  return undefined;
}

const ROLE_ORDER: Record<string, number> = { national: 0, province: 1, city: 2, industry: 3 };

/** Cities first (by region code), then industry nodes (the vertically managed ones under the hub), by id. */
function sortChildren(nodes: TreeNode[]): TreeNode[] {
  return [...nodes].sort((a, b) => (ROLE_ORDER[a.role] ?? 9) - (ROLE_ORDER[b.role] ?? 9) || a.region.localeCompare(b.region) || a.id.localeCompare(b.id));
}

/** The China days ending today, oldest first. */
export function lastDays(now: Date, n: number): string[] {
  const today = Date.parse(`${chinaDay(now)}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(today - (n - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

/** A city's key: the first four digits of the subject's region + 00 (370102 → 370100); '' when unknown. */
const cityKey = (prefix: string | null): string => (prefix && /^\d{4}$/.test(prefix) ? `${prefix}00` : '');

function cityName(key: string): string {
  if (!key) return '地区不详';
  const name = regionName(key);
  return key.endsWith('0000') ? `${name}（省本级）` : name;
}

/** Hourly counts (UTC hours) folded into China days per city and per category. */
export function intake(days: string[], rows: Array<{ hour: string; category: string; city: string | null; n: number }>, categoryName: (c: string) => string): Intake {
  const index = new Map(days.map((d, i) => [d, i]));
  const cities = new Map<string, number[]>();
  const categories = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, key: string, i: number, n: number) => {
    let per = m.get(key);
    if (!per) m.set(key, (per = days.map(() => 0)));
    per[i] = (per[i] ?? 0) + n;
  };
  let total = 0;
  for (const r of rows) {
    const i = index.get(chinaDay(new Date(`${r.hour}:00:00.000Z`)));
    if (i === undefined) continue;
    add(cities, cityKey(r.city), i, r.n);
    add(categories, r.category, i, r.n);
    total += r.n;
  }
  const series = (m: Map<string, number[]>, name: (k: string) => string): IntakeSeries[] =>
    [...m].map(([key, perDay]) => ({ key, name: name(key), total: perDay.reduce((a, b) => a + b, 0), perDay }))
      .sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
  return { from: days[0] ?? '', to: days[days.length - 1] ?? '', days, total, byCity: series(cities, cityName), byCategory: series(categories, categoryName) };
}

/** Units with overdue tickets: handling nodes, then source units, most overdue first. */
export function overdueUnits(stats: TicketStats): OverdueUnit[] {
  const pick = (by: OverdueUnit['by'], list: TicketStats['byNode']): OverdueUnit[] =>
    list.filter((c) => c.key !== null && c.overdue > 0)
      .map((c) => ({ by, key: c.key as string, name: c.name ?? (c.key as string), open: c.open, overdue: c.overdue }))
      .sort((a, b) => b.overdue - a.overdue || a.key.localeCompare(b.key));
  return [...pick('node', stats.byNode), ...pick('sourceUnit', stats.bySourceUnit)];
}
