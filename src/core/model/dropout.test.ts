import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../backend/useBackend.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../cli/nodeBackend.ts';
import { Rng } from '../random/rng.ts';
import { DropoutTables } from './dropout.ts';

function maskValues(seed: number, shape: number[], rate: number, draws = 1): Float32Array[] {
  return tf.tidy(() => {
    const tables = new DropoutTables(new Rng(seed));
    return Array.from({ length: draws }, () => tables.mask(shape, rate).dataSync() as Float32Array);
  });
}

describe('device-side dropout masks', () => {
  // Importing the wasm helper registers wasm as the preferred backend; start on cpu.
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('drop about `rate` of the elements and keep the mean at 1', () => {
    for (const rate of [0.1, 0.5]) {
      const [m] = maskValues(1, [64, 12, 96], rate);
      const n = m.length;
      const dropped = m.filter((v) => v === 0).length;
      expect(m.every((v) => v === 0 || Math.abs(v - 1 / (1 - rate)) < 1e-6)).toBe(true);
      // Binomial standard deviation √(n·p·(1−p)) ≈ 0.002·n at this size; allow 5σ.
      const sigma = Math.sqrt(n * rate * (1 - rate));
      expect(Math.abs(dropped - n * rate)).toBeLessThan(5 * sigma);
    }
  });

  it('has no correlation between neighbours, rows, or successive masks', () => {
    const [a, b] = maskValues(2, [256, 128], 0.5, 2);
    const corr = (x: ArrayLike<number>, y: ArrayLike<number>) => {
      let sx = 0,
        sy = 0,
        sxy = 0,
        sxx = 0,
        syy = 0;
      for (let i = 0; i < x.length; i++) {
        sx += x[i];
        sy += y[i];
        sxy += x[i] * y[i];
        sxx += x[i] * x[i];
        syy += y[i] * y[i];
      }
      const n = x.length;
      return (sxy / n - (sx / n) * (sy / n)) / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2));
    };
    const n = a.length;
    const bound = 5 / Math.sqrt(n); // 5σ for independent samples
    expect(Math.abs(corr(a.subarray(0, n - 1), a.subarray(1)))).toBeLessThan(bound); // neighbours
    expect(Math.abs(corr(a.subarray(0, n - 128), a.subarray(128)))).toBeLessThan(bound); // next row
    expect(Math.abs(corr(a, b))).toBeLessThan(bound); // two sites of one pass
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const [a] = maskValues(3, [10, 33], 0.3);
    const [b] = maskValues(3, [10, 33], 0.3);
    const [c] = maskValues(4, [10, 33], 0.3);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('computes the same mask on the device and in JavaScript', () => {
    for (const [shape, rate] of [
      [[5, 3, 40], 0.1],
      [[3, 30000], 0.25],
      [[700, 130], 0.5],
    ] as [number[], number][]) {
      const [host, device] = tf.tidy(() => {
        const r1 = new DropoutTables(new Rng(8));
        const r2 = new DropoutTables(new Rng(8));
        const out = [r1.mask(shape, rate, 'host').dataSync(), r2.mask(shape, rate, 'device').dataSync()];
        r1.dispose();
        r2.dispose();
        return out;
      });
      expect(Array.from(device), `shape [${shape}]`).toEqual(Array.from(host));
    }
  });

  it('leaks nothing on either path once disposed', () => {
    const before = tf.memory().numTensors;
    const tables = new DropoutTables(new Rng(9));
    const x = tf.ones([4, 8]);
    for (const path of ['device', 'host'] as const) tf.dispose(tf.tidy(() => tables.mask([4, 8], 0.2, path)));
    tf.dispose(tf.tidy(() => tables.apply(x, 0.3)));
    tables.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('passes gradients through the kept elements, also when the tables are freed before the backward pass', () => {
    for (const path of ['device', 'host'] as const) {
      const x = tf.randomNormal([6, 40]);
      let mask: Float32Array | undefined;
      const g = tf.grad((input: tf.Tensor) => {
        const tables = new DropoutTables(new Rng(10));
        const y = tables.apply(input, 0.5, path);
        const again = new DropoutTables(new Rng(10));
        mask = tf.tidy(() => again.mask(input.shape, 0.5, path).dataSync() as Float32Array);
        again.dispose();
        tables.dispose();
        return tf.sum(y);
      })(x);
      expect(Array.from(g.dataSync()), path).toEqual(Array.from(mask!));
      tf.dispose([x, g]);
    }
  });

  it('rejects a rate outside [0, 1)', () => {
    const tables = new DropoutTables(new Rng(1));
    expect(() => tables.mask([2, 2], 1)).toThrow(/rate must be in \[0, 1\), got 1/);
    expect(() => tables.mask([2, 2], -0.1)).toThrow(/got -0.1/);
    tables.dispose();
  });

  it('gives bit-identical masks on cpu and wasm', async () => {
    await useBackend('cpu');
    const [onCpu] = maskValues(5, [3, 7, 50], 0.1);
    const problem = await useWasmBackend();
    if (problem) {
      console.warn(`[dropout.test] skipping the wasm comparison: ${problem}`);
      return;
    }
    const [onWasm] = maskValues(5, [3, 7, 50], 0.1);
    await useBackend('cpu');
    expect(Array.from(onWasm)).toEqual(Array.from(onCpu));
  });
});
