import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../cli/nodeBackend.ts';
import { Rng } from '../random/rng.ts';
import { useBackend } from './useBackend.ts';
import { leadingAxesCount } from './wasmKernels.ts';

const wasmProblem = await useWasmBackend({ threads: 1 });
const describeWasm = wasmProblem ? describe.skip : describe;

interface HeapBackend {
  getMemoryOffset(dataId: tf.DataId): number;
}
const offsetOf = (t: tf.Tensor) => (tf.backend() as unknown as HeapBackend).getMemoryOffset(t.dataId);

function random(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    randomValues(
      shape.reduce((p, q) => p * q, 1),
      seed,
    ),
    shape,
  );
}

function randomValues(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.random() * 2 - 1);
}

/** The float64 sum of x [..lead, ..rest] over its first `r` axes. */
function referenceSum(x: Float32Array, shape: number[], r: number): number[] {
  const cols = shape.slice(r).reduce((a, b) => a * b, 1);
  const rows = x.length / cols;
  const out = new Array<number>(cols).fill(0);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j] += x[i * cols + j];
  return out;
}

describe('leadingAxesCount', () => {
  it('counts the leading axes a reduction covers, or says it is not one', () => {
    expect(leadingAxesCount(0, 2)).toBe(1);
    expect(leadingAxesCount([0], 3)).toBe(1);
    expect(leadingAxesCount([1, 0], 3)).toBe(2);
    expect(leadingAxesCount([-3, -2], 3)).toBe(2);
    expect(leadingAxesCount([0, 0], 2)).toBe(1);
    expect(leadingAxesCount([1], 2)).toBeNull(); // the last axis: tfjs-wasm's own sum
    expect(leadingAxesCount([0, 2], 3)).toBeNull(); // not a prefix
    expect(leadingAxesCount([0, 1], 2)).toBeNull(); // everything: tfjs-wasm's own sum
    expect(leadingAxesCount([], 2)).toBeNull();
  });
});

