import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AdamW, BERT_ADAMW, clipByGlobalNorm, usesWeightDecay } from './adamw.ts';
import { learningRateAt } from './schedule.ts';

describe('AdamW (BERT AdamWeightDecayOptimizer)', () => {
  it('matches the update rule written out in plain JS, with decay only on non-LayerNorm, non-bias weights', async () => {
    const opt = new AdamW();
    const w = tf.variable(tf.tensor1d([1, -2]));
    const b = tf.variable(tf.tensor1d([0.5]));
    const params = { 'encoder.dense.weight': w, 'encoder.dense.bias': b };
    const steps = [
      { gw: [0.1, -0.3], gb: [2], lr: 0.01 },
      { gw: [-0.2, 0.05], gb: [-1], lr: 0.005 },
    ];
    // reference
    let rw = [1, -2],
      rb = [0.5];
    let mw = [0, 0],
      vw = [0, 0],
      mb = [0],
      vb = [0];
    const { beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd } = BERT_ADAMW;
    for (const s of steps) {
      mw = mw.map((m, i) => b1 * m + (1 - b1) * s.gw[i]);
      vw = vw.map((v, i) => b2 * v + (1 - b2) * s.gw[i] ** 2);
      rw = rw.map((x, i) => x - s.lr * (mw[i] / (Math.sqrt(vw[i]) + eps) + wd * x));
      mb = mb.map((m, i) => b1 * m + (1 - b1) * s.gb[i]);
      vb = vb.map((v, i) => b2 * v + (1 - b2) * s.gb[i] ** 2);
      rb = rb.map((x, i) => x - s.lr * (mb[i] / (Math.sqrt(vb[i]) + eps)));
      const gw = tf.tensor1d(s.gw),
        gb = tf.tensor1d(s.gb);
      opt.apply(params, { 'encoder.dense.weight': gw, 'encoder.dense.bias': gb }, s.lr);
      tf.dispose([gw, gb]);
    }
    const got = w.dataSync();
    expect(got[0]).toBeCloseTo(rw[0], 6);
    expect(got[1]).toBeCloseTo(rw[1], 6);
    expect(b.dataSync()[0]).toBeCloseTo(rb[0], 6);
    expect(usesWeightDecay('bert.embeddings.LayerNorm.weight', BERT_ADAMW)).toBe(false);
    expect(usesWeightDecay('cls.predictions.bias', BERT_ADAMW)).toBe(false);
    expect(usesWeightDecay('bert.embeddings.word_embeddings.weight', BERT_ADAMW)).toBe(true);

    // state round trip: a restored optimiser continues identically
    const state = await opt.getState();
    const opt2 = new AdamW();
    opt2.setState(state);
    const w2 = tf.variable(w.clone());
    const g = tf.tensor1d([0.3, 0.3]);
    opt.apply({ 'encoder.dense.weight': w }, { 'encoder.dense.weight': g }, 0.01);
    opt2.apply({ 'encoder.dense.weight': w2 }, { 'encoder.dense.weight': g }, 0.01);
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
    opt.dispose();
    opt2.dispose();
    tf.dispose([w, b, w2, g]);
  });

  it('clips by global norm like tf.clip_by_global_norm', () => {
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor1d([4]);
    const { clipped, norm } = clipByGlobalNorm({ a, b }, 1);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 6);
    expect(Array.from(clipped.a.dataSync())).toEqual([expect.closeTo(0.6, 6), 0]);
    expect(clipped.b.dataSync()[0]).toBeCloseTo(0.8, 6);
    const small = clipByGlobalNorm({ a: tf.tensor1d([0.3]) }, 1);
    expect(small.clipped.a.dataSync()[0]).toBeCloseTo(0.3, 6);
  });
});

describe('learning-rate schedule', () => {
  it('warms up linearly then decays linearly to 0, as BERT', () => {
    const cfg = { learningRate: 1e-4, numWarmupSteps: 10, numTrainSteps: 100 };
    expect(learningRateAt(0, cfg)).toBe(0);
    expect(learningRateAt(5, cfg)).toBeCloseTo(5e-5, 12);
    expect(learningRateAt(10, cfg)).toBeCloseTo(1e-4 * 0.9, 12);
    expect(learningRateAt(55, cfg)).toBeCloseTo(1e-4 * 0.45, 12);
    expect(learningRateAt(100, cfg)).toBe(0);
    expect(learningRateAt(150, cfg)).toBe(0);
    expect(learningRateAt(0, { ...cfg, numWarmupSteps: 0 })).toBe(1e-4);
  });
});
