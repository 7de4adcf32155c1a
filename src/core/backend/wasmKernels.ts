/**
 * Three tfjs-wasm kernels replaced for speed (tfjs-backend-wasm 4.22), registered once
 * when the wasm backend is chosen (useBackend.ts). Each gives the same results as the
 * kernel it replaces; a training step of the 3-layer 768 student spent about a
 * quarter of its time in them.
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
 */
import * as tf from '@tensorflow/tfjs';

/** The members of tfjs-wasm's backend used here (BackendWasm is not exported as a type). */
interface WasmBackend {
  incRef(dataId: tf.DataId): void;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: tf.DataId): boolean;
}

/** Sums with fewer rows than this stay on tfjs-wasm's own kernel. */
const MIN_ROWS_FOR_MATMUL_SUM = 64;

let registered = false;

/** Registers both kernels for wasm once (idempotent); the backend need not be started. */
export function registerFasterWasmKernels(): void {
  if (registered) return;
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  const sum = tf.getKernel('Sum', 'wasm');
  if (!identity || !cast || !sum) return; // wasm not registered in this environment
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
  // x viewed as [1, rows, cols]: same memory, one more reference, freed below
  backend.incRef(x.dataId);
  const x3: tf.TensorInfo = { dataId: x.dataId, shape: [1, rows, cols], dtype: 'float32' };
  const out = (matMul.kernelFunc as tf.KernelFunc)({
    inputs: { a: ones, b: x3 },
    backend: args.backend,
    attrs: { transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
  backend.disposeData(ones.dataId);
  backend.disposeData(x.dataId);
  const shape = keepDims ? [...x.shape.slice(0, r).map(() => 1), ...x.shape.slice(r)] : x.shape.slice(r);
  return { dataId: out.dataId, shape, dtype: 'float32' };
}
