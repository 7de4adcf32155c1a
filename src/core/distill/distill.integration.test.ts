/**
 * The whole chain on a small scale: train a tiny teacher with plain MLM,
 * compute and cache its top-k outputs, distil a fresh student with the seed's
 * loss; the losses fall and the student's agreement with the teacher rises.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseBertConfig } from '../model/config.ts';
import { initWeights } from '../model/init.ts';
import { studentFromConfig } from '../model/student.ts';
import { MemoryStore } from '../storage/keyValueStore.ts';
import { bertMaskedLm } from './batch.ts';
import { LOSS_PRESETS } from './loss.ts';
import { syntheticExamples } from '../../testing/syntheticExamples.ts';
import { fillTeacherCache, TeacherCache } from './teacherCache.ts';
import { computeTeacherOutputs } from './teacherOutputs.ts';
import { inMemoryTrainingSet } from '../run/task.ts';
import { Trainer } from '../run/trainer.ts';
import { distillTask } from './distillTask.ts';

const V = 24;
const teacherCfg = parseBertConfig({
  vocab_size: V,
  hidden_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 64,
  max_position_embeddings: 16,
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
});
const studentCfg = { ...teacherCfg, hidden_size: 16, intermediate_size: 32 };
const parts = { pooler: false, mlmHead: true };
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('distillation end to end (tiny)', () => {
  it('a trained teacher, its cached top-k, and a student whose losses fall and teacher agreement rises', async () => {
    const tensorsAtStart = tf.memory().numTensors;
    const examples = syntheticExamples({
      count: 96,
      vocabSize: V,
      maxSeqLength: 12,
      maxPredictionsPerSeq: 3,
      seed: 11,
    });
    const train = examples.slice(0, 80);
    const heldOut = examples.slice(80);

    // 1. a teacher from plain MLM training (alpha_mlm alone)
    const teacherTrainer = new Trainer({
      task: distillTask(bertMaskedLm(teacherCfg), LOSS_PRESETS.mlm),
      weights: initWeights(teacherCfg, parts, 1),
      config: {
        schedule: { learningRate: 1e-2, numWarmupSteps: 4, numTrainSteps: 40 },
        batchSize: 16,
        seed: 3,
      },
      data: inMemoryTrainingSet(train.map((example) => ({ example }))),
    });
    const mlmLosses: number[] = [];
    while (!teacherTrainer.done) mlmLosses.push((await teacherTrainer.step()).total);
    expect(mean(mlmLosses.slice(-10))).toBeLessThan(mean(mlmLosses.slice(0, 10)));
    const teacher = teacherTrainer.weights;

    // 2. teacher outputs through the resumable cache
    const k = 8;
    const store = new MemoryStore();
    const cache = await TeacherCache.open(
      store,
      { teacherFingerprint: 'tiny-teacher', exampleSetId: 'synthetic-96', k },
      {
        numExamples: examples.length,
        batchSize: 32,
        slots: 3,
        vocabSize: V,
      },
    );
    await fillTeacherCache(cache, {
      examples: (s, e) => examples.slice(s, e),
      compute: (exs) => computeTeacherOutputs(bertMaskedLm(teacherCfg), teacher, exs, k),
    });
    const items = await Promise.all(
      examples.map(async (example, i) => ({ example, teacher: await cache.getExample(i) })),
    );

    // 3. distil a fresh, smaller student with the seed's loss
    const student = studentFromConfig(studentCfg, parts, 2);
    const t = new Trainer({
      task: distillTask(bertMaskedLm(studentCfg), LOSS_PRESETS.seed),
      weights: student.weights,
      config: {
        schedule: { learningRate: 1e-2, numWarmupSteps: 3, numTrainSteps: 30 },
        batchSize: 16,
        seed: 4,
      },
      data: inMemoryTrainingSet(items.slice(0, 80)),
    });
    const held = inMemoryTrainingSet(items.slice(80));
    const before = await t.evaluate(held);
    const losses: number[] = [];
    const ce: number[] = [];
    while (!t.done) {
      const m = await t.step();
      losses.push(m.total);
      ce.push(m.components.ce!);
    }
    const after = await t.evaluate(held);
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)));
    expect(mean(ce.slice(-10))).toBeLessThan(mean(ce.slice(0, 10)));
    expect(after.loss).toBeLessThan(before.loss);
    expect(after.teacherTop1Agreement).toBeGreaterThan(before.teacherTop1Agreement);
    expect(after.teacherTop1Agreement).toBeGreaterThan(0.3);
    expect(after.top5Overlap).toBeGreaterThan(before.top5Overlap);
    console.log(
      `teacher MLM loss ${mean(mlmLosses.slice(0, 10)).toFixed(3)} → ${mean(mlmLosses.slice(-10)).toFixed(3)}; ` +
        `student held-out loss ${before.loss.toFixed(3)} → ${after.loss.toFixed(3)}, ` +
        `teacher top-1 agreement ${before.teacherTop1Agreement.toFixed(3)} → ${after.teacherTop1Agreement.toFixed(3)}, ` +
        `top-5 overlap ${before.top5Overlap.toFixed(3)} → ${after.top5Overlap.toFixed(3)}, ` +
        `gold accuracy ${before.goldAccuracy.toFixed(3)} → ${after.goldAccuracy.toFixed(3)}`,
    );
    void heldOut;
    t.dispose();
    teacherTrainer.dispose();
    expect(tf.memory().numTensors).toBe(tensorsAtStart);
  });
});
