import { describe, expect, it } from 'vitest';
import {
  adapterName,
  cachedDecision,
  chooseBackend,
  gflops,
  isSoftwareAdapter,
  maxRelativeDifference,
  probeBackends,
  probeCacheKey,
  timeWorkload,
  type ProbeBackend,
  type ProbeDeps,
} from './probe.ts';

const MATMUL_FLOPS = 2 * 256 ** 3;
const STEP_FLOPS = 50e6;

/**
 * A fake machine: each backend's matmul and step take the given ms on a fake clock that
 * advances only when the workload runs; results are cpu's plus an optional error.
 */
function fakeMachine(
  spec: Partial<Record<ProbeBackend, { matmulMs: number; stepMs: number; off?: number; fails?: string }>>,
) {
  let clock = 0;
  let current: ProbeBackend | null = null;
  const started: ProbeBackend[] = [];
  const deps: ProbeDeps = {
    candidates: ['webgpu', 'webgl', 'wasm', 'cpu'],
    async start(name) {
      const s = spec[name];
      if (!s) throw new Error(`${name} is not available here`);
      if (s.fails) throw new Error(s.fails);
      current = name;
      started.push(name);
    },
    async matmul() {
      const s = spec[current!]!;
      clock += s.matmulMs;
      return { values: [1, 2, 3 + (s.off ?? 0)] };
    },
    async step() {
      const s = spec[current!]!;
      clock += s.stepMs;
      return { values: [0.5, 4] };
    },
    matmulFlops: MATMUL_FLOPS,
    stepFlops: STEP_FLOPS,
    now: () => clock,
  };
  return { deps, started };
}

describe('probe arithmetic', () => {
  it('gives GFLOP/s from flops and milliseconds', () => {
    expect(gflops(2e9, 1000)).toBe(2);
    expect(gflops(MATMUL_FLOPS, 10)).toBeCloseTo(3.355, 3);
  });

  it('measures relative differences, infinite for NaN or a length mismatch', () => {
    expect(maxRelativeDifference([1, 100], [1, 101])).toBeCloseTo(1 / 101, 6);
    expect(maxRelativeDifference([0.001], [0.002])).toBeCloseTo(0.001, 6); // absolute below 1
    expect(maxRelativeDifference([Number.NaN], [1])).toBe(Number.POSITIVE_INFINITY);
    expect(maxRelativeDifference([1], [1, 2])).toBe(Number.POSITIVE_INFINITY);
  });

  it('times a workload after an untimed warm-up, repeating until the minimum time', async () => {
    let clock = 0;
    const times = [5000, 40, 40, 40, 40, 40]; // the first (compile) run is slow and not counted
    let i = 0;
    const r = await timeWorkload(
      async () => {
        clock += times[i++];
        return { values: [i] };
      },
      () => clock,
      { minMs: 100, maxReps: 20 },
    );
    expect(r.ms).toBe(40);
    expect(i).toBe(4); // warm-up + 3 timed runs (120 ms ≥ 100)
    expect(r.output.values).toEqual([1]);
  });

  it('stops at maxReps for a fast workload, and after one run for a slow one', async () => {
    let clock = 0;
    let n = 0;
    await timeWorkload(
      async () => {
        n++;
        clock += 1;
        return { values: [] };
      },
      () => clock,
      { minMs: 1000, maxReps: 5 },
    );
    expect(n).toBe(6);
    n = 0;
    const slow = await timeWorkload(
      async () => {
        n++;
        clock += 900;
        return { values: [] };
      },
      () => clock,
      { minMs: 150, maxReps: 20 },
    );
    expect(n).toBe(2);
    expect(slow.ms).toBe(900);
  });
});