describeWasm(`tfjs-wasm's faster kernels${wasmProblem ? ` [skipped: ${wasmProblem}]` : ''}`, () => {
  it('Identity (clone) shares the memory, and each holder frees only its reference', async () => {
    await useBackend('wasm');
    const before = tf.memory();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(offsetOf(y)).toBe(offsetOf(x));
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it('Cast to the same dtype shares the memory; a real cast still converts', async () => {
    await useBackend('wasm');
    const x = tf.tensor1d([1.5, -2.25, 3]);
    const same = tf.cast(x, 'float32');
    expect(offsetOf(same)).toBe(offsetOf(x));
    const ints = tf.cast(x, 'int32');
    expect(ints.dtype).toBe('int32');
    expect(Array.from(await ints.data())).toEqual([1, -2, 3]);
    const back = tf.cast(ints, 'float32');
    expect(Array.from(await back.data())).toEqual([1, -2, 3]);
    tf.dispose([x, same, ints, back]);
  });

  it('a gradient through clones and casts is unchanged (a tensor kept for the backward pass)', async () => {
    await useBackend('wasm');
    const x = tf.tensor2d(Array.from(randomValues(6, 3)), [2, 3]);
    const w = tf.tensor2d(Array.from(randomValues(6, 4)), [2, 3]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.mul(a, w), a)))(x);
    const want = Array.from(await x.data()).map((v, i) => 2 * v * (w.dataSync()[i] as number));
    const got = Array.from(await g.data());
    for (let i = 0; i < 6; i++) expect(got[i]).toBeCloseTo(want[i], 6);
    tf.dispose([x, w, g]);
  });

  it('sums over leading axes as a product with ones: the float64 sum to float32 rounding, every shape kept', async () => {
    await useBackend('wasm');
    const before = tf.memory();
    const cases: { shape: number[]; axis: number | number[]; keepDims: boolean; r: number }[] = [
      { shape: [1024, 96], axis: 0, keepDims: false, r: 1 },
      { shape: [1024, 96], axis: [0], keepDims: true, r: 1 },
      { shape: [8, 128, 40], axis: [0, 1], keepDims: false, r: 2 },
      { shape: [8, 128, 40], axis: [-3, -2], keepDims: true, r: 2 },
      { shape: [300, 7, 5], axis: 0, keepDims: false, r: 1 },
    ];
    for (const [i, c] of cases.entries()) {
      const values = randomValues(
        c.shape.reduce((a, b) => a * b, 1),
        10 + i,
      );
      const x = tf.tensor(values, c.shape);
      const s = tf.sum(x, c.axis, c.keepDims);
      const wantShape = c.keepDims
        ? [...c.shape.slice(0, c.r).map(() => 1), ...c.shape.slice(c.r)]
        : c.shape.slice(c.r);
      expect(s.shape, JSON.stringify(c)).toEqual(wantShape);
      const got = await s.data();
      const want = referenceSum(values, c.shape, c.r);
      for (let j = 0; j < want.length; j++)
        expect(Math.abs(got[j] - want[j]), `${JSON.stringify(c)} [${j}]`).toBeLessThan(2e-4);
      tf.dispose([x, s]);
    }
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it('computes plain batched products entry by entry: the float64 product, no memory left behind', async () => {
    await useBackend('wasm');
    const live = () => (tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds();
    const before = { ...tf.memory(), ids: live() };
    const cases = [
      { a: [6, 33, 17], b: [6, 17, 29] },
      { a: [2, 3, 40, 16], b: [2, 3, 16, 24] },
    ];
    for (const [i, c] of cases.entries()) {
      const av = randomValues(
        c.a.reduce((p, q) => p * q, 1),
        30 + i,
      );
      const bv = randomValues(
        c.b.reduce((p, q) => p * q, 1),
        40 + i,
      );
      const a = tf.tensor(av, c.a);
      const b = tf.tensor(bv, c.b);
      const p = tf.matMul(a, b);
      const [m, k] = c.a.slice(-2);
      const n = c.b[c.b.length - 1];
      expect(p.shape).toEqual([...c.a.slice(0, -2), m, n]);
      const got = await p.data();
      const entries = got.length / (m * n);
      let worst = 0;
      for (let e = 0; e < entries; e++)
        for (let r = 0; r < m; r++)
          for (let j = 0; j < n; j++) {
            let want = 0;
            for (let t = 0; t < k; t++) want += av[e * m * k + r * k + t] * bv[e * k * n + t * n + j];
            worst = Math.max(worst, Math.abs(got[e * m * n + r * n + j] - want));
          }
      expect(worst, JSON.stringify(c)).toBeLessThan(1e-5);
      tf.dispose([a, b, p]);
    }
    // transposed and broadcast products go to tfjs-wasm's own kernel, same values as computed by hand
    const a = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const one = tf.tensor3d([1, 0, 0, 1], [1, 2, 2]);
    const broadcast = tf.matMul(a, one);
    const transposed = tf.matMul(a, a, false, true);
    expect(Array.from(await broadcast.data())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(await transposed.data())).toEqual([5, 11, 11, 25, 61, 83, 83, 113]);
    tf.dispose([a, one, broadcast, transposed]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(live()).toBe(before.ids);
  });

  it('leaves no XNNPACK operator behind: the wasm heap stays put over 400 batched products', async () => {
    await useBackend('wasm');
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const a = random([24, 64, 32], 50);
    const b = random([24, 32, 64], 51);
    const once = () => tf.matMul(a, b).dispose();
    for (let i = 0; i < 20; i++) once(); // warm: the heap reaches its working size
    const before = heap();
    // each product packs 24 weight operators of 32 × 64 floats (8 KB each): 400 would hold 78 MB if kept
    for (let i = 0; i < 400; i++) once();
    expect(heap()).toBe(before);
    tf.dispose([a, b]);
  });

  it("other sums (the last axis, everything, few rows, int32) give tfjs-wasm's own results", async () => {
    await useBackend('wasm');
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(Array.from(await tf.sum(x, 1).data())).toEqual([6, 15]);
    expect(Array.from(await tf.sum(x).data())).toEqual([21]);
    expect(Array.from(await tf.sum(x, 0).data())).toEqual([5, 7, 9]);
    const ints = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    const intSum = tf.sum(ints, 0);
    expect(intSum.dtype).toBe('int32');
    expect(Array.from(await intSum.data())).toEqual([4, 6]);
    tf.dispose([x, ints, intSum]);
  });
});
