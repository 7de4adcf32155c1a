/**
 * Counts what decides speed on a GPU: the reads back to the CPU, the kernels
 * dispatched and the bytes uploaded, on whatever tfjs backend is active.
 *
 * It wraps, while counting, the active backend's own `read` / `readSync`
 * (every `data()`, `dataSync()`, `array()`, `arraySync()` ends there; reads a
 * kernel makes of its inputs are counted apart), its `write` (every tensor made from CPU
 * values outside a kernel: batches, scalars such as the 0.9 in `tf.mul(x, 0.9)`,
 * variables),
 * the engine's `runKernel` (every kernel an op or a gradient runs) and, where
 * the backend has one, its GPU program launcher (`runWebGPUProgram`,
 * `runWebGLProgram`: shaders actually dispatched, which can differ from kernels).
 * Nothing else changes: results are identical with and without a counter.
 *
 * Optionally it also times each kernel (wall clock, exclusive of nested
 * kernels): on the synchronous backends (cpu, wasm) that is where the time goes;
 * on a GPU it is only the time to record the work.
 */
import * as tf from '@tensorflow/tfjs';

export interface RoundTripCounts {
  /** reads back to the CPU asked for outside kernels: data(), dataSync(), array(), arraySync() */
  reads: number;
  bytesRead: number;
  /**
   * reads a kernel makes of its inputs: a real GPU→CPU round trip on webgpu and webgl
   * (a kernel falling back to the CPU), a plain memory access on cpu
   */
  kernelReads: number;
  /** tensors created from CPU values (uploads on a GPU backend) */
  uploads: number;
  bytesUploaded: number;
  /** kernels run through the engine (forward and gradient) */
  kernels: number;
  /** GPU programs launched (webgpu, webgl); null where the backend has none (cpu, wasm) */
  programs: number | null;
}

export interface KernelTime {
  kernel: string;
  calls: number;
  /** exclusive wall-clock milliseconds */
  ms: number;
}

const PROGRAM_LAUNCHERS = ['runWebGPUProgram', 'runWebGLProgram'] as const;

type Method = (...args: unknown[]) => unknown;
type Patchable = Record<string, unknown>;

function byteSize(values: unknown, dtype: unknown): number {
  if (values == null) return 0;
  if (ArrayBuffer.isView(values)) return values.byteLength;
  if (Array.isArray(values)) {
    // strings (Uint8Arrays) or plain numbers
    return values.reduce((a: number, v) => a + (ArrayBuffer.isView(v) ? v.byteLength : dtype === 'bool' ? 1 : 4), 0);
  }
  return 0;
}

/**
 * A counter over the backend active when `start()` is called. Counts add up
 * across start/stop pairs until `reset()`. Always `stop()` it (in a finally):
 * until then the backend and engine methods stay wrapped.
 */
export class RoundTripCounter {
  private counts: RoundTripCounts = RoundTripCounter.zero(false);
  private readonly times = new Map<string, KernelTime>();
  private restore: (() => void) | null = null;
  /** wall time of kernels run inside the kernel being timed */
  private nestedMs = 0;
  private hasPrograms = false;

  constructor(private readonly options: { timeKernels?: boolean } = {}) {}

  static zero(programs: boolean): RoundTripCounts {
    return {
      reads: 0,
      bytesRead: 0,
      kernelReads: 0,
      uploads: 0,
      bytesUploaded: 0,
      kernels: 0,
      programs: programs ? 0 : null,
    };
  }

  get running(): boolean {
    return this.restore !== null;
  }

