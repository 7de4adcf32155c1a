/**
 * Picks the tfjs backend a worker computes on, by measurement: the probe
 * (src/core/backend/probe.ts) times a matmul and a tiny model step on each
 * candidate, checks them against cpu and keeps the fastest correct one. The
 * decision is cached in IndexedDB per browser and GPU adapter, so later
 * starts only re-verify the chosen backend. The page may pass an override (the
 * header's choice, or `?backend=`): that backend is used as asked, with the
 * cached figures shown beside it.
 *
 * Also points the wasm backend at the .wasm files served from the page's own
 * origin and gives it the machine's cores when the page is cross-origin
 * isolated (SharedArrayBuffer available); otherwise it runs single-threaded
 * and says why.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// (importing the wasm backend registers it; it is started only when chosen)
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { BACKEND_NAMES, type BackendName, type BackendReport } from '../src/contract/backendReport.ts';
import { storeOf } from '../src/contract/storageLayout.ts';
import {
  adapterName,
  cachedDecision,
  isSoftwareAdapter,
  probeBackends,
  probeCacheKey,
  type AdapterInfo,
  type ProbeDecision,
} from '../src/core/backend/probe.ts';
import {
  PROBE_MATMUL_FLOPS,
  PROBE_STEP_FLOPS,
  probeWorkloads,
  type ProbeWorkloads,
} from '../src/core/backend/probeWorkload.ts';
import { useBackend } from '../src/core/backend/useBackend.ts';

export const BACKEND_ORDER: BackendName[] = [...BACKEND_NAMES];

/** Key in the meta store: probe decisions by cache key (browser + adapter + wasm width). */
const PROBE_CACHE_KEY = 'backendProbe';

interface Scope {
  navigator?: { gpu?: GPU; hardwareConcurrency?: number; userAgent?: string };
  OffscreenCanvas?: unknown;
  crossOriginIsolated?: boolean;
}
const scope = globalThis as Scope;

let gpuAdapter: Promise<{ info: AdapterInfo | null; why?: string }> | null = null;

/** The WebGPU adapter's info (asked once per worker), or why there is none. */
function adapterInfo(): Promise<{ info: AdapterInfo | null; why?: string }> {
  gpuAdapter ??= (async () => {
    const gpu = scope.navigator?.gpu;
    if (!gpu) return { info: null, why: 'this browser exposes no WebGPU (navigator.gpu is missing)' };
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (!adapter) return { info: null, why: 'WebGPU exists but no GPU adapter is available' };
    const i = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const fallback =
      i?.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
    return {
      info: {
        vendor: i?.vendor,
        architecture: i?.architecture,
        device: i?.device,
        description: i?.description,
        isFallbackAdapter: fallback === true,
      },
    };
  })();
  return gpuAdapter;
}

async function whyNot(name: BackendName): Promise<string | null> {
  if (name === 'webgpu') return (await adapterInfo()).why ?? null;
  if (name === 'webgl' && typeof scope.OffscreenCanvas === 'undefined')
    return 'no OffscreenCanvas in workers, so no WebGL';
  return null;
}

let wasmWidth: BackendReport['wasm'] | null = null;

/** Points the wasm backend at this origin's .wasm files and sets its threads (once, before it starts). */
export function configureWasm(): NonNullable<BackendReport['wasm']> {
  if (wasmWidth) return wasmWidth;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  const isolated = scope.crossOriginIsolated === true;
  const cores = Math.max(1, scope.navigator?.hardwareConcurrency ?? 1);
  const threads = isolated ? cores : 1;
  setThreadsCount(threads);
  wasmWidth = {
    threads,
    isolated,
    note: isolated
      ? undefined
      : 'the page is not cross-origin isolated (no COOP/COEP headers), so wasm runs on one thread without SharedArrayBuffer',
  };
  return wasmWidth;
}

async function readCache(): Promise<Record<string, ProbeDecision>> {
  try {
    return ((await storeOf('meta').get(PROBE_CACHE_KEY)) as Record<string, ProbeDecision> | undefined) ?? {};
  } catch {
    return {};
  }
}

