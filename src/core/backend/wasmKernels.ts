/**
 * Four tfjs-wasm kernels replaced for speed (tfjs-backend-wasm 4.22), registered once
 * when the wasm backend is chosen (useBackend.ts). Each gives the same results as the
 * kernel it replaces (within float32 rounding).
 *
 * Identity, and Cast to the same dtype, without the copy. tfjs keeps every tensor a
 * gradient will need by cloning it (engine.clone runs Identity), and Multiply's
 * gradient casts the other operand to float32 even when it is float32 already;
 * tfjs-wasm copies the whole tensor into new wasm memory for both, where the cpu,
 * webgl and webgpu backends share the data and count one more reference. Here wasm
 * does the same (as its own Reshape already does). Safe because no tfjs-wasm kernel
 * writes into an input: each writes a fresh output.
 *
 * Sum over leading axes, as a product with a row of ones. Every bias and LayerNorm
 * gradient sums dy over the batch·seq rows (axis 0 of [rows, width]); tfjs-wasm
 * transposes the whole tensor so the summed axis is innermost, then sums, about
 * 10 ms for a [1024, 768] dy. onesᵀ · dy is one matrix-vector product over the same
 * memory in row order, through the backend's BatchMatMul (whichever is registered).
 * The sum's rounding order differs from the sequential one, within float32 rounding.
 *
 * Batched products entry by entry. tfjs-wasm computes a 2-D product (and a batch of
 * one) with XNNPACK, but a batch of several, attention's [batch·heads, seq, d] products,
 * with a plain loop 4–9× slower. Here a plain batched product (no transposes, which the
 * model avoids on wasm anyway, and no broadcast) runs as one 2-D XNNPACK product per
 * entry: each entry of the operands is registered as a tensor over the same wasm memory
 * (no copy), its product is copied into the entry's place in the output.
 */
import * as tf from '@tensorflow/tfjs';

/** The members of tfjs-wasm's backend used here (BackendWasm is not exported as a type). */
interface WasmBackend {
  incRef(dataId: tf.DataId): void;
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: tf.DataId): boolean;
  getMemoryOffset(dataId: tf.DataId): number;
  dataIdMap: { get(dataId: tf.DataId): { id: number } | undefined; delete(dataId: tf.DataId): boolean };
  wasm: { HEAPU8: Uint8Array; tfjs: { disposeData(id: number): void } };
}

/** Sums with fewer rows than this stay on tfjs-wasm's own kernel. */
const MIN_ROWS_FOR_MATMUL_SUM = 64;

let registered = false;

/**
 * Registers the four kernels for wasm once (idempotent); the backend need not be started.
 * A kernel registered over these later (the CLI's native matmul) keeps them for what it
 * does not take.
 */
export function registerFasterWasmKernels(): void {
  if (registered) return;
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  const sum = tf.getKernel('Sum', 'wasm');
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!identity || !cast || !sum || !matMul) return; // wasm not registered in this environment
  const share = (x: tf.TensorInfo, backend: unknown): tf.TensorInfo => {
    (backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  replaceKernel(identity, (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    return x.dtype === 'string' ? (identity.kernelFunc as tf.KernelFunc)(args) : share(x, args.backend);
  });
  replaceKernel(cast, (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const same = x.dtype !== 'string' && x.dtype === (args.attrs as { dtype?: string }).dtype;
    return same ? share(x, args.backend) : (cast.kernelFunc as tf.KernelFunc)(args);
  });
  replaceKernel(sum, (args) => leadingAxesSum(args) ?? (sum.kernelFunc as tf.KernelFunc)(args));
  const wasmMatMul = matMul.kernelFunc as tf.KernelFunc;
  replaceKernel(matMul, (args) => matMulByEntries(args, wasmMatMul) ?? wasmMatMul(args));
  registered = true;
}

function replaceKernel(config: tf.KernelConfig, kernelFunc: tf.KernelFunc): void {
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel({ ...config, kernelFunc });
}

/** The leading axes [0, r) of a rank-n shape when `axis` is exactly them (r < n), otherwise null. */
export function leadingAxesCount(axis: number | number[], rank: number): number | null {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort(
    (p, q) => p - q,
  );
  if (axes.length === 0 || axes.length >= rank) return null;
  return axes.every((a, i) => a === i) ? axes.length : null;
}

/** Sum over leading axes as onesᵀ · x[rows, cols]; null when the case is not one for it. */
function leadingAxesSum(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | null {
  const x = args.inputs.x as tf.TensorInfo;
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  if (x.dtype !== 'float32') return null;
  const r = leadingAxesCount(axis, x.shape.length);
  if (r === null) return null;
  const rows = x.shape.slice(0, r).reduce((p, q) => p * q, 1);
  const cols = x.shape.slice(r).reduce((p, q) => p * q, 1);
  if (rows < MIN_ROWS_FOR_MATMUL_SUM || cols === 0) return null;
  const backend = args.backend as unknown as WasmBackend;
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!matMul) return null;
  const ones = backend.makeOutput([1, 1, rows], 'float32');
  backend.typedArrayFromHeap(ones).fill(1);
  // x viewed as [1, rows, cols]: the same memory, which the product only reads
  const x3: tf.TensorInfo = { dataId: x.dataId, shape: [1, rows, cols], dtype: 'float32' };
  const out = (matMul.kernelFunc as tf.KernelFunc)({
    inputs: { a: ones, b: x3 },
    backend: args.backend,
    attrs: { transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
  backend.disposeData(ones.dataId);
  const shape = keepDims ? [...x.shape.slice(0, r).map(() => 1), ...x.shape.slice(r)] : x.shape.slice(r);
  return { dataId: out.dataId, shape, dtype: 'float32' };
}

/** A plain batched product (no transposes, equal batches of 2 or more) as one 2-D product per entry; null otherwise. */
function matMulByEntries(args: Parameters<tf.KernelFunc>[0], wasmMatMul: tf.KernelFunc): tf.TensorInfo | null {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (transposeA || transposeB || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (a.shape.length < 3 || a.shape.length !== b.shape.length) return null;
  const outer = a.shape.slice(0, -2);
  if (outer.some((d, i) => d !== b.shape[i])) return null; // broadcast: tfjs-wasm's own
  const entries = outer.reduce((p, q) => p * q, 1);
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (entries < 2 || k !== k2) return null;
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  const [aAt, bAt, outAt] = [a, b, out].map((t) => backend.getMemoryOffset(t.dataId));
  // a tensor over memory it does not own: forgotten, never freed, once used
  const over = (offset: number, shape: number[]) => backend.makeOutput(shape, 'float32', offset);
  const forget = (t: tf.TensorInfo) => {
    const id = backend.dataIdMap.get(t.dataId)?.id;
    if (id !== undefined) backend.wasm.tfjs.disposeData(id);
    backend.dataIdMap.delete(t.dataId);
  };
  for (let e = 0; e < entries; e++) {
    const aEntry = over(aAt + e * m * k * 4, [m, k]);
    const bEntry = over(bAt + e * k * n * 4, [k, n]);
    const product = wasmMatMul({
      inputs: { a: aEntry, b: bEntry },
      backend: args.backend,
      attrs: args.attrs,
    }) as tf.TensorInfo;
    const at = backend.getMemoryOffset(product.dataId);
    backend.wasm.HEAPU8.copyWithin(outAt + e * m * n * 4, at, at + m * n * 4);
    backend.disposeData(product.dataId);
    forget(aEntry);
    forget(bEntry);
  }
  return out;
}
