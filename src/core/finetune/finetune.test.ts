import * as tf from '@tensorflow/tfjs';
import { wilsonInterval } from '../run/binomialInterval.ts';
import { describe, expect, it } from 'vitest';
import { tinyConfig } from '../../testing/tinyBert.ts';
import { buildStudent } from '../model/buildStudent.ts';
import { initHead } from '../model/heads.ts';
import { Rng } from '../random/rng.ts';
import { splitHeldOut } from '../run/heldOut.ts';
import { inMemoryTrainingSet } from '../run/task.ts';
import { train } from '../run/train.ts';
import { Trainer } from '../run/trainer.ts';
import { type ClassificationItem, classifierTask } from './classifierTask.ts';
import type { SpanLogits } from '../tasks/squadDecode.ts';
import { type SpanItem, spanTask } from './spanTask.ts';

const cfg = tinyConfig({
  vocab_size: 30,
  hidden_size: 32,
  num_hidden_layers: 2,
  intermediate_size: 64,
  max_position_embeddings: 24,
});
const SEQ = 16;
const [CLS, SEP, KEY] = [2, 3, 7];

/** [CLS] a [SEP] b [SEP] with random ids 8..29 and padding; segment 1 for b. */
function pair(rng: Rng, withKey: boolean): Omit<ClassificationItem, 'label'> {
  const a = Array.from({ length: rng.randint(2, 5) }, () => rng.randint(8, 29));
  const b = Array.from({ length: rng.randint(2, 5) }, () => rng.randint(8, 29));
  if (withKey) b[rng.randint(0, b.length - 1)] = KEY;
  const ids = [CLS, ...a, SEP, ...b, SEP];
  const pad = SEQ - ids.length;
  return {
    inputIds: Int32Array.from([...ids, ...Array(pad).fill(0)]),
    inputMask: Int32Array.from([...ids.map(() => 1), ...Array(pad).fill(0)]),
    segmentIds: Int32Array.from([
      ...Array(a.length + 2).fill(0),
      ...Array(b.length + 1).fill(1),
      ...Array(pad).fill(0),
    ]),
  };
}

describe('fine-tuning on the run layer', () => {
  it('a classifier learns a pair task labelled by a keyword (held-out accuracy ≥ 0.9)', async () => {
    const rng = new Rng(3);
    const items: ClassificationItem[] = Array.from({ length: 320 }, (_, i) => ({
      ...pair(rng, i % 2 === 1),
      label: i % 2,
    }));
    const { train: trainSet, heldOut } = splitHeldOut(inMemoryTrainingSet(rng.shuffle(items)), {
      fraction: 0.2,
      max: 64,
    });
    const student = buildStudent({ kind: 'fresh', config: cfg }, null, 1);
    const task = classifierTask(student.cfg, 2, 'keyword pairs');
    const trainer = new Trainer({
      task,
      weights: { ...student.weights, ...initHead(student.cfg, 'classification', 2, 1) },
      config: { schedule: { learningRate: 2e-3, numWarmupSteps: 10, numTrainSteps: 60 }, batchSize: 16, seed: 4 },
      data: trainSet,
    });
    const evals: { step: number; accuracy: number }[] = [];
    await train(trainer, { heldOut, evalEvery: 30, evalAtStart: true, checkpointEvery: 0 }, undefined, {
      eval: (e) => {
        evals.push({ step: e.step, accuracy: e.accuracy });
        expect(e.perLabel.reduce((a, c) => a + c.gold, 0)).toBe(e.examples);
        // the accuracy's 95% interval is over the same correct / scored counts
        const correct = e.perLabel.reduce((a, c) => a + c.correct, 0);
        expect(e.accuracyInterval).toEqual(wilsonInterval(correct, e.examples));
      },
    });
    trainer.dispose();
    console.log(
      `keyword pairs: held-out accuracy ${evals.map((e) => `${e.step}:${e.accuracy.toFixed(3)}`).join(' → ')}`,
    );
    expect(evals.at(-1)!.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(evals[0].accuracy).toBeLessThan(0.75);
  });

  it('a span model learns to point at a marked token; loss is (start CE + end CE) / 2', async () => {
    const rng = new Rng(5);
    const items: SpanItem[] = Array.from({ length: 240 }, () => {
      const p = pair(rng, true);
      const at = Array.from(p.inputIds).indexOf(KEY);
      return { ...p, startPosition: at, endPosition: Math.min(at + 1, SEQ - 1) };
    });
    const { train: trainSet, heldOut } = splitHeldOut(inMemoryTrainingSet(items), { fraction: 0.2, max: 48 });
    const exact = (xs: SpanItem[], logits: SpanLogits[]) => {
      const argmax = (v: ArrayLike<number>) => Array.from(v).indexOf(Math.max(...Array.from(v)));
      const hits = xs.filter((x, i) => argmax(logits[i].startLogits) === x.startPosition).length;
      return { startAccuracy: hits / xs.length };
    };
    const student = buildStudent({ kind: 'fresh', config: cfg }, null, 2);
    const trainer = new Trainer({
      task: spanTask(student.cfg, exact),
      weights: { ...student.weights, ...initHead(student.cfg, 'span', 2, 2) },
      config: { schedule: { learningRate: 2e-3, numWarmupSteps: 10, numTrainSteps: 100 }, batchSize: 16, seed: 5 },
      data: trainSet,
    });
    const first = await trainer.evaluate(heldOut!);
    expect(first.loss).toBeCloseTo(Math.log(SEQ), 0); // untrained: about uniform over the sequence
    await trainer.step(); // creates the optimiser's slots
    const before = tf.memory().numTensors;
    await train(trainer, { heldOut, evalEvery: 0, checkpointEvery: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(trainer.history.filter((m) => m.kind === 'eval').map((m) => m.step)).toEqual([0, 100]);
    const last = trainer.history.at(-1)!;
    expect(last.kind).toBe('eval');
    if (last.kind !== 'eval') return;
    console.log(
      `span: loss ${first.loss.toFixed(3)} → ${last.loss.toFixed(3)}, start accuracy ${last.metrics.startAccuracy}`,
    );
    expect(last.loss).toBeLessThan(first.loss / 2);
    expect(last.metrics.startAccuracy).toBeGreaterThanOrEqual(0.9);
    trainer.dispose();
  });
});
