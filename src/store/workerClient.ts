/**
 * Page side of the worker protocol: one Web Worker per long job kind (data
 * building, teacher pass, training), created on first use. `callWorker`
 * sends a job and returns a promise of its output, streaming progress to a
 * callback; `control` pauses, resumes or stops it. A crashed worker fails its
 * jobs with a clear message and is started afresh on the next call (nothing
 * stored is lost: workers write to IndexedDB in complete batches).
 */
import { type BackendName, type BackendReport, isBackendName } from '../contract/backendReport.ts';
import type {
  ControlAction,
  FromWorker,
  JobInput,
  JobName,
  JobOutput,
  JobProgress,
  WireError,
} from '../contract/protocol.ts';
import type { WorkerKind } from '../contract/jobs.ts';

/** An error from a worker, keeping what the engine said about where it happened. */
export class WorkerJobError extends Error {
  fileName?: string;
  byteOffset?: number;
  constructor(e: WireError) {
    super(e.message);
    this.name = e.name;
    this.fileName = e.fileName;
    this.byteOffset = e.byteOffset;
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onProgress?: (p: unknown) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Resolves when the worker reported its backend (or crashed, or was stopped). */
  ready: Promise<void>;
  markReady(): void;
}

const slots = new Map<WorkerKind, Slot>();
let nextId = 1;
/** null: the worker is (re)starting and has not reported yet. */
let backendListener: (kind: WorkerKind, report: BackendReport | { error: string } | null) => void = () => {};

/** Receives each worker's backend report (and crashes) — the header shows them. */
export function onBackendReport(cb: typeof backendListener): void {
  backendListener = cb;
}

/** Where the header's backend override is kept (it persists across reloads). */
export const BACKEND_OVERRIDE_KEY = 'wwm.backendOverride';

/** The user's backend override from the header, or null to let the probe choose. */
export function backendOverride(): BackendName | null {
  try {
    const v = localStorage.getItem(BACKEND_OVERRIDE_KEY);
    return isBackendName(v) ? v : null;
  } catch {
    return null;
  }
}

/** The backend the tensor workers are asked to use: `?backend=` on the page's URL, else the header's override. */
function preferredBackend(): string | null {
  try {
    return new URLSearchParams(location.search).get('backend') ?? backendOverride();
  } catch {
    return null;
  }
}

const TENSOR_WORKERS: WorkerKind[] = ['teacher', 'train'];

/**
 * Sets (or clears, with null) the backend override and restarts the tensor workers that are
 * idle, so they start on it now; a busy one keeps its backend until its job ends and it restarts.
 * Returns the workers that were restarted.
 */
export function setBackendOverride(name: BackendName | null): WorkerKind[] {
  try {
    if (name) localStorage.setItem(BACKEND_OVERRIDE_KEY, name);
    else localStorage.removeItem(BACKEND_OVERRIDE_KEY);
  } catch {
    // Without localStorage the override lasts until the page is reloaded.
  }
  const restarted: WorkerKind[] = [];
  for (const kind of TENSOR_WORKERS) {
    const slot = slots.get(kind);
    if (!slot || slot.pending.size > 0) continue;
    slots.delete(kind);
    slot.worker.terminate();
    slot.markReady();
    restarted.push(kind);
  }
  for (const kind of restarted) backendListener(kind, null);
  void warmWorkers(restarted);
  return restarted;
}

function makeWorker(kind: WorkerKind): Worker {
  // Literal URLs so that Vite finds and bundles each worker.
  switch (kind) {
    case 'data':
      return new Worker(new URL('../../workers/dataWorker.ts', import.meta.url), { type: 'module', name: 'data' });
    case 'teacher':
      return new Worker(new URL('../../workers/teacherWorker.ts', import.meta.url), {
        type: 'module',
        name: 'teacher',
      });
    case 'train':
      return new Worker(new URL('../../workers/trainWorker.ts', import.meta.url), { type: 'module', name: 'train' });
  }
}

function slotFor(kind: WorkerKind): Slot {
  const existing = slots.get(kind);
  if (existing) return existing;
  const worker = makeWorker(kind);
  let reported = () => {};
  const slot: Slot = {
    worker,
    pending: new Map(),
    ready: new Promise<void>((ok) => {
      reported = ok;
    }),
    markReady: () => reported(),
  };
  // always an init message (the override, or none for the probe's choice): the worker waits for it, so a
  // slow start on a busy machine can never begin on the probe's choice before the override arrives
  worker.postMessage({ type: 'init', backend: preferredBackend() ?? undefined });
  worker.addEventListener('message', (ev: MessageEvent<FromWorker>) => {
    const msg = ev.data;
    if (msg.type === 'ready') {
      backendListener(kind, msg.backend);
      reported();
      return;
    }
    const p = slot.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') p.onProgress?.(msg.progress);
    else if (msg.type === 'result') {
      slot.pending.delete(msg.id);
      p.resolve(msg.output);
    } else if (msg.type === 'error') {
      slot.pending.delete(msg.id);
      p.reject(new WorkerJobError(msg.error));
    }
  });
  worker.addEventListener('error', (ev: ErrorEvent) => {
    const message = `the ${kind} worker crashed (${ev.message || 'no message'}); stored data is intact, start the job again`;
    crash(kind, message);
  });
  slots.set(kind, slot);
  return slot;
}

function crash(kind: WorkerKind, message: string): void {
  const slot = slots.get(kind);
  if (!slot) return;
  slots.delete(kind);
  slot.worker.terminate();
  slot.markReady();
  for (const p of slot.pending.values()) p.reject(new Error(message));
  backendListener(kind, { error: message });
}

/**
 * Whether a worker is started and has no job in progress: asking it something then starts nothing
 * (no second backend probe) and adds no message to a running job's worker.
 */
export function isWorkerIdle(kind: WorkerKind): boolean {
  const slot = slots.get(kind);
  return !!slot && slot.pending.size === 0;
}

/** Starts a worker early so its backend shows in the header. */
export function warmWorker(kind: WorkerKind): void {
  slotFor(kind);
}

/**
 * Starts workers early, the tensor workers one after the other: each may measure the backends
 * for a second or two, and two probes at once on a small machine would measure each other.
 */
export async function warmWorkers(kinds: WorkerKind[]): Promise<void> {
  for (const kind of kinds) {
    const slot = slotFor(kind);
    if (TENSOR_WORKERS.includes(kind)) await slot.ready;
  }
}

export interface JobHandle<K extends JobName> {
  id: number;
  result: Promise<JobOutput<K>>;
  control(action: ControlAction): void;
}

/** Sends one job to a worker; progress streams to onProgress. */
export function callWorker<K extends JobName>(
  kind: WorkerKind,
  job: K,
  input: JobInput<K>,
  onProgress?: (p: JobProgress<K>) => void,
): JobHandle<K> {
  const slot = slotFor(kind);
  const id = nextId++;
  const result = new Promise<JobOutput<K>>((resolve, reject) => {
    slot.pending.set(id, {
      resolve: resolve as (v: unknown) => void,
      reject,
      onProgress: onProgress as (p: unknown) => void,
    });
  });
  slot.worker.postMessage({ type: 'request', id, job, input });
  return { id, result, control: (action) => slot.worker.postMessage({ type: 'control', id, action }) };
}

/** Terminates a worker (its running jobs fail); the next call starts a fresh one. */
export function restartWorker(kind: WorkerKind): void {
  crash(kind, `the ${kind} worker was restarted`);
}
