import { parentPort, workerData } from 'node:worker_threads';
import { preparedBatches, type RowOptions } from './import-rows.ts';
import { prepareRecord } from './validate.ts';
import { SchemaRegistry } from './schema-registry.ts';
import { PersonalIdVault } from '../access/personal-id.ts';
import { isCreditNodeError } from '../errors.ts';

/**
 * The reading half of a bulk import, in its own thread: parse, map and validate rows while the main thread
 * writes the previous batches. At most MAX_IN_FLIGHT batches wait for the writer, so memory stays flat.
 */
export interface ImportWorkerData { opts: RowOptions; dataKey: Uint8Array; legacyCodes: string[]; nowIso: string }

export type WorkerMessage =
  | { type: 'batch'; batch: import('./import-rows.ts').PreparedBatch }
  | { type: 'done' }
  | { type: 'fatal'; code?: string; message: string; details?: unknown };

const MAX_IN_FLIGHT = 2;

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const data = workerData as ImportWorkerData;
  let credits = MAX_IN_FLIGHT;
  let wake: (() => void) | undefined;
  port.on('message', (m: unknown) => {
    if (m === 'ack') {
      credits += 1;
      wake?.();
    }
  });
  const now = new Date(data.nowIso);
  const deps = {
    registry: SchemaRegistry.load(),
    clock: () => now,
    vault: new PersonalIdVault(Buffer.from(data.dataKey)),
    legacyCodes: new Set(data.legacyCodes),
  };
  try {
    for await (const batch of preparedBatches({ registry: deps.registry, prepare: (raw, i) => prepareRecord(raw, i, deps) }, data.opts)) {
      while (credits === 0) await new Promise<void>((resolve) => { wake = resolve; });
      credits -= 1;
      port.postMessage({ type: 'batch', batch } satisfies WorkerMessage);
    }
    port.postMessage({ type: 'done' } satisfies WorkerMessage);
  } catch (err) {
    const message: WorkerMessage = isCreditNodeError(err)
      ? { type: 'fatal', code: err.code, message: err.message, details: err.details }
      : { type: 'fatal', message: err instanceof Error ? err.message : String(err) };
    port.postMessage(message);
  }
}

void main();
