/**
 * Whether the active backend's matmul takes transposed operands at full speed.
 *
 * tfjs-backend-wasm 4.22 runs a matmul with transposeA or transposeB (every matmul
 * gradient, and x · Wᵀ for a Hugging Face [out, in] weight) 10–20× slower than a plain
 * one, so on wasm the model transposes operands itself (model/bert.ts: matMulPlain,
 * dense). The Node CLI can put wasm's matmul on native kernels that take transposed
 * operands as they are (src/cli/nativeMatMul.ts); it says so here, and the model then
 * uses tf.matMul's transposes directly, saving the explicit transposes.
 */
import * as tf from '@tensorflow/tfjs';

let wasmTransposesFast = false;

/** Set by whoever replaces wasm's matmul kernel with one that handles transposes well. */
export function setMatMulTransposesFast(fast: boolean): void {
  wasmTransposesFast = fast;
}

/** True when the model should transpose matmul operands itself (tfjs-wasm's own kernel). */
export function matMulTransposesAreSlow(): boolean {
  return tf.getBackend() === 'wasm' && !wasmTransposesFast;
}
