import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the module `name` (without extension) that lies next to the module at `here` (its import.meta.url) on
 * a thread of its own: the compiled .js beside the compiled caller, or, running from source (tests, tsx), the
 * .ts file with tsx's loader registered inside the thread first (loader flags do not carry into workers).
 */
export function startThread(here: string, name: string, options: WorkerOptions = {}): Worker {
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here), options);
  const target = JSON.stringify(new URL(`./${name}.ts`, here).href);
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${target}); })`, { ...options, eval: true });
}

/**
 * Asks a thread to stop (`message`, which it answers by closing its port) and waits until it has; a thread still
 * running after `graceMs` (stuck on a lock, say) is terminated.
 */
export async function stopThread(worker: Worker, message: unknown, graceMs: number): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.postMessage(message);
  const timeout = setTimeout(() => void worker.terminate(), graceMs);
  await exited;
  clearTimeout(timeout);
}
