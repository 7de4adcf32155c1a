/**
 * Large square matmul throughput (GFLOP/s) on the current tfjs backend: the
 * yardstick every model figure is divided by ("model FLOPs utilisation").
 * No node: imports: the same file runs in Node and in the bench page.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/core/backend/useBackend.ts';

export interface MatmulResult {
  backend: string;
  n: number;
  reps: number;
  seconds: number;
  gflops: number;
}

/**
 * Times `reps` n×n·n×n float32 matmuls after one warm-up, reading the result
 * back each time so lazy backends (webgl, webgpu) really finish the work.
 * Reps are chosen so the timed part lasts about `targetSeconds`.
 */
export async function benchMatmul(backend: string, n = 1024, targetSeconds = 2): Promise<MatmulResult> {
  if (tf.getBackend() !== backend) await useBackend(backend, { who: 'matmul bench' });
  await tf.ready();
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  const once = async (): Promise<void> => {
    const c = tf.matMul(a, b);
    // Reading one slice back forces completion without timing a full download.
    const s = tf.slice(c, [0, 0], [1, 1]);
    await s.data();
    s.dispose();
    c.dispose();
  };
  try {
    const w0 = performance.now();
    await once(); // warm-up: shader compilation, weight upload
    const warm = (performance.now() - w0) / 1000;
    await once();
    const probe0 = performance.now();
    await once();
    const one = Math.max((performance.now() - probe0) / 1000, 1e-4);
    const reps = Math.max(2, Math.min(50, Math.round(targetSeconds / one)));
    void warm;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await once();
    const seconds = (performance.now() - t0) / 1000;
    const gflops = (2 * n * n * n * reps) / seconds / 1e9;
    return { backend, n, reps, seconds, gflops };
  } finally {
    a.dispose();
    b.dispose();
  }
}
