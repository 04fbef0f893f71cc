import type { Knex } from 'knex';
import type { EventLog } from '../exchange/event-log.ts';
import { Conflict, Forbidden, NotFound } from '../errors.ts';
import { recordsRepo } from './repo.ts';
import type { RecordStatus } from './types.ts';

export interface StatusChangeDeps {
  eventLog: EventLog;
  nodeId: string;
  /** Told which subject's records changed (the credit evaluation). */
  onSubjectsChanged?: ((trx: Knex.Transaction, subjectIds: number[]) => Promise<void>) | undefined;
}

/**
 * A new version of a record that changes only its status (a repair approved, a decision revoked), written by the
 * record's origin in the caller's transaction: the body of the current version with the new status and version,
 * as an `update` event that travels up like any other change; the superseded version joins the history.
 */
export async function changeRecordStatus(trx: Knex.Transaction, deps: StatusChangeDeps, id: string, status: RecordStatus, at: string, extra: Record<string, unknown> = {}): Promise<{ id: string; version: number }> {
  const row = await recordsRepo.byId(trx as unknown as Knex, id);
  if (!row) throw new NotFound(`未找到信用记录：${id}`);
  if (row.origin !== deps.nodeId) throw new Forbidden(`该记录由节点 ${row.origin} 报送，只能由其来源节点更改状态`);
  if (row.status === status) throw new Conflict(`该记录的状态已是 ${status}`);
  const version = Number(row.version) + 1;
  const body = { ...(JSON.parse(row.body) as Record<string, unknown>), ...extra, version, status };
  const [ev] = await deps.eventLog.append(trx, [{ kind: 'record', entityId: id, op: 'update', body }], at);
  await recordsRepo.insertVersions(trx, [{ record_id: id, version: Number(row.version), op: Number(row.version) === 1 ? 'create' : 'update', status: row.status, body_hash: row.body_hash, origin: row.origin, seq: Number(row.seq), at: row.updated_at }]);
  await recordsRepo.updateRecord(trx, id, { version, status, seq: (ev as { seq: number }).seq, updated_at: at });
  await deps.onSubjectsChanged?.(trx, [Number(row.subject_id)]);
  return { id, version };
}
