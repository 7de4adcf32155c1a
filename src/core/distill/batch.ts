/**
 * Turns masked examples (and, for distillation, their stored teacher outputs)
 * into the tensors one forward pass needs, and defines the masked-LM model
 * function the teacher pass and the trainer call: weights + batch → logits at
 * the masked positions [B, P, V].
 */
import * as tf from '@tensorflow/tfjs';
import type { MaskedExample } from '../examples/maskedExample.ts';
import type { BertConfig } from '../model/config.ts';
import { bertEncoder, mlmLogitsAtPositions } from '../model/bert.ts';
import type { Weights } from '../model/weights.ts';

/** The teacher's top-k at every prediction slot of one example: [slots × k], row-major [slot][k]. */
export interface TeacherTopK {
  probs: Float32Array;
  ids: Int32Array;
  k: number;
}

/** One training / evaluation item: an example and (for distillation) its teacher outputs. */
export interface TrainItem {
  example: MaskedExample;
  teacher?: TeacherTopK;
}

export interface BatchTensors {
  inputIds: tf.Tensor2D;
  inputMask: tf.Tensor2D;
  segmentIds: tf.Tensor2D;
  positions: tf.Tensor2D;
  goldIds: tf.Tensor2D;
  weights: tf.Tensor2D;
  teacherProbs?: tf.Tensor3D;
  teacherIds?: tf.Tensor3D;
}

export interface ForwardOpts {
  training: boolean;
  /** seeds dropout; the same seed gives the same masks */
  seed?: number;
}

/** weights + batch → logits [B, P, V] at the masked positions. */
export type MaskedLmFn = (weights: Weights, batch: BatchTensors, opts: ForwardOpts) => tf.Tensor3D;

/** The BERT masked-LM model (src/core/model/bert.ts) as a MaskedLmFn. */
export function bertMaskedLm(cfg: BertConfig): MaskedLmFn {
  return (weights, batch, opts) =>
    tf.tidy(() => {
      const seq = bertEncoder(
        weights,
        cfg,
        { inputIds: batch.inputIds, tokenTypeIds: batch.segmentIds, attentionMask: batch.inputMask },
        { training: opts.training, seed: opts.seed },
      );
      return mlmLogitsAtPositions(weights, cfg, seq, batch.positions);
    });
}

function stack2d(rows: ArrayLike<number>[], dtype: 'int32' | 'float32', what: string): tf.Tensor2D {
  const width = rows[0].length;
  const flat = dtype === 'int32' ? new Int32Array(rows.length * width) : new Float32Array(rows.length * width);
  rows.forEach((r, i) => {
    if (r.length !== width) {
      throw new Error(`batch: ${what} of example ${i} has length ${r.length}, the batch's first example has ${width}`);
    }
    flat.set(r as ArrayLike<number>, i * width);
  });
  return tf.tensor2d(flat, [rows.length, width], dtype);
}

/** Tensors for a list of items; teacher tensors only when every item has teacher outputs. */
export function toBatchTensors(items: TrainItem[], withTeacher: boolean): BatchTensors {
  if (items.length === 0) throw new Error('batch: no examples');
  const ex = items.map((it) => it.example);
  const out: BatchTensors = {
    inputIds: stack2d(
      ex.map((e) => e.inputIds),
      'int32',
      'input_ids',
    ),
    inputMask: stack2d(
      ex.map((e) => e.inputMask),
      'int32',
      'input_mask',
    ),
    segmentIds: stack2d(
      ex.map((e) => e.segmentIds),
      'int32',
      'segment_ids',
    ),
    positions: stack2d(
      ex.map((e) => e.maskedLmPositions),
      'int32',
      'masked_lm_positions',
    ),
    goldIds: stack2d(
      ex.map((e) => e.maskedLmIds),
      'int32',
      'masked_lm_ids',
    ),
    weights: stack2d(
      ex.map((e) => e.maskedLmWeights),
      'float32',
      'masked_lm_weights',
    ),
  };
  if (withTeacher) {
    const P = ex[0].maskedLmPositions.length;
    const first = items[0].teacher;
    if (!first) throw new Error('batch: example 0 has no teacher outputs, which this loss needs');
    const K = first.k;
    const probs = new Float32Array(items.length * P * K);
    const ids = new Int32Array(items.length * P * K);
    items.forEach((it, i) => {
      const t = it.teacher;
      if (!t) throw new Error(`batch: example ${i} has no teacher outputs, which this loss needs`);
      if (t.k !== K || t.probs.length !== P * K || t.ids.length !== P * K) {
        throw new Error(
          `batch: teacher outputs of example ${i} have k ${t.k} and ${t.probs.length} values, expected k ${K} × ${P} slots`,
        );
      }
      probs.set(t.probs, i * P * K);
      ids.set(t.ids, i * P * K);
    });
    out.teacherProbs = tf.tensor3d(probs, [items.length, P, K]);
    out.teacherIds = tf.tensor3d(ids, [items.length, P, K], 'int32');
  }
  return out;
}

export function disposeBatch(b: BatchTensors): void {
  tf.dispose(Object.values(b) as tf.Tensor[]);
}

/** Real (non-padding) tokens in the items: Σ input_mask. */
export function tokenCount(items: TrainItem[]): number {
  let n = 0;
  for (const it of items) for (const m of it.example.inputMask) n += m;
  return n;
}
