/**
 * Node only: lets tfjs-wasm's threaded SIMD build (XNNPACK on a pthread pool)
 * run on Node's worker_threads, which tfjs-backend-wasm 4.22 leaves off in Node
 * (its flag WASM_HAS_MULTITHREAD_SUPPORT answers false when IS_NODE, tfjs issue
 * 3830). Its Emscripten glue already supports Node pthreads; three things stand
 * in the way, each met here without touching node_modules:
 *
 * 1. The glue starts each pthread with `new Worker(url)` where url is a Blob URL
 *    of the worker script (a string in the bundle). Node's Worker cannot load a
 *    Blob URL, so `Worker` is replaced on globalThis (the glue looks it up there)
 *    by PthreadWorker: it takes the Blob behind the URL and starts an `eval`
 *    worker that reads the Blob and runs it.
 * 2. The worker is then told to load the main script, again a Blob (the source
 *    text of the bundle's threaded factory function). The bootstrap reads it and
 *    hands it to the worker script's `importScripts`. That text refers to names
 *    of the bundle's own scope (rollup's `commonjsGlobal` and `require$$0`… for
 *    fs, path, perf_hooks, os), which the bootstrap defines in the worker.
 * 3. XNNPACK's pool is capped at emscripten_num_logical_cores() / 2 (it assumes
 *    two hyperthreads per core), which in Node is os.cpus().length / 2, read once
 *    while the module starts: 1 on a 2-core machine. While the backend starts,
 *    os.cpus lists every core twice, so the cap is the machine's core count.
 *
 * A pthread that fails to start reports through `onPthreadFailure`; the caller
 * (nodeBackend.ts) then falls back to one thread.
 */
import { resolveObjectURL } from 'node:buffer';
import os from 'node:os';
import { Worker as NodeWorker } from 'node:worker_threads';

/** The environment variable that sets the CLI's tfjs-wasm thread count (default: all cores). */
export const THREADS_VARIABLE = 'TFJS_WASM_THREADS';

/**
 * Threads wanted: `TFJS_WASM_THREADS` when set (a whole number ≥ 1), otherwise
 * every core of the machine. Throws an Error naming the variable on a bad value.
 */
export function wasmThreadsWanted(env: Record<string, string | undefined> = process.env): number {
  const raw = env[THREADS_VARIABLE];
  if (raw === undefined || raw.trim() === '') return os.availableParallelism();
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${THREADS_VARIABLE} must be a whole number of threads ≥ 1 (or unset for all cores), got "${raw}"`);
  }
  return n;
}

/**
 * Runs in each pthread worker (an `eval` worker, so plain JavaScript). workerData.script
 * is the Blob of the glue's worker script. Messages are handled one after another, so
 * the "load" message (whose main script is a Blob, read asynchronously) is done before
 * the next one; messages that come before the script is running wait in the port.
 */
const PTHREAD_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
Object.assign(globalThis, {
  require,
  __filename: 'tfjs-wasm-pthread',
  commonjsGlobal: globalThis,
  require$$0: require('node:fs'),
  require$$1: require('node:path'),
  require$$3: require('node:perf_hooks'),
  require$$4: require('node:os'),
});
workerData.script.text().then((workerScript) => {
  (0, eval)(workerScript);
  const handle = globalThis.onmessage;
  let previous = Promise.resolve();
  globalThis.onmessage = (event) => {
    previous = previous.then(async () => {
      const message = event.data;
      if (message && message.cmd === 'load' && typeof message.urlOrBlob !== 'string') {
        const mainScript = await message.urlOrBlob.text();
        globalThis.importScripts = () => (0, eval)(mainScript);
        message.urlOrBlob = 'tfjs-wasm-main-script';
      }
      handle(event);
    });
  };
});
`;

type FailureListener = (why: string) => void;
let failureListener: FailureListener | null = null;
const started = new Set<PthreadWorker>();

/** Called with the reason when a pthread worker cannot start or fails. */
export function onPthreadFailure(listener: FailureListener | null): void {
  failureListener = listener;
}

function reportFailure(why: string): void {
  if (failureListener) failureListener(why);
  else console.error(`tfjs-wasm pthread failed: ${why}`);
}

/** A Node Worker that starts from the Blob URL the Emscripten glue gives for its worker script. */
class PthreadWorker extends NodeWorker {
  constructor(url: string | URL) {
    const href = String(url);
    const script = href.startsWith('blob:') ? resolveObjectURL(href) : undefined;
    if (!script) throw new Error(`tfjs-wasm asked for a pthread worker from "${href}", not from a Blob URL`);
    // execArgv: none of the parent's Node options (--import loaders, --input-type=module would
    // make the bootstrap a module without require); V8's flags are the process's anyway.
    super(PTHREAD_BOOTSTRAP, { eval: true, workerData: { script }, execArgv: [] });
    started.add(this);
    this.once('exit', () => started.delete(this));
    this.unref();
  }

  /**
   * Never holds the process open: XNNPACK's pool threads wait for work for as long as the
   * backend lives, and only ever work while the main thread waits for them (the glue
   * ref()s a worker that runs a thread, which kept the CLI from exiting).
   */
  override ref(): void {}

  /** Ends the worker; the process waits for that (an unref'd worker's end alone would not keep it). */
  async stop(): Promise<void> {
    super.ref();
    await this.terminate();
  }

  /** Errors go to the failure listener instead of the glue, whose handler rethrows them (ending the process). */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') {
      const e = args[0];
      reportFailure(e instanceof Error ? e.message : String(e));
      return true;
    }
    return super.emit(event, ...args);
  }
}

let installed = false;

/** Makes `new Worker(blobUrl)` in tfjs-wasm's glue start a PthreadWorker (idempotent). */
export function installPthreadWorkers(): void {
  if (installed) return;
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => PthreadWorker,
    // The glue assigns worker_threads' Worker here when it starts; it must keep ours.
    set: () => {},
  });
  installed = true;
}

/** Stops every pthread worker started so far (used when falling back to one thread). */
export async function stopPthreadWorkers(): Promise<void> {
  await Promise.all([...started].map((w) => w.stop()));
}

/**
 * Runs `start` (the wasm backend's start-up) with os.cpus listing each core twice,
 * so tfjs-wasm's cap of logical cores / 2 threads is the machine's core count.
 */
export async function withFullCoreCount<T>(start: () => Promise<T>): Promise<T> {
  const cpus = os.cpus;
  os.cpus = () => [...cpus(), ...cpus()];
  try {
    return await start();
  } finally {
    os.cpus = cpus;
  }
}
