import type { NodeContext } from '../app.ts';
import { stateRepo, type PeerState } from '../exchange/state-repo.ts';
import type { DirectoryEntry } from '../exchange/directory.ts';

export interface TreeNode {
  id: string;
  name: string;
  role: string;
  region: string;
  sector: string | null;
  status: string;
  parent: string | null;
  /** This node's chain as the viewing node holds it: last seq and the time of its last event. */
  head: { seq: number; at: string } | null;
  /**
   * Direct exchange with the viewing node (sync_state): when it last pushed up (child-up) and pulled down
   * (child-down), with the last error if the last attempt failed. Nodes further down talk to their own parent:
   * `via` names the child of the viewing node their events come through, and `lastEventAt` when their last event
   * was made (the head's time).
   */
  contact: { up: string | null; down: string | null; error: string | null } | { via: string | null; lastEventAt: string | null } | null;
  /** Events the viewing node still has for this child (child-down lag), for direct children. */
  downLag: number | null;
  /** With --probe: the node's own head minus the viewing node's (null when not probed; error when unreachable). */
  probe?: { seq: number; upLag: number } | { error: string };
  alarms: Array<{ at: string; code: string; detail: string }>;
  children: TreeNode[];
}

export interface Tree { viewer: string; at: string; roots: TreeNode[] }

/** What reading the tree needs of an open node. */
export type TreeSource = Pick<NodeContext, 'store' | 'config' | 'directory' | 'eventLog' | 'clock'>;

/** The failure of the last attempt, if it came after the last success. */
export const failing = (s: PeerState | undefined): string | null => (s?.lastError && (!s.lastOk || (s.lastAttempt ?? '') > s.lastOk) ? s.lastError : null);

/**
 * The federation as a node's directory knows it (the hub's holds every node, as enrollments travel up), with
 * each node's chain head there, its last contact and down lag, and the alarms that name it. Used by
 * scripts/federation-tree.ts and the operators' dashboard (dashboard/data.ts).
 */
export async function readTree(ctx: TreeSource): Promise<Tree> {
  const db = ctx.store.knex;
  const self = ctx.config.id;
  const entries: DirectoryEntry[] = [ctx.directory.selfEntry(), ...(await ctx.directory.list()).filter((e) => e.id !== self)];
  const heads = new Map((await ctx.eventLog.heads(db)).map((h) => [h.origin, h]));
  const peers = await stateRepo.all(db);
  const alarms = await stateRepo.alarms(db, 1000);
  const byId = new Map(entries.map((e) => [e.id, e]));
  const nodes = new Map<string, TreeNode>();
  /** The child of the viewer a node's events come through (undefined when not below the viewer). */
  const viaOf = (id: string): string | null => {
    const seen = new Set<string>();
    for (let e = byId.get(id); e && !seen.has(e.id); e = e.parent ? byId.get(e.parent) : undefined) {
      seen.add(e.id);
      if (e.parent === self) return e.id;
    }
    return null;
  };
  for (const e of entries) {
    const h = heads.get(e.id);
    const state = (direction: string) => peers.find((p) => p.peer === e.id && p.direction === direction);
    const direct = e.parent === self;
    const up = state('child-up');
    const down = state('child-down');
    nodes.set(e.id, {
      id: e.id, name: e.name, role: e.role, region: e.region, sector: e.sector, status: e.status, parent: e.parent,
      head: h ? { seq: h.seq, at: h.at } : null,
      contact: e.id === self ? null : direct ? { up: up?.lastOk ?? null, down: down?.lastOk ?? null, error: failing(up) ?? failing(down) } : { via: viaOf(e.id), lastEventAt: h?.at ?? null },
      downLag: direct ? (down?.lag ?? null) : null,
      alarms: alarms.filter((a) => a.peer === e.id || a.origin === e.id).map((a) => ({ at: a.at, code: a.code, detail: a.detail })),
      children: [],
    });
  }
  const roots: TreeNode[] = [];
  for (const n of nodes.values()) {
    const parent = n.parent ? nodes.get(n.parent) : undefined;
    if (parent && parent !== n) parent.children.push(n);
    else roots.push(n);
  }
  return { viewer: self, at: ctx.clock().toISOString(), roots };
}
