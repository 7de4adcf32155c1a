/**
 * Node only: starts tfjs's wasm backend from the .wasm
 * files in node_modules (no download). The CLI runs it with its matrix products on
 * onnxruntime's native kernels (useCliWasm, nativeMatMul.ts); otherwise on as many
 * threads as the machine has cores (TFJS_WASM_THREADS sets another count; see
 * wasmThreads.ts for how the threaded build runs in Node). Returns null when it works, otherwise the
 * reason, so callers can skip with a message.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { useBackend } from '../core/backend/useBackend.ts';
import {
  NATIVE_MATMUL_VARIABLE,
  installNativeMatMul,
  nativeMatMulWanted,
  uninstallNativeMatMul,
} from './nativeMatMul.ts';
import {
  THREADS_VARIABLE,
  installPthreadWorkers,
  onPthreadFailure,
  stopPthreadWorkers,
  wasmThreadsWanted,
  withFullCoreCount,
} from './wasmThreads.ts';

const WASM_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../node_modules/@tensorflow/tfjs-backend-wasm/dist',
);

let configured = false;

/** Registers the wasm file location once; then `useBackend('wasm')` works. */
export function configureWasmPaths(): void {
  if (configured) return;
  setWasmPaths(WASM_DIR + path.sep);
  configured = true;
}

/** How long the threaded build may take to start its pthreads before one thread is used instead. */
const THREADS_START_MS = 30_000;

export interface WasmBackendOptions {
  /** threads for XNNPACK (default: TFJS_WASM_THREADS, or every core) */
  threads?: number;
  /** where the one-line note goes when threads cannot start (default: stderr) */
  note?: (line: string) => void;
}

/** Tries the threaded build on `threads` threads; null when it runs, otherwise why not. */
async function startThreaded(threads: number): Promise<string | null> {
  let failed: (why: string) => void = () => {};
  const failure = new Promise<string>((resolve) => {
    failed = resolve;
  });
  onPthreadFailure((why) => failed(why));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`no answer from the pthreads within ${THREADS_START_MS / 1000} s`),
      THREADS_START_MS,
    );
  });
  try {
    installPthreadWorkers();
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    setThreadsCount(threads);
    const started = withFullCoreCount(() => useBackend('wasm')).then(
      () => null,
      (e: Error) => e.message,
    );
    const why = await Promise.race([started, failure, timeout]);
    if (why !== null) return why;
    const running = getThreadsCount();
    if (running < 2) return `XNNPACK started ${running} thread`;
    // A pthread failing later is reported, not fatal (the glue's own handler would end the process).
    onPthreadFailure((later) => console.error(`note: a tfjs-wasm thread failed: ${later}`));
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Drops the wasm backend, so the next start builds it afresh (on another thread count).
 * A started backend stops its own pthreads when disposed (stopping them before that ended
 * the process during the disposal, seen in Node 20); those of a failed start are stopped here.
 */
async function forgetWasmBackend(): Promise<void> {
  onPthreadFailure(() => {}); // the pthreads being stopped
  if (!tf.engine().registry.wasm) await stopPthreadWorkers();
  const factory = tf.findBackendFactory('wasm');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory);
}

/** Threads the started wasm backend runs on, or 0 when it has not started. */
function wasmThreadsRunning(): number {
  return tf.engine().registry.wasm ? getThreadsCount() : 0;
}

/**
 * Switches tfjs to the wasm backend, on `threads` threads when more than one and the
 * pthreads start, otherwise on one (saying why through `note`); returns null on
 * success, or why wasm could not start at all. A backend already started on another
 * thread count is started again. Throws when TFJS_WASM_THREADS is not a thread count.
 */
export async function useWasmBackend(options: WasmBackendOptions = {}): Promise<string | null> {
  // tfjs-wasm runs at most 8 threads, and no more than the machine's cores (see wasmThreads.ts).
  // A bad TFJS_WASM_THREADS throws here: an error to fix, not a reason to fall back.
  const threads = Math.min(options.threads ?? wasmThreadsWanted(), os.availableParallelism(), 8);
  try {
    configureWasmPaths();
    const running = wasmThreadsRunning();
    if (running > 0 && running !== threads) await forgetWasmBackend();
    if (threads > 1) {
      const why = await startThreaded(threads);
      if (why === null) return null;
      (options.note ?? console.error)(`note: tfjs-wasm threads could not start (${why}); using one thread`);
      await forgetWasmBackend();
    }
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setThreadsCount(1);
    await useBackend('wasm');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * The CLI's wasm: tfjs-wasm on one thread with its matrix products on onnxruntime's
 * native kernels on every core (nativeMatMul.ts), unless TFJS_NATIVE_MATMUL=0 or the
 * native kernel cannot load (said in one line through `note`); then tfjs-wasm's own
 * kernels on TFJS_WASM_THREADS threads. Returns null on success, or why wasm could
 * not start at all. Throws on a bad TFJS_NATIVE_MATMUL or TFJS_WASM_THREADS.
 */
export async function useCliWasm(note: (line: string) => void = console.error): Promise<string | null> {
  if (nativeMatMulWanted()) {
    const why = installNativeMatMul();
    if (why === null) {
      // onnxruntime reads the operands in place, which it cannot in the threaded build's shared memory
      if (process.env[THREADS_VARIABLE] && wasmThreadsWanted() > 1) {
        note(
          `note: ${THREADS_VARIABLE} is not used while the matmuls run natively (${NATIVE_MATMUL_VARIABLE}=0 to use it)`,
        );
      }
      return useWasmBackend({ threads: 1, note });
    }
    note(`note: the native matmul could not load (${why}); tfjs-wasm's own kernels are used`);
  } else {
    uninstallNativeMatMul();
  }
  return useWasmBackend({ note });
}

/**
 * Picks the tfjs backend for a CLI command: wasm by default (tens of times faster
 * than tfjs's pure-JS cpu backend in Node; see useCliWasm), cpu on request or when wasm fails.
 */
export async function selectCliBackend(requested: string): Promise<string> {
  if (requested !== 'wasm' && requested !== 'cpu') {
    throw new Error(`--tfjs_backend must be wasm or cpu in Node, got "${requested}"`);
  }
  if (requested === 'wasm') {
    const why = await useCliWasm();
    if (why === null) return 'wasm';
    console.error(`note: ${why}; using the cpu backend`);
  }
  await useBackend('cpu');
  return 'cpu';
}
