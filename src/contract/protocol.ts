/**
 * The typed message protocol between the page and its Web Workers.
 *
 * The page sends `request` messages (a job name, its input and a job id) and
 * `control` messages (pause / resume / stop a running job). A worker answers
 * with `progress` messages while it works, then exactly one `result` or
 * `error` for that job id. On start each worker posts one `ready` message
 * naming the tfjs backend it chose and why.
 *
 * Every job's input, progress and output types are listed in `JobTypes`, so
 * both sides are checked by the compiler. The page-side helper that turns a
 * job into a promise is `callWorker` (src/store/workerClient.ts); the worker
 * side serves jobs with `serveJobs` below.
 */
import type { BackendReport } from './backendReport.ts';
import type { JobTypes } from './jobs.ts';

export type JobName = keyof JobTypes;
export type JobInput<K extends JobName> = JobTypes[K]['input'];
export type JobOutput<K extends JobName> = JobTypes[K]['output'];
export type JobProgress<K extends JobName> = JobTypes[K]['progress'];

export type ControlAction = 'pause' | 'resume' | 'stop';

/** Page → worker. */
export type ToWorker =
  | { type: 'request'; id: number; job: JobName; input: unknown }
  | { type: 'control'; id: number; action: ControlAction };

/** An error as it crosses the worker boundary: plain data, with where it came from. */
export interface WireError {
  name: string;
  message: string;
  /** The file (and position) the error is about, when the engine said so. */
  fileName?: string;
  byteOffset?: number;
  stack?: string;
}

/** Worker → page. */
export type FromWorker =
  | { type: 'ready'; worker: string; backend: BackendReport }
  | { type: 'progress'; id: number; progress: unknown }
  | { type: 'result'; id: number; output: unknown }
  | { type: 'error'; id: number; error: WireError };

/** Turns anything thrown into a WireError, keeping fileName / byteOffset where present. */
export function toWireError(err: unknown): WireError {
  if (err instanceof Error) {
    const e = err as Error & { fileName?: unknown; byteOffset?: unknown };
    return {
      name: e.name,
      message: e.message,
      fileName: typeof e.fileName === 'string' ? e.fileName : undefined,
      byteOffset: typeof e.byteOffset === 'number' ? e.byteOffset : undefined,
      stack: e.stack,
    };
  }
  return { name: 'Error', message: String(err) };
}

/** What a job handler gets besides its input: progress reporting and pause / stop control. */
export interface JobContext<P> {
  progress(p: P): void;
  /**
   * Lets the control messages the page has sent so far arrive (one turn of the worker's event
   * loop). A job whose batches await only tensor reads (microtasks on wasm and cpu) never yields to
   * its message queue by itself: without this, Stop and Pause would wait for its next storage write.
   */
  poll(): Promise<void>;
  /** Lets control messages arrive (poll), then resolves unless paused; while paused, waits for resume (or stop). */
  checkpoint(): Promise<void>;
  /** True once the page asked to stop; handlers finish cleanly and return what they have. */
  readonly stopped: boolean;
  /** True while paused. */
  readonly paused: boolean;
}

export type JobHandlers<K extends JobName> = {
  [N in K]: (input: JobInput<N>, ctx: JobContext<JobProgress<N>>) => Promise<JobOutput<N>>;
};

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

/** Resolves in a later task of the event loop, after the messages already queued (MessageChannel: no timer clamping). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/**
 * Worker side: answers requests with the given handlers. `transferOf` may
 * list ArrayBuffers of an output to transfer instead of copy.
 */
export function serveJobs<K extends JobName>(
  scope: WorkerScope,
  handlers: JobHandlers<K>,
  transferOf?: (output: unknown) => Transferable[],
): void {
  const controls = new Map<number, { paused: boolean; stopped: boolean; wake: (() => void)[] }>();
  scope.addEventListener('message', (ev: MessageEvent) => {
    const msg = ev.data as ToWorker;
    if (msg.type === 'control') {
      const c = controls.get(msg.id);
      if (!c) return;
      if (msg.action === 'pause') c.paused = true;
      if (msg.action === 'resume') c.paused = false;
      if (msg.action === 'stop') c.stopped = true;
      if (!c.paused || c.stopped) for (const w of c.wake.splice(0)) w();
      return;
    }
    if (msg.type !== 'request') return;
    const handler = (handlers as Record<string, (i: unknown, c: JobContext<unknown>) => Promise<unknown>>)[msg.job];
    if (!handler) {
      scope.postMessage({
        type: 'error',
        id: msg.id,
        error: { name: 'Error', message: `this worker has no job "${msg.job}"` },
      } satisfies FromWorker);
      return;
    }
    const c = { paused: false, stopped: false, wake: [] as (() => void)[] };
    controls.set(msg.id, c);
    const ctx: JobContext<unknown> = {
      progress: (p) => scope.postMessage({ type: 'progress', id: msg.id, progress: p } satisfies FromWorker),
      poll: nextTask,
      checkpoint: async () => {
        await nextTask();
        if (c.paused && !c.stopped) await new Promise<void>((r) => c.wake.push(r));
      },
      get stopped() {
        return c.stopped;
      },
      get paused() {
        return c.paused;
      },
    };
    handler(msg.input, ctx)
      .then(
        (output) =>
          scope.postMessage({ type: 'result', id: msg.id, output } satisfies FromWorker, transferOf?.(output) ?? []),
        (err) => scope.postMessage({ type: 'error', id: msg.id, error: toWireError(err) } satisfies FromWorker),
      )
      .finally(() => controls.delete(msg.id));
  });
}
