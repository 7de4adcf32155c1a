/**
 * A float32 tensor whose values are written straight into the backend's memory when the
 * backend allows it, so no JavaScript copy of them is made: on tfjs-wasm the tensor is
 * allocated in the wasm heap and `fill` writes into a view of it (the way tfjs-wasm's own
 * kernels make their outputs); on any other backend `fill` writes a fresh Float32Array, which
 * the backend takes over (webgpu and cpu keep the array itself until it is uploaded or freed).
 * Used to widen float16 weights a part at a time (distill/heldTeacher.ts) without leaving a
 * float32 copy of each part behind for the garbage collector.
 */
import * as tf from '@tensorflow/tfjs';

/** The few members of tfjs-wasm's backend used here (BackendWasm, not exported as a type by tfjs). */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

function heapBackend(): WasmHeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<WasmHeapBackend>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function'
    ? (b as WasmHeapBackend)
    : null;
}

/** A new float32 tensor of `shape` whose values `fill` writes (every element: the memory is not cleared). */
export function tensorFilledInPlace(shape: number[], fill: (out: Float32Array) => void): tf.Tensor {
  const backend = heapBackend();
  if (!backend) {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    fill(values);
    return tf.tensor(values, shape, 'float32');
  }
  const info = backend.makeOutput(shape, 'float32');
  // the view is taken after the allocation (which may grow the heap) and written before anything else runs
  fill(backend.typedArrayFromHeap(info));
  return tf.engine().makeTensorFromTensorInfo(info, tf.backend());
}
