/**
 * The teacher pass (the seed's create_teacher_output_data.py): for a batch of
 * masked examples, the teacher's softmax over the FULL vocabulary at T = 1 at
 * each prediction slot, truncated to its top k (default 128) probabilities and
 * their vocabulary ids. Padding slots (masked_lm_weights 0) are zeroed: probs 0,
 * ids 0, weight 0 marks them.
 *
 * The softmax and the top-k run on the backend, and the [batch, slots, k]
 * probabilities and ids come back in ONE read: the ids travel as float32 next to
 * the probabilities (exact: vocabulary ids are far below 2^24).
 */
import * as tf from '@tensorflow/tfjs';
import type { MaskedExample } from '../examples/maskedExample.ts';
import type { Weights } from '../model/weights.ts';
import { disposeBatch, toBatchTensors, type MaskedLmFn, type TeacherTopK } from './batch.ts';

export const DEFAULT_TRUNCATION_FACTOR = 128;

/** Teacher outputs of `count` examples with `slots` prediction slots each, row-major [example][slot][k]. */
export interface TeacherOutputBatch {
  count: number;
  slots: number;
  k: number;
  /** [count × slots × k] probabilities (not renormalised) */
  probs: Float32Array;
  /** [count × slots × k] vocabulary ids */
  ids: Int32Array;
  /** [count × slots] 1 for a real slot, 0 for padding */
  weights: Float32Array;
}

/** Runs the teacher on the examples and keeps the top k at each slot. */
export async function computeTeacherOutputs(
  model: MaskedLmFn,
  weights: Weights,
  examples: MaskedExample[],
  k = DEFAULT_TRUNCATION_FACTOR,
): Promise<TeacherOutputBatch> {
  if (examples.length === 0) throw new Error('teacher outputs: no examples');
  const batch = toBatchTensors(
    examples.map((example) => ({ example })),
    false,
  );
  let packed: tf.Tensor;
  try {
    packed = tf.tidy(() => {
      const logits = model(weights, batch, { training: false });
      const V = logits.shape[2];
      if (k > V) throw new Error(`teacher outputs: truncation_factor ${k} is larger than the vocabulary (${V})`);
      if (V > 2 ** 24) throw new Error(`teacher outputs: a vocabulary of ${V} ids does not fit float32 exactly`);
      const r = tf.topk(tf.softmax(logits, -1), k, true);
      return tf.concat([r.values, tf.cast(r.indices, 'float32')], -1); // [B, P, 2k]
    });
  } finally {
    disposeBatch(batch);
  }
  return readTopK(packed, k, examples);
}

/** The one backend read of a batch's packed [values, ids] tensor (freed here), unpacked. */
export async function readTopK(packed: tf.Tensor, k: number, examples: MaskedExample[]): Promise<TeacherOutputBatch> {
  let both: Float32Array;
  try {
    both = (await packed.data()) as Float32Array;
  } finally {
    packed.dispose();
  }
  return unpackTopK(both, k, examples);
}

/**
 * The batch from the backend's one read: rows of [k probabilities, k ids as float32], one row
 * per example and slot; padding slots (masked_lm_weights 0) are zeroed.
 */
export function unpackTopK(both: Float32Array, k: number, examples: MaskedExample[]): TeacherOutputBatch {
  const rows = both.length / (2 * k);
  const probs = new Float32Array(rows * k);
  const ids = new Int32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    probs.set(both.subarray(2 * k * r, 2 * k * r + k), r * k);
    const from = 2 * k * r + k;
    for (let j = 0; j < k; j++) ids[r * k + j] = both[from + j];
  }
  const slots = examples[0].maskedLmPositions.length;
  const w = new Float32Array(examples.length * slots);
  examples.forEach((ex, i) => {
    for (let s = 0; s < slots; s++) {
      const real = ex.maskedLmWeights[s] > 0;
      w[i * slots + s] = real ? 1 : 0;
      if (!real) {
        probs.fill(0, (i * slots + s) * k, (i * slots + s + 1) * k);
        ids.fill(0, (i * slots + s) * k, (i * slots + s + 1) * k);
      }
    }
  });
  return { count: examples.length, slots, k, probs, ids, weights: w };
}

/** The teacher outputs of example i of a batch. */
export function exampleTopK(batch: TeacherOutputBatch, i: number): TeacherTopK {
  const n = batch.slots * batch.k;
  return { probs: batch.probs.subarray(i * n, (i + 1) * n), ids: batch.ids.subarray(i * n, (i + 1) * n), k: batch.k };
}
