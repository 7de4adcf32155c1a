/**
 * Choosing a tfjs backend by measurement, not by name: each candidate
 * (webgpu, webgl, wasm, cpu) is started, runs a short matmul and a tiny model
 * step, is checked against cpu's results, and the fastest correct one wins.
 * The decision is cached per browser and adapter (`probeCacheKey`) so the
 * probe runs once, and again only when the adapter (or browser) changes.
 *
 * Everything here is pure: starting a backend, the workloads and the clock
 * are passed in (`ProbeDeps`), so tests play any machine with fake timings.
 * The tfjs workloads are probeWorkload.ts; the worker wiring workers/backend.ts.
 */

export type ProbeBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** What one candidate measured (or why it could not be measured or was wrong). */
export interface ProbeMeasure {
  backend: ProbeBackend;
  /** Started, computed, and agreed with cpu. */
  ok: boolean;
  /** Why not ok: did not start, failed, or disagreed with cpu (with the difference). */
  why?: string;
  /** Matmul throughput, GFLOP/s (10⁹ floating-point operations per second). */
  matmulGflops?: number;
  /** The tiny model step's throughput in model GFLOP/s (its forward + backward FLOPs over its time). */
  stepGflops?: number;
  /** Milliseconds of one tiny model step. */
  stepMs?: number;
  /** Largest relative difference from cpu over the matmul and the step's loss. */
  maxRelError?: number;
  /** Milliseconds this candidate's probe took in all (start, warm-ups, timed runs). */
  probeMs?: number;
}

/** The probe's outcome: the chosen backend and every candidate's figures. */
export interface ProbeDecision {
  chosen: ProbeBackend;
  /** One sentence: why this backend. */
  reason: string;
  measured: ProbeMeasure[];
  /** The cache key it was measured under (browser + adapter). */
  key: string;
  /** When it was measured (ms since the epoch). */
  at: number;
}

/** One workload result: values to compare with cpu's. */
export interface WorkloadOutput {
  values: Float32Array | number[];
}

export interface ProbeDeps {
  /** Candidates in order of preference when two are equally fast; cpu is always measured first as the reference. */
  candidates: ProbeBackend[];
  /** Starts (and switches to) a backend; throws an Error saying why it cannot. */
  start(name: ProbeBackend): Promise<void>;
  /** One matmul on the current backend, read back. */
  matmul(): Promise<WorkloadOutput>;
  /** One tiny model step (forward + backward) on the current backend; its loss and gradient norm read back. */
  step(): Promise<WorkloadOutput>;
  /** FLOPs of one matmul and of one step. */
  matmulFlops: number;
  stepFlops: number;
  /** Milliseconds, monotonic (performance.now). */
  now(): number;
}

export interface ProbeLimits {
  /** Keep repeating a workload until this many ms are measured... */
  minMs: number;
  /** ...or this many repetitions. */
  maxReps: number;
  /** A relative difference from cpu above this is wrong. */
  tolerance: number;
}

export const PROBE_LIMITS: Readonly<ProbeLimits> = Object.freeze({ minMs: 150, maxReps: 20, tolerance: 2e-3 });

/** GFLOP/s of `flops` operations done in `ms` milliseconds. */
export function gflops(flops: number, ms: number): number {
  return ms > 0 ? flops / ms / 1e6 : Number.POSITIVE_INFINITY;
}

/** Largest |a − b| / max(1, |b|) over two equally long lists of numbers (Infinity when lengths differ or a value is not finite). */
export function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) return Number.POSITIVE_INFINITY;
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  }
  return worst;
}

/**
 * Times `run` after one untimed warm-up (shader compilation, first allocation): repeats it until
 * `limits.minMs` have passed or `limits.maxReps` runs, and returns the warm-up's output and the mean ms per run.
 */
