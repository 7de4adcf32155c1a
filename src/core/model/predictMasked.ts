/**
 * Top-k predictions at masked characters of one sentence (the workbench's Predictions
 * panel): the sentence is tokenized character by character (a masked character becomes
 * [MASK]), run through the masked-LM model, and the softmax's top k at each masked position
 * is returned with its tokens.
 */
import * as tf from '@tensorflow/tfjs';
import type { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { bertEncoder, mlmLogitsAtPositions } from './bert.ts';
import type { BertConfig } from './config.ts';
import type { Weights } from './weights.ts';

/** The predictions at one masked character. */
export interface MaskPrediction {
  /** The character's index in the sentence (as code points). */
  position: number;
  /** The character or token that was masked. */
  original: string;
  /** The k most probable tokens, most probable first. */
  top: { token: string; prob: number }[];
}

/** A sentence tokenized character by character with some characters masked. */
export interface MaskedSentence {
  /** [CLS], the characters' ids ([MASK] at the masked ones), [SEP] */
  ids: number[];
  /** the token positions of the masks */
  positions: number[];
  /** the masked characters */
  originals: string[];
}

/**
 * Tokenizes `text` character by character with [MASK] at the characters `maskChars`
 * (code-point indices); refuses a sentence without a mask or longer than the model reads.
 */
export function maskSentence(
  tokenizer: BertTokenizer,
  cfg: BertConfig,
  text: string,
  maskChars: number[],
): MaskedSentence {
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
  return { ids, positions, originals };
}

/** The predictions from the top k at each mask: `probs` and `ids` are [masks × k], most probable first. */
export function maskPredictions(
  sentence: MaskedSentence,
  maskChars: number[],
  tokenizer: BertTokenizer,
  k: number,
  probs: ArrayLike<number>,
  ids: ArrayLike<number>,
): MaskPrediction[] {
  return sentence.positions.map((_position, s) => ({
    position: maskChars[s],
    original: sentence.originals[s],
    top: Array.from({ length: k }, (_, j) => ({
      token: tokenizer.vocab[ids[s * k + j]] ?? `#${ids[s * k + j]}`,
      prob: probs[s * k + j],
    })),
  }));
}

/**
 * Masks the characters of `text` at `maskChars` (code-point indices) and returns the model's
 * `topK` most probable tokens at each (at most vocab_size), with their softmax probabilities.
 */
export async function predictMasked(
  weights: Weights,
  cfg: BertConfig,
  tokenizer: BertTokenizer,
  text: string,
  maskChars: number[],
  topK: number,
): Promise<MaskPrediction[]> {
  const sentence = maskSentence(tokenizer, cfg, text, maskChars);
  const { ids, positions } = sentence;
  const n = ids.length;
  const k = Math.min(topK, cfg.vocab_size);
  const { values, indices } = tf.tidy(() => {
    // One sequence: segment 0 throughout, every position attended to.
    const seq = bertEncoder(
      weights,
      cfg,
      {
        inputIds: tf.tensor2d(Int32Array.from(ids), [1, n], 'int32'),
        tokenTypeIds: tf.tensor2d(new Int32Array(n), [1, n], 'int32'),
        attentionMask: tf.tensor2d(new Int32Array(n).fill(1), [1, n], 'int32'),
      },
      { training: false },
    );
    const at = tf.tensor2d(Int32Array.from(positions), [1, positions.length], 'int32');
    return tf.topk(tf.softmax(mlmLogitsAtPositions(weights, cfg, seq, at), -1), k, true);
  });
  const p = (await values.data()) as Float32Array;
  const id = (await indices.data()) as Int32Array;
  tf.dispose([values, indices]);
  return maskPredictions(sentence, maskChars, tokenizer, k, p, id);
}