async function writeCache(d: ProbeDecision): Promise<void> {
  try {
    const all = await readCache();
    await storeOf('meta').set(PROBE_CACHE_KEY, { ...all, [d.key]: d });
  } catch {
    // A cache that cannot be written only means probing again next time.
  }
}

/** Starts `name` (after checking it can exist here), or throws saying why not. */
async function start(name: BackendName): Promise<void> {
  const missing = await whyNot(name);
  if (missing) throw new Error(missing);
  await useBackend(name);
}

/** Measures every candidate on this machine (a second or two) and returns the decision. */
async function probe(key: string): Promise<ProbeDecision> {
  let work: ProbeWorkloads | null = null;
  const decision = await probeBackends(
    {
      candidates: BACKEND_ORDER,
      async start(name) {
        work?.dispose();
        work = null;
        await start(name);
        work = probeWorkloads();
      },
      matmul: () => work!.matmul(),
      step: () => work!.step(),
      matmulFlops: PROBE_MATMUL_FLOPS,
      stepFlops: PROBE_STEP_FLOPS,
      now: () => performance.now(),
    },
    key,
  );
  (work as ProbeWorkloads | null)?.dispose();
  return decision;
}

function skippedOf(d: ProbeDecision | undefined): BackendReport['skipped'] {
  return (d?.measured ?? []).filter((m) => !m.ok).map((m) => ({ backend: m.backend, why: m.why ?? 'not usable' }));
}

/**
 * Chooses and initialises a backend; never throws (cpu always works). With `preferred`, that
 * backend is used when it starts (the override); otherwise the cached or freshly measured choice.
 */
export async function pickBackend(preferred?: BackendName): Promise<BackendReport> {
  const wasm = configureWasm();
  const gpu = await adapterInfo();
  const key = probeCacheKey({
    userAgent: scope.navigator?.userAgent ?? '',
    adapter: gpu.info,
    wasmThreads: wasm.threads,
  });
  const base = { adapter: adapterName(gpu.info), softwareAdapter: isSoftwareAdapter(gpu.info), wasm };
  const cached = cachedDecision(await readCache(), key);

  if (preferred) {
    try {
      await start(preferred);
      return {
        ...base,
        backend: preferred,
        reason: `${preferred} was chosen by you (override)${cached ? `; the probe would choose ${cached.chosen}` : ''}`,
        skipped: skippedOf(cached),
        measured: cached?.measured,
        measuredAt: cached?.at,
        decidedBy: 'override',
      };
    } catch (err) {
      // Fall through to the measured choice, saying why the override was not used.
      const why = `the override ${preferred} failed to start: ${err instanceof Error ? err.message : String(err)}`;
      const report = await pickBackend();
      return {
        ...report,
        reason: `${report.reason} (${why})`,
        skipped: [{ backend: preferred, why }, ...report.skipped],
      };
    }
  }

  if (cached) {
    try {
      await start(cached.chosen);
      return {
        ...base,
        backend: cached.chosen,
        reason: `${cached.reason} (measured ${new Date(cached.at).toISOString().slice(0, 16).replace('T', ' ')} UTC on this browser and adapter)`,
        skipped: skippedOf(cached),
        measured: cached.measured,
        measuredAt: cached.at,
        decidedBy: 'cache',
      };
    } catch {
      // The cached choice no longer starts: measure again.
    }
  }

  const decision = await probe(key);
  try {
    await useBackend(decision.chosen);
  } catch (err) {
    await useBackend('cpu', { verify: false });
    return {
      ...base,
      backend: 'cpu',
      reason: `${decision.chosen} was measured fastest but failed to start again (${err instanceof Error ? err.message : String(err)})`,
      skipped: skippedOf(decision),
      measured: decision.measured,
      measuredAt: decision.at,
      decidedBy: 'probe',
    };
  }
  await writeCache(decision);
  return {
    ...base,
    backend: decision.chosen,
    reason: decision.reason,
    skipped: skippedOf(decision),
    measured: decision.measured,
    measuredAt: decision.at,
    decidedBy: 'probe',
  };
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
