/**
 * The start-up every worker shares: choose the tfjs backend (honouring a
 * preferred one the page passes in an `init` message), report it to the page
 * with a `ready` message, then serve jobs. Jobs wait for the backend.
 */
import type { BackendName, BackendReport } from '../src/contract/backendReport.ts';
import { serveJobs, type JobHandlers, type JobName } from '../src/contract/protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let backendReady: Promise<BackendReport> | null = null;
let deviceLost: string | null = null;

/** Resolves once this worker's backend is chosen. */
export function backend(): Promise<BackendReport> {
  if (!backendReady) throw new Error('worker not started');
  return backendReady;
}

/** Throws when the GPU device was lost, so a job fails cleanly and can be restarted. */
export function assertDeviceAlive(): void {
  if (deviceLost) throw new Error(`${deviceLost}; reload the page to start the job again (stored data is intact)`);
}

export function startWorker<K extends JobName>(
  name: string,
  handlers: JobHandlers<K>,
  options: { usesTensors: boolean; transfer?: (output: unknown) => Transferable[] },
): void {
  let preferred: BackendName | undefined;
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    // tfjs is imported only by workers that compute tensors (the data worker stays small).
    backendReady = options.usesTensors
      ? import('./backend.ts').then(async (b) => {
          const report = await b.pickBackend(preferred);
          b.onDeviceLost((m) => {
            deviceLost = m;
          });
          return report;
        })
      : Promise.resolve({
          backend: 'none',
          reason: 'this worker builds data in plain JavaScript and computes no tensors',
          skipped: [],
        });
    backendReady.then((report) => self.postMessage({ type: 'ready', worker: name, backend: report }));
  };
  self.addEventListener('message', (ev: MessageEvent) => {
    const d = ev.data as { type?: string; backend?: BackendName };
    if (d?.type === 'init') {
      preferred = d.backend;
      start();
    }
  });
  // Wrap handlers so each job first waits for the backend.
  const wrapped = {} as Record<string, unknown>;
  for (const [job, fn] of Object.entries(handlers) as [string, (i: unknown, c: unknown) => Promise<unknown>][]) {
    wrapped[job] = async (input: unknown, ctx: unknown) => {
      start();
      await backendReady;
      assertDeviceAlive();
      return fn(input, ctx);
    };
  }
  serveJobs(self, wrapped as JobHandlers<K>, options.transfer);
  // The page's init message starts it (see src/store/workerClient.ts slotFor); a job that came first would too.
}
