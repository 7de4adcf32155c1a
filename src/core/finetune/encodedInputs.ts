/**
 * Token inputs of a downstream example, as Google BERT's fine-tuning scripts
 * feed them: input_ids, input_mask and segment_ids, padded to max_seq_length.
 * Stacking a list of them into the encoder's [batch, seq] int32 tensors.
 */
import * as tf from '@tensorflow/tfjs';
import type { BertInputs } from '../model/bert.ts';

export interface EncodedInputs {
  inputIds: ArrayLike<number>;
  inputMask: ArrayLike<number>;
  segmentIds: ArrayLike<number>;
}

function stack(rows: ArrayLike<number>[], what: string): tf.Tensor2D {
  const width = rows[0].length;
  const flat = new Int32Array(rows.length * width);
  rows.forEach((r, i) => {
    if (r.length !== width) {
      throw new Error(`batch: ${what} of example ${i} has length ${r.length}, the batch's first example has ${width}`);
    }
    flat.set(r, i * width);
  });
  return tf.tensor2d(flat, [rows.length, width], 'int32');
}

/** The encoder's inputs for a batch (the caller disposes them). */
export function toEncoderInputs(items: EncodedInputs[]): Required<BertInputs> {
  if (items.length === 0) throw new Error('batch: no examples');
  return {
    inputIds: stack(
      items.map((x) => x.inputIds),
      'input_ids',
    ),
    attentionMask: stack(
      items.map((x) => x.inputMask),
      'input_mask',
    ),
    tokenTypeIds: stack(
      items.map((x) => x.segmentIds),
      'segment_ids',
    ),
  };
}

/** Real (non-padding) tokens in the items. */
export function realTokens(items: EncodedInputs[]): number {
  let n = 0;
  for (const x of items) for (let i = 0; i < x.inputMask.length; i++) n += x.inputMask[i];
  return n;
}
