/**
 * Picks the tfjs backend a worker computes on: WebGPU first, then WebGL,
 * then WASM, then the plain CPU backend, and says which one was chosen and
 * why the better ones were not (no navigator.gpu, no adapter, init failed...).
 * A `?backend=` search parameter on the page (passed through by the page as
 * `preferred`) can force one for debugging.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// (importing the wasm backend registers it; it is started only when chosen)
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendName, BackendReport } from '../src/contract/backendReport.ts';
import { useBackend } from '../src/core/backend/useBackend.ts';

export const BACKEND_ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

async function whyNot(name: BackendName): Promise<string | null> {
  const g = globalThis as { navigator?: { gpu?: GPU }; OffscreenCanvas?: unknown };
  if (name === 'webgpu') {
    if (!g.navigator?.gpu) return 'this browser exposes no WebGPU (navigator.gpu is missing)';
    const adapter = await g.navigator.gpu.requestAdapter().catch(() => null);
    if (!adapter) return 'WebGPU exists but no GPU adapter is available';
  }
  if (name === 'webgl' && typeof g.OffscreenCanvas === 'undefined') return 'no OffscreenCanvas in workers, so no WebGL';
  return null;
}

/** Chooses and initialises a backend; never throws (cpu always works). */
export async function pickBackend(preferred?: BackendName): Promise<BackendReport> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  const skipped: BackendReport['skipped'] = [];
  const order = preferred ? [preferred, ...BACKEND_ORDER.filter((b) => b !== preferred)] : BACKEND_ORDER;
  for (const name of order) {
    const missing = await whyNot(name);
    if (missing) {
      skipped.push({ backend: name, why: missing });
      continue;
    }
    try {
      // Started, ready and proven to compute (a tiny matmul), or an error saying why not.
      await useBackend(name);
      let adapter: string | undefined;
      if (name === 'webgpu') {
        const a = await (globalThis as { navigator: { gpu: GPU } }).navigator.gpu.requestAdapter();
        const info = a?.info;
        adapter = info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') : undefined;
      }
      const reason =
        preferred === name
          ? `${name} was asked for`
          : skipped.length === 0
            ? `${name} is the fastest backend and it works here`
            : `${name} is the best that works here`;
      return { backend: name, reason, skipped, adapter };
    } catch (err) {
      skipped.push({ backend: name, why: `failed to start: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  await useBackend('cpu', { verify: false });
  return { backend: 'cpu', reason: 'every other backend failed', skipped };
}

/**
 * Watches for a lost WebGPU device and calls back once, with a message; the
 * job then fails cleanly and can be restarted (stored data is untouched).
 */
export function onDeviceLost(cb: (message: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const backend = tf.backend() as unknown as { device?: GPUDevice };
  backend.device?.lost.then((info) => cb(`the GPU device was lost (${info.reason}: ${info.message})`)).catch(() => {});
}
