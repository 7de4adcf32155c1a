/**
 * The teacher pass (the seed's create_teacher_output_data.py): for a batch of
 * masked examples, the teacher's softmax over the FULL vocabulary at T = 1 at
 * each prediction slot, truncated to its top k (default 128) probabilities and
 * their vocabulary ids. Padding slots (masked_lm_weights 0) are zeroed: probs 0,
 * ids 0, weight 0 marks them.
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
  let values: tf.Tensor, indices: tf.Tensor;
  try {
    ({ values, indices } = tf.tidy(() => {
      const logits = model(weights, batch, { training: false });
      const V = logits.shape[2];
      if (k > V) throw new Error(`teacher outputs: truncation_factor ${k} is larger than the vocabulary (${V})`);
      const r = tf.topk(tf.softmax(logits, -1), k, true);
      return { values: r.values, indices: r.indices };
    }));
  } finally {
    disposeBatch(batch);
  }
  const probs = (await values.data()) as Float32Array;
  const ids = (await indices.data()) as Int32Array;
  tf.dispose([values, indices]);
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
