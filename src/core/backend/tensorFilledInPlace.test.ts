import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../cli/nodeBackend.ts';
import { tensorFilledInPlace } from './tensorFilledInPlace.ts';
import { useBackend } from './useBackend.ts';

const wasmProblem = await useWasmBackend();
const describeWasm = wasmProblem ? describe.skip : describe;
const ramp = (out: Float32Array) => {
  for (let i = 0; i < out.length; i++) out[i] = i / 2 - 3;
};
const expected = Array.from({ length: 12 }, (_, i) => i / 2 - 3);

describeWasm(`tensorFilledInPlace on tfjs-wasm${wasmProblem ? ` [skipped: ${wasmProblem}]` : ''}`, () => {
  it('fills a view of the wasm heap: no JavaScript copy, the values read back, the memory accounted and freed', async () => {
    await useBackend('wasm');
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
    const before = tf.memory();
    let filled: Float32Array | null = null;
    const t = tensorFilledInPlace([3, 4], (out) => {
      filled = out;
      ramp(out);
    });
    expect((filled as Float32Array | null)?.buffer).toBe(heap.buffer);
    expect(t.shape).toEqual([3, 4]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(await t.data())).toEqual(expected);
    expect(tf.memory().numBytes - before.numBytes).toBe(48);
    // usable by kernels like any tensor
    const sum = tf.sum(t);
    expect(Array.from(await sum.data())).toEqual([expected.reduce((a, b) => a + b, 0)]);
    sum.dispose();
    t.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});

describe('tensorFilledInPlace on another backend', () => {
  afterAll(async () => {
    await useBackend('cpu');
  });
  it('fills a fresh Float32Array that the backend takes over', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    let filled: Float32Array | null = null;
    const t = tensorFilledInPlace([12], (out) => {
      filled = out;
      ramp(out);
    });
    expect((filled as Float32Array | null)?.length).toBe(12);
    expect(Array.from(await t.data())).toEqual(expected);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
