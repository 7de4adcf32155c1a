import * as tf from '@tensorflow/tfjs';
import { wilsonInterval } from './binomialInterval.ts';
import { describe, expect, it } from 'vitest';
import { parseBertConfig } from '../model/config.ts';
import { initWeights } from '../model/init.ts';
import { MemoryStore } from '../storage/keyValueStore.ts';
import { bertMaskedLm, type MaskedLmFn } from '../distill/batch.ts';
import { distillTask } from '../distill/distillTask.ts';
import { LOSS_PRESETS } from '../distill/loss.ts';
import { TINY_MLM_CONFIG, tinyDistillItems } from '../../testing/distillItems.ts';
import { inMemoryTrainingSet } from './task.ts';
import { Trainer, TrainingHaltedError, type TrainerConfig } from './trainer.ts';

const cfg = TINY_MLM_CONFIG;
const parts = { pooler: false, mlmHead: true };
const model = bertMaskedLm(cfg);
const makeItems = tinyDistillItems;

const task = distillTask(model, LOSS_PRESETS.seed);
const trainerConfig: TrainerConfig = {
  schedule: { learningRate: 1e-3, numWarmupSteps: 2, numTrainSteps: 20 },
  batchSize: 4,
  gradientAccumulationSteps: 2,
  seed: 7,
};

