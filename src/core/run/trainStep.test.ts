import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_MLM_CONFIG, tinyDistillItems } from '../../testing/distillItems.ts';
import { countRoundTrips } from '../backend/roundTrips.ts';
import { useBackend } from '../backend/useBackend.ts';
import { bertMaskedLm, toBatchTensors, type TrainItem } from '../distill/batch.ts';
import { distillTask } from '../distill/distillTask.ts';
import { LOSS_PRESETS } from '../distill/loss.ts';
import { initWeights } from '../model/init.ts';
import { AdamW, clipByGlobalNorm } from './adamw.ts';
import { optimiserStep } from './trainStep.ts';

const cfg = TINY_MLM_CONFIG;
const task = distillTask(bertMaskedLm(cfg), LOSS_PRESETS.seed);

let made = 0;
function variables(seed: number): Record<string, tf.Variable> {
  const id = made++;
  const w = initWeights(cfg, { pooler: false, mlmHead: true }, seed);
  return Object.fromEntries(
    Object.entries(w).map(([n, t]) => {
      const v = tf.variable(t, true, `trainStepTest${id}/${n}`);
      t.dispose();
      return [n, v];
    }),
  );
}

/** The step written out the long way: mean gradient, clipped copies, AdamW on them, every number read on its own. */
async function referenceStep(
  vars: Record<string, tf.Variable>,
  opt: AdamW,
  micro: TrainItem[][],
  lr: number,
  clipNorm: number,
) {
  const names = new Map(Object.entries(vars).map(([n, v]) => [v.name, n]));
  const sums: Record<string, tf.Tensor> = {};
  const totals: number[] = [];
  const parts: Record<string, number>[] = [];
  for (const items of micro) {
    const batch = task.prepare(items);
    let kept: Record<string, tf.Scalar> = {};
    const { value, grads } = tf.variableGrads(() => {
      const out = batch.loss(vars, { training: false });
      kept = Object.fromEntries(Object.entries(out.components).map(([k, v]) => [k, tf.keep(v)]));
      return out.total;
    }, Object.values(vars));
    totals.push(value.dataSync()[0]);
    parts.push(Object.fromEntries(Object.entries(kept).map(([k, v]) => [k, v.dataSync()[0]])));
    tf.dispose([value, ...Object.values(kept)]);
    for (const [vn, g] of Object.entries(grads)) {
      const n = names.get(vn)!;
      if (sums[n]) {
        const s = tf.add(sums[n], g);
        tf.dispose([sums[n], g]);
        sums[n] = s;
      } else sums[n] = g;
    }
    batch.dispose();
  }
  const mean = Object.fromEntries(Object.entries(sums).map(([n, g]) => [n, tf.div(g, micro.length)]));
  const { clipped, norm } = clipByGlobalNorm(mean, clipNorm);
  const gradNorm = norm.dataSync()[0];
  opt.apply(vars, clipped, lr);
  tf.dispose([...Object.values(sums), ...Object.values(mean), ...Object.values(clipped), norm]);
  const total = totals.reduce((a, b) => a + b, 0) / micro.length;
  const ce = parts.reduce((a, p) => a + p.ce, 0) / micro.length;
  return { total, ce, gradNorm };
}

describe('optimiserStep', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('equals the long way (mean gradient, clipped copies, AdamW), with the clip and 1/A folded into one scale', async () => {
    const items = await tinyDistillItems(8, 3);
    const micro = [items.slice(0, 4), items.slice(4, 8)];
    const a = variables(1);
    const b = variables(1);
    const optA = new AdamW();
    const optB = new AdamW();
    // a small clip norm so that clipping really scales the gradients
    for (const [lr, clip] of [
      [1e-2, 0.05],
      [5e-3, 100],
      [1e-2, 0.05],
    ]) {
      const ref = await referenceStep(a, optA, micro, lr, clip);
      const batches = micro.map((m) => task.prepare(m));
      const got = await optimiserStep(b, optB, batches, () => ({ training: false }), lr, clip);
      for (const x of batches) x.dispose();
      expect(got.finite).toBe(true);
      expect(got.total).toBeCloseTo(ref.total, 5);
      expect(got.components.ce).toBeCloseTo(ref.ce, 5);
      expect(got.gradNorm).toBeCloseTo(ref.gradNorm, 5);
    }
    for (const n of Object.keys(a)) {
      const da = a[n].dataSync();
      const db = b[n].dataSync();
      let worst = 0;
      for (let i = 0; i < da.length; i++) worst = Math.max(worst, Math.abs(da[i] - db[i]));
      expect(worst, n).toBeLessThan(1e-6);
    }
    optA.dispose();
    optB.dispose();
    tf.dispose([...Object.values(a), ...Object.values(b)]);
  });

  it('reads back once per step and uploads nothing per step but the batch and scalars', async () => {
    const items = await tinyDistillItems(8, 4);
    const vars = variables(2);
    const opt = new AdamW();
    const step = async (m: TrainItem[][]) => {
      const batches = m.map((x) => task.prepare(x));
      try {
        return await optimiserStep(vars, opt, batches, () => ({ training: false }), 1e-3, 1);
      } finally {
        for (const x of batches) x.dispose();
      }
    };
    await step([items.slice(0, 4)]); // the first update creates AdamW's slots
    for (const micro of [[items.slice(4, 8)], [items.slice(0, 4), items.slice(4, 8)]]) {
      const { counts } = await countRoundTrips(() => step(micro));
      expect(counts.reads).toBe(1);
      // the batch tensors themselves, made on the CPU
      const batchBytes = micro.reduce((sum, m) => {
        const t = toBatchTensors(m, true);
        const bytes = Object.values(t).reduce((a, x) => a + (x ? x.size * 4 : 0), 0);
        tf.dispose(Object.values(t).filter((x): x is tf.Tensor => x !== undefined));
        return sum + bytes;
      }, 0);
      const batchTensors = 8 * micro.length;
      // everything else uploaded is a 4-byte scalar (the learning rate, constants of the model's formulas)
      expect(counts.bytesUploaded - batchBytes).toBe(4 * (counts.uploads - batchTensors));
    }
    opt.dispose();
    tf.dispose(Object.values(vars));
  });
});