  start(): void {
    if (this.restore) throw new Error('round-trip counter: already started');
    const engine = tf.engine() as unknown as Patchable;
    const backend = tf.engine().backend as unknown as Patchable;
    const undo: (() => void)[] = [];
    const wrap = (target: Patchable, name: string, make: (original: Method) => Method) => {
      const original = target[name];
      if (typeof original !== 'function') return false;
      const own = Object.hasOwn(target, name);
      target[name] = make((original as Method).bind(target));
      undo.push(() => {
        if (own) target[name] = original;
        else delete target[name];
      });
      return true;
    };
    const c = () => this.counts;
    // A read may call another read inside (e.g. read → readSync): count the outer one only.
    let inRead = 0;
    let inKernel = 0;
    const countRead = (original: Method) => (dataId: unknown) => {
      if (inRead > 0) return original(dataId);
      if (inKernel > 0) {
        c().kernelReads++;
        return original(dataId);
      }
      inRead++;
      let result: unknown;
      try {
        result = original(dataId);
      } finally {
        inRead--;
      }
      c().reads++;
      if (result instanceof Promise) {
        return result.then((v) => {
          c().bytesRead += byteSize(v, null);
          return v;
        });
      }
      c().bytesRead += byteSize(result, null);
      return result;
    };
    wrap(backend, 'read', countRead);
    wrap(backend, 'readSync', countRead);
    // Kernels run on the CPU (the cpu backend, webgpu's small-input fallbacks) write
    // their outputs with values too: only writes from outside a kernel are uploads.
    wrap(backend, 'write', (original) => (values, shape, dtype) => {
      if (values != null && inKernel === 0) {
        c().uploads++;
        c().bytesUploaded += byteSize(values, dtype);
      }
      return original(values, shape, dtype);
    });
    this.hasPrograms = false;
    for (const name of PROGRAM_LAUNCHERS) {
      const found = wrap(backend, name, (original) => (...args) => {
        c().programs = (c().programs ?? 0) + 1;
        return original(...args);
      });
      this.hasPrograms ||= found;
    }
    if (this.hasPrograms && this.counts.programs === null) this.counts.programs = 0;
    const timeKernels = this.options.timeKernels === true;
    wrap(engine, 'runKernel', (original) => (kernelName, inputs, attrs) => {
      c().kernels++;
      inKernel++;
      if (!timeKernels) {
        try {
          return original(kernelName, inputs, attrs);
        } finally {
          inKernel--;
        }
      }
      const t0 = performance.now();
      const nestedBefore = this.nestedMs;
      try {
        return original(kernelName, inputs, attrs);
      } finally {
        inKernel--;
        const total = performance.now() - t0;
        const nested = this.nestedMs - nestedBefore;
        const name = String(kernelName);
        const entry = this.times.get(name) ?? { kernel: name, calls: 0, ms: 0 };
        entry.calls++;
        entry.ms += total - nested;
        this.times.set(name, entry);
        // what this kernel took counts as nested time for the kernel around it
        this.nestedMs = nestedBefore + total;
      }
    });
    this.restore = () => {
      for (const u of undo.reverse()) u();
    };
  }

  stop(): RoundTripCounts {
    this.restore?.();
    this.restore = null;
    return this.snapshot();
  }

  /** The counts so far (a copy). */
  snapshot(): RoundTripCounts {
    return { ...this.counts };
  }

  /** Kernel times so far, slowest first (empty unless created with timeKernels). */
  kernelTimes(): KernelTime[] {
    return [...this.times.values()].map((t) => ({ ...t })).sort((a, b) => b.ms - a.ms);
  }

  reset(): void {
    this.counts = RoundTripCounter.zero(this.hasPrograms);
    this.times.clear();
    this.nestedMs = 0;
  }
}

/** Counts what `f` does on the active backend. */
export async function countRoundTrips<T>(
  f: () => T | Promise<T>,
  options: { timeKernels?: boolean } = {},
): Promise<{ result: T; counts: RoundTripCounts; kernelTimes: KernelTime[] }> {
  const counter = new RoundTripCounter(options);
  counter.start();
  try {
    const result = await f();
    return { result, counts: counter.snapshot(), kernelTimes: counter.kernelTimes() };
  } finally {
    counter.stop();
  }
}
