/**
 * Node only: tfjs-wasm's matrix products on onnxruntime's native CPU kernels.
 *
 * In the CLI, tfjs-wasm runs every op of a training step; its matmul (XNNPACK in
 * 128-bit wasm SIMD) reaches about a fifth of what the machine's native BLAS does,
 * and its batched matmuls (attention's [batch·heads, seq, d] products) and transposed
 * operands (every matmul gradient) fall to a plain loop ten times slower still.
 * onnxruntime-node ships native CPU kernels (MLAS: AVX2/AVX-512, all cores) in its npm
 * package, and its session binding runs synchronously, which a tfjs kernel must. So
 * this file replaces the wasm backend's BatchMatMul kernel: products large enough to
 * be worth a call (MIN_NATIVE_FLOPS) run as a one-node ONNX graph (MatMul, its
 * operands transposed inside the graph, which onnxruntime fuses into the product)
 * reading the operands straight from the wasm heap and writing the result into a
 * fresh wasm tensor; small ones stay on tfjs-wasm's own kernel. Everything else of
 * the step (elementwise ops, LayerNorm, softmax, the optimizer) stays on tfjs-wasm,
 * and so does training: same model code, same gradients (tf.matMul's own).
 *
 * The synchronous binding is onnxruntime-node's internal `dist/binding.js` (the
 * public InferenceSession.run only wraps it in a promise); its shape is checked when
 * loading, and anything missing means the CLI says why in one line and keeps
 * tfjs-wasm's kernel.
 */
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setMatMulTransposesFast } from '../core/backend/matMulTransposes.ts';
import { registerFasterWasmKernels } from '../core/backend/wasmKernels.ts';
import { GraphBuilder, attr } from '../core/onnx/graphBuilder.ts';
import { ONNX_DTYPE, encodeModel } from '../core/onnx/onnxProto.ts';

/** Products below this many floating-point operations stay on tfjs-wasm (each native call has a fixed cost: a session run, a copy of its output). */
export const MIN_NATIVE_FLOPS = 2 ** 21;

/** The environment variable that turns the native matmul off (`TFJS_NATIVE_MATMUL=0`). */
export const NATIVE_MATMUL_VARIABLE = 'TFJS_NATIVE_MATMUL';

interface OrtTensor {
  data: Float32Array | BigInt64Array;
  dims: readonly number[];
}
interface SyncSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(
    feeds: Record<string, OrtTensor>,
    fetches: Record<string, OrtTensor | null>,
    options: object,
  ): Record<string, OrtTensor>;
  dispose(): void;
}
interface OrtBinding {
  binding: { InferenceSession: new () => SyncSession };
  initOrt(): void;
}
type OrtTensorConstructor = new (
  type: 'float32' | 'int64',
  data: Float32Array | BigInt64Array,
  dims: readonly number[],
) => OrtTensor;

/** The members of tfjs-wasm's backend this kernel uses (BackendWasm is not exported as a type). */
interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** What the kernel did since it was installed: calls and floating-point operations, native and not. */
export interface NativeMatMulCounts {
  /** onnxruntime's intra-op threads */
  threads: number;
  nativeCalls: number;
  /** onnxruntime runs: more than nativeCalls when large products ran in chunks */
  sessionRuns: number;
  nativeFlops: number;
  wasmCalls: number;
  wasmFlops: number;
}

/**
 * The graph c = op(a) · op(b) over rank-3 operands with dynamic sizes; with `sliceA`
 * (transposed a only) it first takes a's columns [start, end), the rows of c that one
 * chunk of a large product computes (see `run`).
 */
function matMulModel(transposeA: boolean, transposeB: boolean, sliceA: boolean): Uint8Array {
  const g = new GraphBuilder('batch_matmul');
  let a = g.input('a', ONNX_DTYPE.FLOAT, ['batch_a', 'a1', 'a2']);
  let b = g.input('b', ONNX_DTYPE.FLOAT, ['batch_b', 'b1', 'b2']);
  if (sliceA) {
    const start = g.input('start', ONNX_DTYPE.INT64, [1]);
    const end = g.input('end', ONNX_DTYPE.INT64, [1]);
    a = g.op1('Slice', [a, start, end, g.int64s('axes', [2])]);
  }
  if (transposeA) a = g.op1('Transpose', [a], [attr.ints('perm', [0, 2, 1])]);
  if (transposeB) b = g.op1('Transpose', [b], [attr.ints('perm', [0, 2, 1])]);
  g.output(g.op1('MatMul', [a, b], [], 'c'), ONNX_DTYPE.FLOAT, ['batch', 'rows', 'cols']);
  return encodeModel({
    graph: g.graph(),
    opset: 17,
    irVersion: 8,
    producerName: 'wwm-distill-workbench',
    producerVersion: '1',
  });
}

