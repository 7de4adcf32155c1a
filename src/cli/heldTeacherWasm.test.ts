/**
 * The held (float16, widened per layer) teacher on tfjs's wasm backend, as the page's teacher
 * worker and `create_teacher_output_data --engine=tfjs` run it: the same top-k as the whole-model
 * path on cpu. (tfjs-wasm's batched gather read out of bounds here; the merge of the vocabulary
 * chunks' top-k now gathers flat.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { holdCheckpoint } from '../core/checkpoint/heldCheckpoint.ts';
import { disposeCheckpoint, loadCheckpoint } from '../core/checkpoint/loadCheckpoint.ts';
import { bertMaskedLm } from '../core/distill/batch.ts';
import { HeldTeacher } from '../core/distill/heldTeacher.ts';
import { computeTeacherOutputs } from '../core/distill/teacherOutputs.ts';
import { REPO_ROOT } from '../testing/refData.ts';
import { syntheticExamples } from '../testing/syntheticExamples.ts';
import { useWasmBackend } from './nodeBackend.ts';

const DEMO_TEACHER = path.join(REPO_ROOT, 'public/demo/teacher');

function demoTeacherFiles(): Map<string, Blob> {
  const files = new Map<string, Blob>();
  for (const name of ['config.json', 'model.safetensors', 'vocab.txt']) {
    files.set(name, new Blob([readFileSync(path.join(DEMO_TEACHER, name))]));
  }
  return files;
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('held teacher on wasm', () => {
  it("the demo's float16 teacher gives the cpu whole-model top-16 on wasm, batch after batch", async () => {
    await tf.setBackend('cpu');
    const whole = await loadCheckpoint(demoTeacherFiles());
    const examples = syntheticExamples({
      count: 8,
      vocabSize: whole.config.vocab_size,
      maxSeqLength: 64,
      maxPredictionsPerSeq: 10,
    });
    const expected = await computeTeacherOutputs(bertMaskedLm(whole.config), whole.weights, examples, 16);
    disposeCheckpoint(whole);

    expect(await useWasmBackend()).toBeNull();
    expect(tf.getBackend()).toBe('wasm');
    const teacher = new HeldTeacher(await holdCheckpoint(demoTeacherFiles()));
    try {
      expect(teacher.weightsKept).toBe('float16');
      for (let batch = 0; batch < 2; batch++) {
        const got = await teacher.computeOutputs(examples, 16);
        expect(Array.from(got.ids)).toEqual(Array.from(expected.ids));
        for (let i = 0; i < got.probs.length; i++) expect(got.probs[i]).toBeCloseTo(expected.probs[i], 5);
      }
    } finally {
      teacher.dispose();
    }
  });
});