export async function timeWorkload(
  run: () => Promise<WorkloadOutput>,
  now: () => number,
  limits: Pick<ProbeLimits, 'minMs' | 'maxReps'> = PROBE_LIMITS,
): Promise<{ output: WorkloadOutput; ms: number }> {
  const output = await run();
  const t0 = now();
  let reps = 0;
  let elapsed = 0;
  while (reps < limits.maxReps && (reps === 0 || elapsed < limits.minMs)) {
    await run();
    reps++;
    elapsed = now() - t0;
  }
  return { output, ms: elapsed / reps };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The time a unit of the workbench's work takes on a measured backend: one matmul plus one
 * tiny model step, in ms (lower is better); Infinity for one that is not ok.
 */
export function probeCost(m: ProbeMeasure, deps: Pick<ProbeDeps, 'matmulFlops' | 'stepFlops'>): number {
  if (!m.ok || !m.matmulGflops || !m.stepGflops) return Number.POSITIVE_INFINITY;
  return deps.matmulFlops / m.matmulGflops / 1e6 + deps.stepFlops / m.stepGflops / 1e6;
}

/** The fastest correct candidate (by `probeCost`; ties go to the earlier candidate), with a reason. */
export function chooseBackend(
  measured: ProbeMeasure[],
  deps: Pick<ProbeDeps, 'matmulFlops' | 'stepFlops' | 'candidates'>,
): { chosen: ProbeBackend; reason: string } {
  const ranked = deps.candidates
    .map((name) => measured.find((m) => m.backend === name))
    .filter((m): m is ProbeMeasure => m?.ok === true)
    .sort((a, b) => probeCost(a, deps) - probeCost(b, deps));
  const best = ranked[0];
  if (!best) return { chosen: 'cpu', reason: 'no backend passed the probe, so the plain cpu backend is used' };
  const next = ranked[1];
  const fmt = (m: ProbeMeasure) => `${m.backend} ${formatGflops(m.matmulGflops)} GFLOP/s`;
  const reason = next
    ? `${best.backend} was measured fastest here (matmul ${fmt(best)} vs ${fmt(next)}; model step ${best.stepMs?.toFixed(1)} ms vs ${next.stepMs?.toFixed(1)} ms) and agrees with cpu`
    : `${best.backend} is the only backend that passed the probe`;
  return { chosen: best.backend, reason };
}

/** A GFLOP/s figure as shown: 3 significant digits, at most one decimal above 10. */
export function formatGflops(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(2);
}

/** A candidate whose matmul is below this fraction of the best one's skips the model step (it cannot win). */
export const STEP_FRACTION = 1 / 2;

/**
 * Measures every candidate and chooses, in two rounds: each backend's matmul (cpu first, its
 * results the reference), then the tiny model step on cpu and on every backend whose matmul
 * reached `STEP_FRACTION` of the best correct one (a software WebGPU adapter ~40× slower than
 * wasm is not stepped: shader compilation alone would take longer than the whole probe should).
 * A candidate that cannot start, throws, or disagrees with cpu beyond `tolerance` is kept in
 * `measured` with why, and not chosen. Never throws (cpu's own failure is reported).
 */
export async function probeBackends(
  deps: ProbeDeps,
  key: string,
  limits: ProbeLimits = PROBE_LIMITS,
): Promise<ProbeDecision> {
  const order: ProbeBackend[] = ['cpu', ...deps.candidates.filter((c) => c !== 'cpu')];
  const measured: ProbeMeasure[] = [];
  let matmulRef: WorkloadOutput | null = null;
  let stepRef: WorkloadOutput | null = null;
  const outOfTolerance = (err: number) => !(err <= limits.tolerance);
  const fail = (m: ProbeMeasure, why: string) => {
    m.ok = false;
    m.why = why;
  };

  // Round 1: start each backend and time its matmul.
  for (const backend of order) {
    const t0 = deps.now();
    try {
      await deps.start(backend);
    } catch (err) {
      measured.push({ backend, ok: false, why: `did not start: ${message(err)}`, probeMs: deps.now() - t0 });
      continue;
    }
    const m: ProbeMeasure = { backend, ok: true };
    measured.push(m);
    try {
      const mm = await timeWorkload(
        () => deps.matmul(),
        () => deps.now(),
        limits,
      );
      m.matmulGflops = gflops(deps.matmulFlops, mm.ms);
      if (backend === 'cpu') {
        matmulRef = mm.output;
        m.maxRelError = 0;
      } else if (!matmulRef) fail(m, 'not checked: cpu, the reference, failed');
      else {
        m.maxRelError = maxRelativeDifference(mm.output.values, matmulRef.values);
        if (outOfTolerance(m.maxRelError))
          fail(m, `its matmul differs from cpu's by ${m.maxRelError.toPrecision(2)} (more than ${limits.tolerance})`);
      }
    } catch (err) {
      fail(m, `its matmul failed: ${message(err)}`);
    }
    m.probeMs = deps.now() - t0;
  }

  // Round 2: the model step, on cpu (the reference) and the candidates that can still win.
  const bestMatmul = Math.max(0, ...measured.filter((m) => m.ok).map((m) => m.matmulGflops ?? 0));
  for (const m of measured) {
    if (!m.ok) continue;
    if (m.backend !== 'cpu' && (m.matmulGflops ?? 0) < STEP_FRACTION * bestMatmul) {
      fail(
        m,
        `not stepped: its matmul (${formatGflops(m.matmulGflops)} GFLOP/s) is under ${Math.round(100 * STEP_FRACTION)}% of the best (${formatGflops(bestMatmul)})`,
      );
      continue;
    }
    const t0 = deps.now();
    try {
      await deps.start(m.backend);
      const st = await timeWorkload(
        () => deps.step(),
        () => deps.now(),
        limits,
      );
      m.stepGflops = gflops(deps.stepFlops, st.ms);
      m.stepMs = st.ms;
      if (m.backend === 'cpu') stepRef = st.output;
      else if (!stepRef) fail(m, 'not checked: the cpu model step, the reference, failed');
      else {
        const err = maxRelativeDifference(st.output.values, stepRef.values);
        m.maxRelError = Math.max(m.maxRelError ?? 0, err);
        if (outOfTolerance(err))
          fail(m, `its model step differs from cpu's by ${err.toPrecision(2)} (more than ${limits.tolerance})`);
      }
    } catch (err) {
      fail(m, `its model step failed: ${message(err)}`);
    }
    m.probeMs = (m.probeMs ?? 0) + deps.now() - t0;
  }
  const { chosen, reason } = chooseBackend(measured, deps);
  return { chosen, reason, measured, key, at: Date.now() };
}

/** What identifies the machine a decision was measured on: the browser and the GPU adapter. */
export interface ProbeContext {
  userAgent: string;
  /** GPUAdapterInfo's fields, or null without WebGPU. */
  adapter: AdapterInfo | null;
  /** Threads the wasm backend uses (1 when the page is not cross-origin isolated). */
  wasmThreads: number;
}

export interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** GPUAdapter.isFallbackAdapter or GPUAdapterInfo.isFallbackAdapter. */
  isFallbackAdapter?: boolean;
}

