import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/core/backend/useBackend.ts';
import { describe, expect, it } from 'vitest';
import { benchMatmul } from './matmulBench.ts';

describe('benchMatmul (smoke run on the cpu backend; not a timing test)', () => {
  it('reports a positive GFLOP/s from real products and frees its tensors', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const r = await benchMatmul('cpu', 64, 0.05);
    expect(r.backend).toBe('cpu');
    expect(r.n).toBe(64);
    expect(r.reps).toBeGreaterThanOrEqual(2);
    expect(r.gflops).toBeGreaterThan(0);
    expect(r.gflops).toBeCloseTo((2 * 64 ** 3 * r.reps) / r.seconds / 1e9, 6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the backend when it cannot start', async () => {
    await expect(benchMatmul('no-such-backend', 8)).rejects.toThrow(/no-such-backend/);
  });
});