describe('Trainer', () => {
  it('resuming from a checkpoint in a fresh trainer reproduces the uninterrupted loss curve', async () => {
    const items = await makeItems(10, 1); // 10 examples, batch 4: epochs wrap mid-step
    const data = inMemoryTrainingSet(items);
    const straight = new Trainer({ task, weights: initWeights(cfg, parts, 5), config: trainerConfig, data });
    const a: number[] = [];
    for (let i = 0; i < 6; i++) a.push((await straight.step()).total);
    straight.dispose();

    const store = new MemoryStore();
    const first = new Trainer({
      task,
      weights: initWeights(cfg, parts, 5),
      config: trainerConfig,
      data,
      store,
      storePrefix: 'run1/',
    });
    const b: number[] = [];
    for (let i = 0; i < 3; i++) b.push((await first.step()).total);
    await first.saveCheckpoint();
    await first.step(); // progress after the checkpoint is lost, as in a crash
    first.dispose();
    // a fresh trainer with different initial weights: restore replaces them
    const second = new Trainer({
      task,
      weights: initWeights(cfg, parts, 6),
      config: trainerConfig,
      data,
      store,
      storePrefix: 'run1/',
    });
    expect(await second.restore()).toBe(true);
    expect(second.currentStep).toBe(3);
    expect(second.history.length).toBe(3);
    for (let i = 0; i < 3; i++) b.push((await second.step()).total);
    second.dispose();
    expect(b.length).toBe(6);
    for (let i = 0; i < 6; i++) expect(Math.abs(b[i] - a[i])).toBeLessThan(1e-5);
    // dropout is on: an evaluation (no dropout) of the same weights differs from the training loss
    expect(new Set(a).size).toBe(6);
  });

  it('leaks no tensors per step, reports every metric, and evaluates', async () => {
    const items = await makeItems(8, 2);
    const t = new Trainer({
      task: distillTask(model, { ...LOSS_PRESETS.seed, alphaMlm: 1, alphaKl: 0.5, alphaMissingMass: 0.5 }),
      weights: initWeights(cfg, parts, 5),
      config: trainerConfig,
      data: inMemoryTrainingSet(items),
    });
    await t.step();
    await t.step();
    const before = tf.memory().numTensors;
    let m = await t.step();
    for (let i = 0; i < 3; i++) m = await t.step();
    expect(tf.memory().numTensors).toBe(before);
    expect(m.step).toBe(6);
    expect(Object.keys(m.components).sort()).toEqual(['ce', 'cos', 'kl', 'missingMass', 'mlm']);
    for (const v of [m.total, m.lr, m.gradNorm, m.examplesPerSec, m.tokensPerSec])
      expect(Number.isFinite(v)).toBe(true);
    expect(m.lr).toBeCloseTo(1e-3 * (1 - 5 / 20), 10);
    const e = await t.evaluate(inMemoryTrainingSet(items.slice(0, 5)), 2);
    expect(tf.memory().numTensors).toBe(before + 0);
    expect(e.goldAccuracy).toBeGreaterThanOrEqual(0);
    expect(e.goldAccuracy).toBeLessThanOrEqual(1);
    expect(e.teacherTop1Agreement).toBeGreaterThanOrEqual(0);
    expect(e.top5Overlap).toBeLessThanOrEqual(1);
    expect(Number.isFinite(e.loss)).toBe(true);
    t.dispose();
  });

  it('evaluation metrics count what they say (a model that predicts the gold token)', async () => {
    const items = await makeItems(4, 3);
    // logits = 10 · one-hot(gold) + a trainable zero: argmax is always the gold id
    const oracle: MaskedLmFn = (w, batch) =>
      tf.tidy(() => tf.add(tf.mul(tf.oneHot(batch.goldIds, 30), 10), w.bias) as tf.Tensor3D);
    const t = new Trainer({
      task: distillTask(oracle, LOSS_PRESETS.seed),
      weights: { bias: tf.zeros([30]) },
      config: trainerConfig,
      data: inMemoryTrainingSet(items),
    });
    const e = await t.evaluate(inMemoryTrainingSet(items));
    expect(e.goldAccuracy).toBe(1);
    // agreement with the teacher = how often the (random) teacher's top-1 is the gold id
    let agree = 0,
      real = 0;
    for (const it of items) {
      for (let s = 0; s < 3; s++) {
        if (!it.example.maskedLmWeights[s]) continue;
        real++;
        if (it.teacher!.ids[s * 6] === it.example.maskedLmIds[s]) agree++;
      }
    }
    expect(e.teacherTop1Agreement).toBeCloseTo(agree / real, 10);
    // each rate comes with its size and its 95% interval over the same counts
    expect(e.positions).toBe(real);
    expect(e.examples).toBe(4);
    expect(e.teacherAgreementInterval).toEqual(wilsonInterval(agree, real));
    expect(e.goldAccuracyInterval).toEqual(wilsonInterval(real, real));
    expect(e.goldAccuracyInterval!.high).toBe(1);
    expect(e.goldAccuracyInterval!.low).toBeLessThan(1);
    t.dispose();
  });

  it('a NaN loss stops the run cleanly: no update, the good checkpoint kept, a clear message', async () => {
    const items = await makeItems(8, 4);
    let poison = false;
    const flaky: MaskedLmFn = (w, batch, opts) => {
      const logits = model(w, batch, opts);
      if (!poison) return logits;
      return tf.tidy(() => tf.mul(logits, NaN) as tf.Tensor3D);
    };
    const store = new MemoryStore();
    const t = new Trainer({
      task: distillTask(flaky, LOSS_PRESETS.seed),
      weights: initWeights(cfg, parts, 5),
      config: trainerConfig,
      data: inMemoryTrainingSet(items),
      store,
    });
    await t.step();
    await t.step();
    await t.saveCheckpoint(); // checkpoint at step 2
    await t.step();
    const name = 'bert.encoder.layer.0.output.dense.weight';
    const before = Array.from(t.weights[name].dataSync());
    const tensorsBefore = tf.memory().numTensors;
    poison = true;
    const err = await t.step().catch((e) => e);
    expect(err).toBeInstanceOf(TrainingHaltedError);
    expect(err.message).toMatch(
      /training stopped at step 4: the loss is NaN .* no update was applied and nothing was saved; the last good checkpoint \(step 2\) is kept/,
    );
    expect(Array.from(t.weights[name].dataSync())).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    await expect(t.step()).rejects.toThrow(/training stopped at step 4/);
    await expect(t.saveCheckpoint()).rejects.toThrow(/not saving/);
    expect(await store.get('checkpoint/latest')).toEqual({ step: 2, tag: 'step-2' });
    t.dispose();
  });

  it('rejects a batch size that the accumulation does not divide, and a checkpoint of another shape', async () => {
    const items = await makeItems(4, 5);
    expect(
      () =>
        new Trainer({
          task,
          weights: {},
          config: { ...trainerConfig, batchSize: 5 },
          data: inMemoryTrainingSet(items),
        }),
    ).toThrow(/batch size 5 is not a multiple of gradient_accumulation_steps 2/);
    const store = new MemoryStore();
    const t = new Trainer({
      task,
      weights: initWeights(cfg, parts, 5),
      config: trainerConfig,
      data: inMemoryTrainingSet(items),
      store,
    });
    await t.saveCheckpoint();
    t.dispose();
    const bigger = parseBertConfig({ ...cfg, hidden_size: 32, intermediate_size: 32 });
    const u = new Trainer({
      task,
      weights: initWeights(bigger, parts, 5),
      config: trainerConfig,
      data: inMemoryTrainingSet(items),
      store,
    });
    await expect(u.restore()).rejects.toThrow(
      /checkpoint step-0: tensor "bert\.[\w.]+" has shape \[(30,)?16\], this model's is \[(30,)?32\]/,
    );
    u.dispose();
  });
});