/** The cache key: the same browser (version included), adapter and wasm width measure the same. */
export function probeCacheKey(c: ProbeContext): string {
  const a = c.adapter;
  const adapter = a
    ? [a.vendor, a.architecture, a.device, a.description, a.isFallbackAdapter ? 'fallback' : '']
        .map((s) => s ?? '')
        .join('|')
    : 'no-webgpu';
  return `v1 · ${c.userAgent} · ${adapter} · wasm×${c.wasmThreads}`;
}

/** The adapter's name as shown: vendor, architecture and description, or device. */
export function adapterName(a: AdapterInfo | null): string | undefined {
  if (!a) return undefined;
  const name = [a.vendor, a.architecture, a.description || a.device].filter((s) => s?.trim()).join(' ');
  return name || undefined;
}

/**
 * True when the adapter is a software rasteriser rather than a GPU: the browser says it is a
 * fallback adapter, or it is SwiftShader (Chromium's CPU implementation of WebGPU/Vulkan).
 */
export function isSoftwareAdapter(a: AdapterInfo | null): boolean {
  if (!a) return false;
  if (a.isFallbackAdapter) return true;
  const text = [a.vendor, a.architecture, a.device, a.description].join(' ').toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|fallback adapter|microsoft basic render/.test(text);
}

/** A stored decision is reused only when it was measured under the same key. */
export function cachedDecision(
  cache: Record<string, ProbeDecision> | undefined,
  key: string,
): ProbeDecision | undefined {
  const d = cache?.[key];
  return d && d.key === key && Array.isArray(d.measured) ? d : undefined;
}