describe('probeBackends', () => {
  it('on a CPU-only machine a software WebGPU adapter loses to wasm, and wasm is chosen', async () => {
    // SwiftShader-like WebGPU: ~0.34 GFLOP/s matmul and a slow step; wasm ~13 GFLOP/s.
    const { deps, started } = fakeMachine({
      cpu: { matmulMs: 60, stepMs: 80 },
      webgpu: { matmulMs: 99, stepMs: 400 },
      wasm: { matmulMs: 2.6, stepMs: 12 },
    });
    const d = await probeBackends(deps, 'k');
    // Round 1 starts every backend for its matmul; round 2 steps cpu and wasm only: the software
    // adapter's matmul is 38× slower than wasm's, so it cannot win and is not stepped.
    expect(started).toEqual(['cpu', 'webgpu', 'wasm', 'cpu', 'wasm']);
    expect(d.chosen).toBe('wasm');
    expect(d.reason).toMatch(/^wasm was measured fastest here/);
    const by = Object.fromEntries(d.measured.map((m) => [m.backend, m]));
    expect(by.webgpu.matmulGflops).toBeCloseTo(MATMUL_FLOPS / 99 / 1e6, 6);
    expect(by.wasm.matmulGflops).toBeCloseTo(12.9, 1);
    expect(by.wasm.stepMs).toBe(12);
    expect(by.webgpu.ok).toBe(false);
    expect(by.webgpu.why).toBe('not stepped: its matmul (0.34 GFLOP/s) is under 50% of the best (13)');
    expect(by.webgpu.stepMs).toBeUndefined();
    // Each candidate's probe time: warm-up + timed runs of the matmul (and of the step when stepped).
    expect(by.webgpu.probeMs).toBe(99 * 3);
    expect(by.wasm.probeMs).toBeCloseTo(2.6 * 21 + 12 * 14, 6);
    expect(by.webgl).toMatchObject({ backend: 'webgl', ok: false, why: 'did not start: webgl is not available here' });
    expect(d.key).toBe('k');
  });

  it('chooses a real GPU when it measures fastest', async () => {
    const { deps } = fakeMachine({
      cpu: { matmulMs: 60, stepMs: 80 },
      webgpu: { matmulMs: 0.2, stepMs: 3 },
      webgl: { matmulMs: 0.5, stepMs: 6 },
      wasm: { matmulMs: 2.6, stepMs: 12 },
    });
    expect((await probeBackends(deps, 'k')).chosen).toBe('webgpu');
  });

  it('never chooses a backend whose results differ from cpu, however fast', async () => {
    const { deps } = fakeMachine({
      cpu: { matmulMs: 60, stepMs: 80 },
      webgpu: { matmulMs: 0.1, stepMs: 1, off: 0.5 },
      wasm: { matmulMs: 2.6, stepMs: 12 },
    });
    const d = await probeBackends(deps, 'k');
    expect(d.chosen).toBe('wasm');
    const gpu = d.measured.find((m) => m.backend === 'webgpu')!;
    expect(gpu.ok).toBe(false);
    expect(gpu.why).toBe("its matmul differs from cpu's by 0.17 (more than 0.002)");
  });

  it('weighs the model step, not only the matmul: fast matmul with a slow step loses', async () => {
    const { deps } = fakeMachine({
      cpu: { matmulMs: 60, stepMs: 80 },
      webgpu: { matmulMs: 1, stepMs: 500 },
      wasm: { matmulMs: 1.5, stepMs: 12 },
    });
    expect((await probeBackends(deps, 'k')).chosen).toBe('wasm');
  });

  it('falls back to cpu, saying so, when nothing else starts; keeps a failure while measuring', async () => {
    const { deps } = fakeMachine({ cpu: { matmulMs: 60, stepMs: 80 } });
    deps.candidates = ['wasm', 'cpu'];
    const only = await probeBackends(deps, 'k');
    expect(only.chosen).toBe('cpu');
    expect(only.reason).toBe('cpu is the only backend that passed the probe');

    const m = fakeMachine({ cpu: { matmulMs: 60, stepMs: 80 }, wasm: { matmulMs: 1, stepMs: 1 } });
    const step = m.deps.step;
    m.deps.step = async () => {
      if ((await m.deps.matmul()).values.length) throw new Error('out of memory');
      return step();
    };
    const d = await probeBackends(m.deps, 'k');
    expect(d.chosen).toBe('cpu');
    expect(d.reason).toBe('no backend passed the probe, so the plain cpu backend is used');
    expect(d.measured.find((x) => x.backend === 'cpu')?.why).toBe('its model step failed: out of memory');
    expect(d.measured.find((x) => x.backend === 'wasm')?.why).toBe('its model step failed: out of memory');
  });

  it('chooseBackend breaks ties by the candidate order', () => {
    const same = { ok: true, matmulGflops: 10, stepGflops: 5, stepMs: 10 };
    const r = chooseBackend(
      [
        { backend: 'wasm', ...same },
        { backend: 'webgpu', ...same },
      ],
      { candidates: ['webgpu', 'wasm'], matmulFlops: 1e6, stepFlops: 1e6 },
    );
    expect(r.chosen).toBe('webgpu');
  });
});

describe('the cache key and the adapter', () => {
  const swiftshader = { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device (Subzero)' };
  const nvidia = { vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3060' };

  it('changes with the adapter, the browser and the wasm width, and not otherwise', () => {
    const base = { userAgent: 'Chrome/131', adapter: swiftshader, wasmThreads: 2 };
    const k = probeCacheKey(base);
    expect(probeCacheKey({ ...base })).toBe(k);
    expect(probeCacheKey({ ...base, adapter: nvidia })).not.toBe(k);
    expect(probeCacheKey({ ...base, adapter: null })).not.toBe(k);
    expect(probeCacheKey({ ...base, userAgent: 'Chrome/132' })).not.toBe(k);
    expect(probeCacheKey({ ...base, wasmThreads: 1 })).not.toBe(k);
    expect(probeCacheKey({ ...base, adapter: { ...swiftshader, isFallbackAdapter: true } })).not.toBe(k);
  });

  it('reuses a cached decision only under the same key', () => {
    const d = { chosen: 'wasm' as const, reason: 'r', measured: [], key: 'a', at: 1 };
    expect(cachedDecision({ a: d }, 'a')).toBe(d);
    expect(cachedDecision({ a: d }, 'b')).toBeUndefined();
    expect(cachedDecision({ b: d }, 'b')).toBeUndefined(); // stored under a key it was not measured for
    expect(cachedDecision(undefined, 'a')).toBeUndefined();
  });

  it('names the adapter and says when it is software', () => {
    expect(adapterName(swiftshader)).toBe('google swiftshader SwiftShader Device (Subzero)');
    expect(adapterName(null)).toBeUndefined();
    expect(adapterName({})).toBeUndefined();
    expect(isSoftwareAdapter(swiftshader)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'x', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter(nvidia)).toBe(false);
    expect(isSoftwareAdapter(null)).toBe(false);
  });
});