function loadBinding(): { binding: OrtBinding; Tensor: OrtTensorConstructor } {
  const require = createRequire(import.meta.url);
  const main = require.resolve('onnxruntime-node');
  const binding = require(path.join(path.dirname(main), 'binding.js')) as Partial<OrtBinding>;
  if (typeof binding.initOrt !== 'function' || typeof binding.binding?.InferenceSession !== 'function') {
    throw new Error("onnxruntime-node's binding has no synchronous InferenceSession");
  }
  const { Tensor } = require('onnxruntime-node') as { Tensor: OrtTensorConstructor };
  binding.initOrt();
  return { binding: binding as OrtBinding, Tensor };
}

/** Above this many output bytes a product is computed in chunks (see `run`). */
export const CHUNK_OUTPUT_BYTES = 8 * 2 ** 20;

/**
 * The replacement kernel: sessions for the transpose combinations, made on first
 * use, and tfjs-wasm's own kernel for what stays on wasm.
 */
class NativeMatMul {
  readonly counts: NativeMatMulCounts;
  private readonly sessions = new Map<string, SyncSession>();

  constructor(
    private readonly ort: { binding: OrtBinding; Tensor: OrtTensorConstructor },
    private readonly threads: number,
    readonly original: tf.KernelConfig,
  ) {
    this.counts = { threads, nativeCalls: 0, sessionRuns: 0, nativeFlops: 0, wasmCalls: 0, wasmFlops: 0 };
  }

