/**
 * The numbers that show two ways of computing agree (tfjs-wasm on one thread or two,
 * its own matmul or the native one): the encoder's output on a fixed batch, then one
 * AdamW step of the seed loss from fixed weights.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { bertMaskedLm } from '../core/distill/batch.ts';
import { distillTask } from '../core/distill/distillTask.ts';
import { LOSS_PRESETS } from '../core/distill/loss.ts';
import { bertEncoder } from '../core/model/bert.ts';
import type { BertConfig } from '../core/model/config.ts';
import { Rng } from '../core/random/rng.ts';
import { AdamW } from '../core/run/adamw.ts';
import { optimiserStep } from '../core/run/trainStep.ts';
import { tinyDistillItems } from './distillItems.ts';
import { randomIds, randomWeights } from './tinyBert.ts';

export interface ModelNumbers {
  encoder: Float32Array;
  loss: number;
  gradNorm: number;
  weightsAfterStep: Record<string, Float32Array>;
}

/** `name` keeps the variables of one call apart from another's (tfjs variable names are global). */
export async function modelNumbers(cfg: BertConfig, name: string, batchSize = 4, seq = 48): Promise<ModelNumbers> {
  const weights = randomWeights(cfg, { pooler: false, mlmHead: true }, 3, 0.1);
  const rng = new Rng(8);
  const inputs = {
    inputIds: tf.tensor2d(randomIds(rng, batchSize, seq, cfg.vocab_size), undefined, 'int32'),
    tokenTypeIds: tf.zeros([batchSize, seq], 'int32') as tf.Tensor2D,
    attentionMask: tf.ones([batchSize, seq], 'int32') as tf.Tensor2D,
  };
  const encoderOut = bertEncoder(weights, cfg, inputs);
  const encoder = (await encoderOut.data()) as Float32Array;
  tf.dispose([encoderOut, ...Object.values(inputs)]);

  const vars = Object.fromEntries(Object.entries(weights).map(([n, t]) => [n, tf.variable(t, true, `${name}/${n}`)]));
  tf.dispose(Object.values(weights));
  const task = distillTask(bertMaskedLm(cfg), LOSS_PRESETS.seed);
  const batch = task.prepare(await tinyDistillItems(8, 4, cfg));
  const opt = new AdamW();
  const step = await optimiserStep(vars, opt, [batch], () => ({ training: false }), 1e-2, 1);
  batch.dispose();
  const weightsAfterStep: Record<string, Float32Array> = {};
  for (const [n, v] of Object.entries(vars)) weightsAfterStep[n] = (await v.data()) as Float32Array;
  opt.dispose();
  tf.dispose(Object.values(vars));
  return { encoder, loss: step.total, gradNorm: step.gradNorm, weightsAfterStep };
}

/** The largest absolute difference between two arrays of the same length. */
export function worstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** The largest differences two sets of numbers may have: absolute for the encoder and weights, relative for loss and gradient norm. */
export interface NumbersTolerance {
  encoder: number;
  loss: number;
  gradNorm: number;
  weight: number;
}

/** Asserts (vitest) that `actual` is `expected` within `tol`, naming the worst weight when one is off. */
export function expectSameNumbers(actual: ModelNumbers, expected: ModelNumbers, tol: NumbersTolerance): void {
  expect(actual.loss).toBeGreaterThan(0);
  expect(worstDifference(actual.encoder, expected.encoder), 'encoder').toBeLessThan(tol.encoder);
  expect(Math.abs(actual.loss - expected.loss) / expected.loss, 'loss').toBeLessThan(tol.loss);
  expect(Math.abs(actual.gradNorm - expected.gradNorm) / expected.gradNorm, 'gradient norm').toBeLessThan(tol.gradNorm);
  for (const [name, w] of Object.entries(expected.weightsAfterStep)) {
    expect(worstDifference(actual.weightsAfterStep[name], w), name).toBeLessThan(tol.weight);
  }
}
