/**
 * The bench page's entry: registers the webgpu, webgl, wasm and cpu backends
 * and exposes `window.runBrowserBench(options)`, which bench/run.ts calls
 * through Playwright. It runs the shared per-backend suite on each backend and
 * the IndexedDB benchmark, and resolves with JSON-serialisable results.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { useBackend } from '../../src/core/backend/useBackend.ts';
import { benchIndexedDb, type IdbBenchResult } from '../idbBench.ts';
import { benchEngine, type EngineBenchResult, engineCases } from '../engineBench.ts';
import { runSuite, SLOW_GFLOPS, type SuiteResult } from '../suite.ts';
import { benchMatmul } from '../matmulBench.ts';

export interface BrowserBenchOptions {
  backends: string[];
  quick?: boolean;
  full?: boolean;
  idb?: boolean;
  /** backends that also run the 100-step leak check */
  leakCheck?: string[];
  /** backends that run the engine bench (student step, teacher batch, round trips) at the demo's sizes */
  engine?: string[];
}

export interface BrowserBenchResult {
  userAgent: string;
  adapter: string | null;
  suites: SuiteResult[];
  engine: EngineBenchResult[];
  idb: IdbBenchResult | null;
  errors: string[];
}

const logEl = document.getElementById('log');
function log(line: string): void {
  console.log(line); // the runner prints the page's console
  if (logEl) logEl.textContent += line + '\n';
}

async function adapterName(): Promise<string | null> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (!gpu) return null;
  const a = await gpu.requestAdapter().catch(() => null);
  if (!a) return null;
  const i = a.info;
  return [i.vendor, i.architecture, i.description].filter(Boolean).join(' ') || 'unnamed adapter';
}

/**
 * Frees a backend's memory before the next one runs, and registers its factory again so that
 * a later section (the engine after the suites) can start it afresh.
 */
function freeBackend(name: string): void {
  const factory = tf.findBackendFactory(name);
  try {
    tf.engine().removeBackend(name);
  } catch {
    /* a backend that never started has nothing to free */
  }
  if (factory && !tf.findBackendFactory(name)) tf.registerBackend(name, factory);
}

async function runBrowserBench(opts: BrowserBenchOptions): Promise<BrowserBenchResult> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  const errors: string[] = [];
  const suites: SuiteResult[] = [];
  for (const backend of opts.backends) {
    log(`--- ${backend}`);
    const r = await runSuite({
      backend,
      quick: opts.quick,
      full: opts.full,
      leakCheck: opts.leakCheck?.includes(backend),
      log,
    });
    suites.push(r);
    errors.push(...r.errors);
    freeBackend(backend);
  }
  const engine: EngineBenchResult[] = [];
  for (const backend of opts.engine ?? []) {
    log(`--- engine: ${backend}`);
    try {
      await useBackend(backend, { who: 'engine bench' });
      const slow = (await benchMatmul(backend, 256, 0.5)).gflops < SLOW_GFLOPS;
      const r = await benchEngine({ backend, ...engineCases({ full: false, slow }), log });
      engine.push(r);
      errors.push(...r.errors);
    } catch (e) {
      errors.push(`engine ${backend}: ${e instanceof Error ? e.message : String(e)}`);
    }
    freeBackend(backend);
  }
  let idb: IdbBenchResult | null = null;
  if (opts.idb !== false) {
    try {
      log('--- IndexedDB');
      idb = await benchIndexedDb({ totalBytes: opts.quick ? 16e6 : 48e6 });
      log(
        `IndexedDB: write ${idb.writeMBps.toFixed(1)} MB/s, read ${idb.readMBps.toFixed(1)} MB/s (${idb.records} records of ${(idb.recordBytes / 1e6).toFixed(2)} MB)`,
      );
    } catch (e) {
      errors.push(`IndexedDB: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { userAgent: navigator.userAgent, adapter: await adapterName(), suites, engine, idb, errors };
}

(window as unknown as { runBrowserBench: typeof runBrowserBench }).runBrowserBench = runBrowserBench;
(window as unknown as { benchReady: boolean }).benchReady = true;
log('bench page ready');
