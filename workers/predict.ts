/**
 * Top-k predictions at masked characters of one sentence, for the
 * Predictions panel: the sentence is tokenized character by character (a
 * masked character becomes [MASK]), run through a masked-LM model, and the
 * softmax's top k at each masked position is returned with its tokens.
 */
import * as tf from '@tensorflow/tfjs';
import type { MaskedExample } from '../src/core/examples/maskedExample.ts';
import type { BertConfig } from '../src/core/model/config.ts';
import type { Weights } from '../src/core/model/weights.ts';
import { bertMaskedLm, disposeBatch, toBatchTensors } from '../src/core/distill/batch.ts';
import type { BertTokenizer } from '../src/core/tokenizer/bertTokenizer.ts';
import type { PredictionRow } from '../src/contract/jobs.ts';

export async function predictMasked(
  weights: Weights,
  cfg: BertConfig,
  tokenizer: BertTokenizer,
  text: string,
  maskChars: number[],
  topK: number,
): Promise<PredictionRow[]> {
  const chars = [...text];
  const ids: number[] = [tokenizer.clsId];
  const positions: number[] = [];
  const originals: string[] = [];
  chars.forEach((c, i) => {
    if (maskChars.includes(i)) {
      positions.push(ids.length);
      originals.push(c);
      ids.push(tokenizer.maskId);
    } else {
      ids.push(...tokenizer.encode(c));
    }
  });
  ids.push(tokenizer.sepId);
  if (positions.length === 0) throw new Error('choose at least one character to mask');
  if (ids.length > cfg.max_position_embeddings)
    throw new Error(
      `the sentence is ${ids.length} tokens long; this model reads at most ${cfg.max_position_embeddings}`,
    );
  const n = ids.length;
  const example: MaskedExample = {
    inputIds: Int32Array.from(ids),
    inputMask: new Int32Array(n).fill(1),
    segmentIds: new Int32Array(n),
    maskedLmPositions: Int32Array.from(positions),
    maskedLmIds: Int32Array.from(positions.map((p) => ids[p])),
    maskedLmWeights: new Float32Array(positions.length).fill(1),
    nextSentenceLabel: 1,
  };
  const batch = toBatchTensors([{ example }], false);
  const k = Math.min(topK, cfg.vocab_size);
  let values: tf.Tensor, indices: tf.Tensor;
  try {
    ({ values, indices } = tf.tidy(() => {
      const logits = bertMaskedLm(cfg)(weights, batch, { training: false });
      return tf.topk(tf.softmax(logits, -1), k, true);
    }));
  } finally {
    disposeBatch(batch);
  }
  const p = (await values.data()) as Float32Array;
  const id = (await indices.data()) as Int32Array;
  tf.dispose([values, indices]);
  return positions.map((_position, s) => ({
    position: maskChars[s],
    original: originals[s],
    top: Array.from({ length: k }, (_, j) => ({
      token: tokenizer.vocab[id[s * k + j]] ?? `#${id[s * k + j]}`,
      prob: p[s * k + j],
    })),
  }));
}
