import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { tinyConfig } from '../../testing/tinyBert.ts';
import { initKind, initWeights } from './init.ts';
import { expectedShapes } from './weights.ts';

describe('initWeights', () => {
  const cfg = tinyConfig({ vocab_size: 300, hidden_size: 32, intermediate_size: 64, initializer_range: 0.05 });
  const parts = { pooler: true, mlmHead: true };

  it('creates every expected tensor with its shape and BERT init', () => {
    const w = initWeights(cfg, parts, 1);
    const shapes = expectedShapes(cfg, parts);
    expect(Object.keys(w).sort()).toEqual([...shapes.keys()].sort());
    for (const [name, shape] of shapes) {
      expect(w[name].shape, name).toEqual(shape);
      const v = Array.from(w[name].dataSync());
      const kind = initKind(name);
      if (kind === 'ones')
        expect(
          v.every((x) => x === 1),
          name,
        ).toBe(true);
      if (kind === 'zeros')
        expect(
          v.every((x) => x === 0),
          name,
        ).toBe(true);
      if (kind === 'normal') {
        // Truncated at 2 stddev; the sample std of a normal truncated at ±2σ is ≈ 0.88σ.
        expect(
          v.every((x) => Math.abs(x) <= 2 * cfg.initializer_range + 1e-7),
          name,
        ).toBe(true);
        if (v.length >= 1000) {
          const mean = v.reduce((a, b) => a + b, 0) / v.length;
          const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
          expect(Math.abs(mean), name).toBeLessThan(0.1 * cfg.initializer_range);
          expect(std / cfg.initializer_range, name).toBeGreaterThan(0.8);
          expect(std / cfg.initializer_range, name).toBeLessThan(0.96);
        }
      }
    }
    expect(initKind('cls.predictions.bias')).toBe('zeros');
    expect(initKind('bert.embeddings.word_embeddings.weight')).toBe('normal');
    tf.dispose(Object.values(w));
  });

  it('is seeded: same seed same weights, other seed other weights, tensors differ from each other', () => {
    const a = initWeights(cfg, parts, 5);
    const b = initWeights(cfg, parts, 5);
    const c = initWeights(cfg, parts, 6);
    const q0 = 'bert.encoder.layer.0.attention.self.query.weight';
    const k0 = 'bert.encoder.layer.0.attention.self.key.weight';
    expect(Array.from(a[q0].dataSync())).toEqual(Array.from(b[q0].dataSync()));
    expect(Array.from(a[q0].dataSync())).not.toEqual(Array.from(c[q0].dataSync()));
    expect(Array.from(a[q0].dataSync())).not.toEqual(Array.from(a[k0].dataSync()));
    // Leaving out a part does not change the others.
    const d = initWeights(cfg, { pooler: false, mlmHead: false }, 5);
    expect(Array.from(d[q0].dataSync())).toEqual(Array.from(a[q0].dataSync()));
    expect(d['bert.pooler.dense.weight']).toBeUndefined();
    tf.dispose([...Object.values(a), ...Object.values(b), ...Object.values(c), ...Object.values(d)]);
  });
});
