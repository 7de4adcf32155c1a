import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countRoundTrips, RoundTripCounter } from './roundTrips.ts';
import { useBackend } from './useBackend.ts';

describe('RoundTripCounter', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('counts uploads with their bytes, kernels, and reads with their bytes', async () => {
    const { result, counts } = await countRoundTrips(async () => {
      const a = tf.tensor2d(new Float32Array(6).fill(1), [2, 3]); // upload 1: 24 bytes
      const b = tf.tensor2d(new Float32Array(12).fill(2), [3, 4]); // upload 2: 48 bytes
      const c = tf.matMul(a, b); // kernel 1
      const d = tf.relu(c); // kernel 2
      const values = await d.data(); // read 1: 8 floats
      const sync = d.dataSync(); // read 2
      tf.dispose([a, b, c, d]);
      return [values[0], sync[7]];
    });
    expect(result).toEqual([6, 6]);
    expect(counts).toEqual({
      reads: 2,
      bytesRead: 64,
      kernelReads: 0,
      uploads: 2,
      bytesUploaded: 72,
      kernels: 2,
      programs: null,
    });
  });

  it('counts the scalar a JS number becomes as an upload', async () => {
    const x = tf.ones([4]);
    const { counts } = await countRoundTrips(() => tf.dispose(tf.mul(x, 0.9)));
    x.dispose();
    expect(counts.uploads).toBe(1);
    expect(counts.bytesUploaded).toBe(4);
    expect(counts.kernels).toBe(1);
    expect(counts.reads).toBe(0);
  });

  it('counts the kernels of a gradient too', async () => {
    const x = tf.variable(tf.ones([3]));
    const { counts } = await countRoundTrips(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(x)) as tf.Scalar, [x]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    x.dispose();
    // forward: square, sum; backward: at least one kernel per forward op
    expect(counts.kernels).toBeGreaterThanOrEqual(4);
    expect(counts.reads).toBe(0);
  });

  it('leaves the backend and engine as they were, and results unchanged', async () => {
    const backend = tf.engine().backend as unknown as Record<string, unknown>;
    const engine = tf.engine() as unknown as Record<string, unknown>;
    const before = [backend.read, backend.readSync, backend.write, engine.runKernel];
    const ownBefore = ['read', 'readSync', 'write'].map((n) => Object.hasOwn(backend, n));
    const counter = new RoundTripCounter();
    counter.start();
    expect(backend.read).not.toBe(before[0]);
    expect(() => counter.start()).toThrow(/already started/);
    const inside = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 3)).dataSync();
    counter.stop();
    expect([backend.read, backend.readSync, backend.write, engine.runKernel]).toEqual(before);
    expect(['read', 'readSync', 'write'].map((n) => Object.hasOwn(backend, n))).toEqual(ownBefore);
    expect(Array.from(inside)).toEqual([4, 5]);
    // counting stopped: nothing more is added
    const after = counter.snapshot();
    tf.tidy(() => tf.add(tf.tensor1d([1]), 1)).dataSync();
    expect(counter.snapshot()).toEqual(after);
    counter.reset();
    expect(counter.snapshot().kernels).toBe(0);
  });

  it('restores everything when the counted function throws', async () => {
    const engine = tf.engine() as unknown as Record<string, unknown>;
    const runKernel = engine.runKernel;
    await expect(
      countRoundTrips(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(engine.runKernel).toBe(runKernel);
  });

  it('times kernels by name, exclusive of kernels nested inside', async () => {
    const a = tf.randomNormal([64, 64]);
    const { kernelTimes } = await countRoundTrips(
      () => {
        for (let i = 0; i < 3; i++) tf.dispose(tf.relu(tf.matMul(a, a)));
      },
      { timeKernels: true },
    );
    a.dispose();
    const names = kernelTimes.map((t) => t.kernel).sort();
    expect(names).toEqual(['BatchMatMul', 'Relu']);
    for (const t of kernelTimes) {
      expect(t.calls).toBe(3);
      expect(t.ms).toBeGreaterThanOrEqual(0);
    }
  });
});
