import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { arraysToWeights, randomArrays, tinyConfig } from '../../testing/checkpointFixtures.ts';
import { useBackend } from '../backend/useBackend.ts';
import { safetensorsBytes } from '../checkpoint/exportSafetensors.ts';
import { holdCheckpoint, isFloat16 } from '../checkpoint/heldCheckpoint.ts';
import { disposeCheckpoint, loadCheckpoint } from '../checkpoint/loadCheckpoint.ts';
import { predictMasked } from '../model/predictMasked.ts';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { HeldTeacher } from './heldTeacher.ts';
import { predictMaskedHeld } from './heldTeacherPredict.ts';

// 40 entries: the five special tokens and 35 Chinese characters
const CHARS = Array.from({ length: 35 }, (_, i) => String.fromCodePoint(0x4e00 + i));
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...CHARS];
const cfg = tinyConfig({
  vocab_size: VOCAB.length,
  hidden_size: 16,
  intermediate_size: 24,
  max_position_embeddings: 24,
});
const tokenizer = BertTokenizer.fromVocabText(VOCAB.join('\n'), { doLowerCase: true });

beforeAll(async () => {
  await useBackend('cpu');
});
let before = 0;
afterEach(() => expect(tf.memory().numTensors).toBe(before));

/** A float16 teacher as a dropped folder would give it. */
async function files(): Promise<Map<string, Blob>> {
  const weights = arraysToWeights(randomArrays(cfg, { pooler: true, mlmHead: true }, 4));
  const bytes = (await safetensorsBytes(weights, cfg, 'F16')) as Uint8Array<ArrayBuffer>;
  tf.dispose(Object.values(weights));
  return new Map<string, Blob>([
    ['t/model.safetensors', new Blob([bytes])],
    ['t/config.json', new Blob([JSON.stringify(cfg)])],
    ['t/vocab.txt', new Blob([`${VOCAB.join('\n')}\n`])],
  ]);
}

describe('predictMaskedHeld', () => {
  it("gives predictMasked's top k on the whole float32 model, the layers kept float16", async () => {
    const f = await files();
    before = tf.memory().numTensors;
    const text = `${CHARS.slice(2, 11).join('')}龘`; // the last character is not in the vocabulary: [UNK]
    const masked = [0, 4, 9];
    const whole = await loadCheckpoint(f);
    const want = await predictMasked(whole.weights, whole.config, tokenizer, text, masked, 7);
    disposeCheckpoint(whole);
    const held = await holdCheckpoint(f);
    const teacher = new HeldTeacher(held);
    const got = await predictMaskedHeld(teacher, tokenizer, text, masked, 7);
    expect(got.map((m) => [m.position, m.original])).toEqual(want.map((m) => [m.position, m.original]));
    expect(got.map((m) => m.top.map((t) => t.token))).toEqual(want.map((m) => m.top.map((t) => t.token)));
    for (let s = 0; s < got.length; s++)
      for (let j = 0; j < 7; j++) expect(got[s].top[j].prob).toBeCloseTo(want[s].top[j].prob, 6);
    expect(got[2].original).toBe('龘');
    // the layers are still float16: the teacher pass and predictions share this one teacher
    expect([...held.held.values()].every(isFloat16)).toBe(true);
    // k is at most the vocabulary
    const all = await predictMaskedHeld(teacher, tokenizer, text, [1], 1000);
    expect(all[0].top).toHaveLength(VOCAB.length);
    expect(all[0].top.reduce((a, t) => a + t.prob, 0)).toBeCloseTo(1, 5);
    teacher.dispose();
  });

  it('refuses a sentence without a mask or longer than the model reads, and the teacher keeps working', async () => {
    const f = await files();
    before = tf.memory().numTensors;
    const teacher = new HeldTeacher(await holdCheckpoint(f));
    const text = CHARS.slice(0, 6).join('');
    await expect(predictMaskedHeld(teacher, tokenizer, text, [], 3)).rejects.toThrow(
      'choose at least one character to mask',
    );
    await expect(predictMaskedHeld(teacher, tokenizer, CHARS.join(''), [0], 3)).rejects.toThrow(
      'the sentence is 37 tokens long; this model reads at most 24',
    );
    const after = await predictMaskedHeld(teacher, tokenizer, text, [2], 3);
    expect(after[0].top).toHaveLength(3);
    teacher.dispose();
  });
});