  private session(transposeA: boolean, transposeB: boolean, sliceA = false): SyncSession {
    const key = `${transposeA}/${transposeB}/${sliceA}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = new this.ort.binding.binding.InferenceSession();
      const bytes = matMulModel(transposeA, transposeB, sliceA);
      s.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
        intraOpNumThreads: this.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      });
      this.sessions.set(key, s);
    }
    return s;
  }

  /** One onnxruntime run of the product graph; the product lands in `fetches.c`. */
  private runSession(session: SyncSession, feeds: Record<string, OrtTensor>, fetches: { c: OrtTensor }): void {
    session.run(feeds, fetches, {});
    this.counts.sessionRuns++;
  }

  private tensor(data: Float32Array, dims: number[]): OrtTensor {
    return new this.ort.Tensor('float32', data, dims);
  }

  /**
   * c (rank 3, [batch, m, n]) = op(a) · op(b), written into `c`. The binding hands every
   * output back as a fresh JavaScript copy too (dropped at once); a copy of more than
   * 32 MB is a fresh mmap from glibc each time, whose page faults cost more than the
   * product (the MLM decoder's gradient, [21128, 768], ran at ~20 GFLOP/s whole). So a
   * large product runs in chunks, each copy at most CHUNK_OUTPUT_BYTES (or one row / one
   * batch entry): rows of the output for a 2-D product, whole entries for a batched one.
   */
  run(
    a: Float32Array,
    aDims: number[],
    b: Float32Array,
    bDims: number[],
    c: Float32Array,
    m: number,
    n: number,
    transposeA: boolean,
    transposeB: boolean,
  ): void {
    const batch = Math.max(aDims[0], bDims[0]);
    if (batch > 1) {
      // a batched product (attention's): chunks of whole batch entries, each operand's own
      // entries (or the one entry it broadcasts)
      const perChunk = Math.max(1, Math.floor(CHUNK_OUTPUT_BYTES / (4 * m * n)));
      const aSize = aDims[1] * aDims[2];
      const bSize = bDims[1] * bDims[2];
      for (let e0 = 0; e0 < batch; e0 += perChunk) {
        const e1 = Math.min(batch, e0 + perChunk);
        const entries = (x: Float32Array, dims: number[], size: number) =>
          dims[0] === 1
            ? this.tensor(x, dims)
            : this.tensor(x.subarray(e0 * size, e1 * size), [e1 - e0, dims[1], dims[2]]);
        this.runSession(
          this.session(transposeA, transposeB),
          { a: entries(a, aDims, aSize), b: entries(b, bDims, bSize) },
          { c: this.tensor(c.subarray(e0 * m * n, e1 * m * n), [e1 - e0, m, n]) },
        );
      }
      return;
    }
    const rowsPerChunk = Math.max(1, Math.floor(CHUNK_OUTPUT_BYTES / (4 * n)));
    const bT = this.tensor(b, bDims);
    if (m <= rowsPerChunk) {
      this.runSession(
        this.session(transposeA, transposeB),
        { a: this.tensor(a, aDims), b: bT },
        { c: this.tensor(c, [1, m, n]) },
      );
      return;
    }
    for (let r0 = 0; r0 < m; r0 += rowsPerChunk) {
      const r1 = Math.min(m, r0 + rowsPerChunk);
      const cChunk = this.tensor(c.subarray(r0 * n, r1 * n), [1, r1 - r0, n]);
      if (!transposeA) {
        // rows of a are contiguous: a view of them
        const k = aDims[2];
        this.runSession(
          this.session(false, transposeB),
          { a: this.tensor(a.subarray(r0 * k, r1 * k), [1, r1 - r0, k]), b: bT },
          { c: cChunk },
        );
      } else {
        // rows of c are columns of a: the graph slices them
        const start = new this.ort.Tensor('int64', BigInt64Array.of(BigInt(r0)), [1]);
        const end = new this.ort.Tensor('int64', BigInt64Array.of(BigInt(r1)), [1]);
        this.runSession(
          this.session(true, transposeB, true),
          { a: this.tensor(a, aDims), b: bT, start, end },
          { c: cChunk },
        );
      }
    }
  }

  /** The kernel function registered for BatchMatMul on wasm. */
  readonly kernel = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const backend = args.backend as WasmBackend;
    const [aRows, aCols] = a.shape.slice(-2);
    const [bRows, bCols] = b.shape.slice(-2);
    const m = transposeA ? aCols : aRows;
    const k = transposeA ? aRows : aCols;
    const n = transposeB ? bRows : bCols;
    const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const flops = 2 * Math.max(batchA, batchB) * m * n * k;
    const native =
      flops >= MIN_NATIVE_FLOPS &&
      (batchA === batchB || batchA === 1 || batchB === 1) &&
      (transposeB ? bCols : bRows) === k &&
      a.shape.length === b.shape.length &&
      a.dtype === 'float32' &&
      b.dtype === 'float32' &&
      // not the threaded build's shared memory, which onnxruntime's binding refuses
      !(backend.typedArrayFromHeap(a).buffer instanceof SharedArrayBuffer);
    if (!native) {
      this.counts.wasmCalls++;
      this.counts.wasmFlops += flops;
      return (this.original.kernelFunc as (x: typeof args) => tf.TensorInfo)(args);
    }
    // The output first: allocating it may grow the wasm heap, which detaches earlier views.
    const outShape = [...(batchA >= batchB ? a.shape : b.shape).slice(0, -2), m, n];
    const out = backend.makeOutput(outShape, 'float32');
    this.run(
      backend.typedArrayFromHeap(a),
      [batchA, aRows, aCols],
      backend.typedArrayFromHeap(b),
      [batchB, bRows, bCols],
      backend.typedArrayFromHeap(out),
      m,
      n,
      transposeA,
      transposeB,
    );
    this.counts.nativeCalls++;
    this.counts.nativeFlops += flops;
    return out;
  };

  /** One 2×3 · (2×3)ᵀ product through a session, against the values worked by hand. */
  check(): void {
    const c = new Float32Array(4);
    this.run(
      Float32Array.of(1, 2, 3, 4, 5, 6),
      [1, 2, 3],
      Float32Array.of(1, 0, 1, 0, 1, 0),
      [1, 2, 3],
      c,
      2,
      2,
      false,
      true,
    );
    if ([4, 2, 10, 5].some((v, i) => c[i] !== v))
      throw new Error(`the native matmul check gave [${[...c].join(', ')}]`);
  }

  dispose(): void {
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
  }
}

let installed: NativeMatMul | null = null;

/** Whether TFJS_NATIVE_MATMUL asks for it (default on; "0", "false", "off" or "no" turn it off). */
export function nativeMatMulWanted(env: Record<string, string | undefined> = process.env): boolean {
  const raw = env[NATIVE_MATMUL_VARIABLE]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || ['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new Error(`${NATIVE_MATMUL_VARIABLE} must be 1 or 0 (on or off), got "${env[NATIVE_MATMUL_VARIABLE]}"`);
}

/**
 * Puts tfjs-wasm's BatchMatMul on onnxruntime's CPU kernels, `threads` of them (default:
 * every core). Returns null when installed (or already), otherwise why not; the wasm
 * kernel then stays. Safe to call before or after the wasm backend starts.
 */
export function installNativeMatMul(
  threads = os.availableParallelism(),
  load: () => { binding: OrtBinding; Tensor: OrtTensorConstructor } = loadBinding,
): string | null {
  if (installed) return null;
  // tfjs-wasm's faster kernels first, so that what this kernel leaves to wasm goes to them
  registerFasterWasmKernels();
  try {
    const ort = load();
    const original = tf.getKernel('BatchMatMul', 'wasm');
    if (!original) return "tfjs-wasm's BatchMatMul kernel is not registered";
    const native = new NativeMatMul(ort, threads, original);
    // A quick check before taking over: a 2×3 · 3×2 product through the native path.
    native.check();
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({ ...original, kernelFunc: native.kernel as unknown as tf.KernelFunc });
    installed = native;
    setMatMulTransposesFast(true);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Puts tfjs-wasm's own BatchMatMul kernel back. */
export function uninstallNativeMatMul(): void {
  if (!installed) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(installed.original);
  installed.dispose();
  installed = null;
  setMatMulTransposesFast(false);
}

/** Threads, calls and FLOPs of the installed kernel (null when not installed). */
export function nativeMatMulCounts(): NativeMatMulCounts | null {
  return installed ? { ...installed.counts } : null;
}

/** The backend the CLI computes on, in words (model cards): "wasm, matmuls on onnxruntime-node (2 threads)" or the backend's name. */
export function cliBackendDescription(): string {
  const backend = tf.getBackend();
  return backend === 'wasm' && installed
    ? `wasm, matmuls on onnxruntime-node (${installed.counts.threads} threads)`
    : backend;
}
