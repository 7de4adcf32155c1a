/**
 * Dropout whose random mask is made on the device. tf.dropout draws every
 * random number in JavaScript and uploads it: for a batch of 16 at seq 128 that
 * is ~3 million numbers per attention layer (≈ 80 ms of CPU time), which would
 * dominate a WebGPU training step. Here the CPU draws only two short tables with
 * the project's seeded Rng, and the device combines them:
 *
 *   u[i] = frac(A[(i + s) mod P] + B[(i + t) mod Q]),   keep element i when u[i] < 1 − rate
 *
 * with P = 65521 and Q = 65519 (coprime primes), A, B uniform on [0, 1) and s, t
 * random shifts. Each u[i] is uniform, any two distinct elements (within P·Q ≈ 4.3e9)
 * get independent values (they differ in at least one table entry), which is
 * all dropout needs. The arithmetic is float32 adds and small-integer index math
 * (every intermediate < 2^24), so the same seed gives bit-identical masks on
 * cpu, wasm, webgl and webgpu.
 */
import * as tf from '@tensorflow/tfjs';
import { tensorFilledInPlace } from '../backend/tensorFilledInPlace.ts';
import type { Rng } from '../random/rng.ts';

export const DROPOUT_TABLE_P = 65521;
export const DROPOUT_TABLE_Q = 65519;

/** Where a mask is computed: on the device (GPU backends), or in JavaScript and uploaded. */
export type MaskPath = 'auto' | 'device' | 'host';

/** Random tables for the dropout masks of one forward pass. */
export class DropoutTables {
  private readonly a: Float32Array;
  private readonly b: Float32Array;
  private onDevice: [tf.Tensor1D, tf.Tensor1D] | null = null;

  constructor(private readonly rng: Rng) {
    const draw = (n: number) => Float32Array.from({ length: n }, () => rng.random());
    this.a = draw(DROPOUT_TABLE_P);
    this.b = draw(DROPOUT_TABLE_Q);
  }

  /**
   * A mask of the given shape holding 0 (dropped) or 1 / (1 − rate) (kept), so that
   * x · mask is inverted dropout. Each call uses fresh random shifts. On cpu and wasm
   * the same numbers are computed in JavaScript (faster there than the index
   * arithmetic as tensor ops); `path` forces one way, for tests.
   */
  mask(shape: number[], rate: number, path: MaskPath = 'auto'): tf.Tensor {
    if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
    const keep = 1 - rate;
    const size = shape.reduce((x, y) => x * y, 1);
    const cols = shape.length > 0 ? shape[shape.length - 1] : 1;
    const rows = size / cols;
    const s = this.rng.randint(0, DROPOUT_TABLE_P - 1);
    const t = this.rng.randint(0, DROPOUT_TABLE_Q - 1);
    // The device path wraps indices with one comparison (exact in float32 on webgl),
    // which needs rows no longer than the tables.
    const device =
      cols < DROPOUT_TABLE_Q && (path === 'device' || (path === 'auto' && !['cpu', 'wasm'].includes(tf.getBackend())));
    if (!device) {
      // The device formula, in float32: frac of a float32 sum, compared with float32(keep).
      // Written straight into wasm memory where the backend allows (no JavaScript copy).
      const keep32 = Math.fround(keep);
      const value = Math.fround(1 / keep);
      const { a, b } = this;
      return tensorFilledInPlace(shape, (out) => {
        let p = s;
        let q = t;
        for (let i = 0; i < size; i++) {
          const sum = Math.fround(a[p] + b[q]);
          out[i] = sum - Math.floor(sum) < keep32 ? value : 0;
          if (++p === DROPOUT_TABLE_P) p = 0;
          if (++q === DROPOUT_TABLE_Q) q = 0;
        }
      });
    }
    // Row starts of the flat index modulo P and Q, exact in float64 here, so the
    // device only adds numbers below P + cols.
    const rowStartP = new Int32Array(rows);
    const rowStartQ = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      rowStartP[r] = (r * cols + s) % DROPOUT_TABLE_P;
      rowStartQ[r] = (r * cols + t) % DROPOUT_TABLE_Q;
    }
    this.onDevice ??= [tf.keep(tf.tensor1d(this.a)), tf.keep(tf.tensor1d(this.b))];
    const [aT, bT] = this.onDevice;
    return tf.tidy(() => {
      const col = tf.range(0, cols, 1, 'int32');
      // (start + col) mod m, for start < m and col < m: subtract m once where needed.
      const index = (starts: Int32Array, modulus: number) => {
        const v = tf.add(tf.tensor2d(starts, [rows, 1], 'int32'), col);
        const m = tf.scalar(modulus, 'int32');
        return tf.sub(v, tf.mul(tf.cast(tf.greaterEqual(v, m), 'int32'), m));
      };
      const sum = tf.add(
        tf.gather(aT, index(rowStartP, DROPOUT_TABLE_P)),
        tf.gather(bT, index(rowStartQ, DROPOUT_TABLE_Q)),
      );
      const u = tf.sub(sum, tf.floor(sum));
      return tf.reshape(tf.mul(tf.cast(tf.less(u, keep), 'float32'), 1 / keep), shape);
    });
  }

  /** Inverted dropout of x: x · mask / (1 − rate). The mask carries no gradient. */
  apply<T extends tf.Tensor>(x: T, rate: number, path: MaskPath = 'auto'): T {
    if (rate <= 0) return x;
    return tf.mul(x, this.mask(x.shape, rate, path)) as T;
  }

  /** Frees the device copies of the tables (if a mask was made on the device). */
  dispose(): void {
    if (this.onDevice) tf.dispose(this.onDevice);
    this.onDevice = null;
  }
}
