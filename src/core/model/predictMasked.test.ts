import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { refEncoder, refMlmLogits, type RefWeights } from '../../testing/bertReference64.ts';
import { randomWeights, tinyConfig, toRefWeights } from '../../testing/tinyBert.ts';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import type { BertConfig } from './config.ts';
import { predictMasked } from './predictMasked.ts';
import type { Weights } from './weights.ts';

// A vocabulary of tinyConfig's 50 entries: the five special tokens and 45 Chinese characters.
const CHARS = Array.from({ length: 45 }, (_, i) => String.fromCodePoint(0x4e00 + i));
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...CHARS];

/** The softmax of float64 logits, and the ids sorted by it, most probable first. */
function ranked(logits: Float64Array): { probs: Float64Array; order: number[] } {
  const max = Math.max(...logits);
  const exp = logits.map((z) => Math.exp(z - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  const probs = exp.map((e) => e / sum);
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]);
  return { probs, order };
}

describe('predictMasked', () => {
  let cfg: BertConfig;
  let weights: Weights;
  let ref: RefWeights;
  const tokenizer = BertTokenizer.fromVocabText(VOCAB.join('\n'), { doLowerCase: true });

  beforeAll(async () => {
    await tf.setBackend('cpu');
    cfg = tinyConfig();
    weights = randomWeights(cfg, { pooler: false, mlmHead: true }, 5);
    ref = await toRefWeights(weights);
  });

  it('gives the top k and their probabilities at each masked character, as the float64 reference does', async () => {
    const text = CHARS.slice(3, 12).join('') + '龘'; // the last character is not in the vocabulary: [UNK]
    const masked = [1, 4, 7];
    const k = 6;
    const n0 = tf.memory().numTensors;
    const rows = await predictMasked(weights, cfg, tokenizer, text, masked, k);
    expect(tf.memory().numTensors).toBe(n0);

    // The sequence by hand: [CLS], one token per character (the masked ones [MASK]), [SEP].
    const ids = [
      2,
      ...[...text].map((c, i) => (masked.includes(i) ? 4 : VOCAB.indexOf(c) < 0 ? 1 : VOCAB.indexOf(c))),
      3,
    ];
    const seq = refEncoder(ref, cfg, [ids])[0];
    expect(rows.map((r) => r.position)).toEqual(masked);
    expect(rows.map((r) => r.original)).toEqual(masked.map((i) => [...text][i]));
    rows.forEach((row, s) => {
      const { probs, order } = ranked(refMlmLogits(ref, cfg, seq[1 + masked[s]]));
      expect(row.top.length).toBe(k);
      expect(row.top.map((t) => t.token)).toEqual(order.slice(0, k).map((id) => VOCAB[id]));
      for (let j = 0; j < k; j++) {
        expect(row.top[j].prob).toBeCloseTo(probs[order[j]], 5);
        if (j > 0) expect(row.top[j].prob).toBeLessThanOrEqual(row.top[j - 1].prob);
      }
    });
  });

  it('gives the whole vocabulary, summing to 1, when k is larger', async () => {
    const [row] = await predictMasked(weights, cfg, tokenizer, CHARS.slice(0, 5).join(''), [2], 500);
    expect(row.top.length).toBe(cfg.vocab_size);
    expect(new Set(row.top.map((t) => t.token)).size).toBe(cfg.vocab_size);
    expect(row.top.reduce((a, t) => a + t.prob, 0)).toBeCloseTo(1, 5);
  });

  it('needs a masked character and a sentence the model can read', async () => {
    await expect(predictMasked(weights, cfg, tokenizer, CHARS.slice(0, 3).join(''), [], 5)).rejects.toThrow(
      /choose at least one character to mask/,
    );
    const long = CHARS.slice(0, cfg.max_position_embeddings - 1).join('');
    await expect(predictMasked(weights, cfg, tokenizer, long, [0], 5)).rejects.toThrow(
      `the sentence is ${cfg.max_position_embeddings + 1} tokens long; this model reads at most ${cfg.max_position_embeddings}`,
    );
  });
});
