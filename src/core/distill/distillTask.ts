/**
 * Distillation as a task for the run layer (src/core/run/): a micro-batch of
 * masked examples with their stored teacher top-k → the student's MLM logits
 * at the masked positions → the distillation loss (loss.ts). Evaluation
 * reports, over the real (weight > 0) prediction slots of the held-out items:
 * the loss, the student's accuracy on the original tokens, its top-1
 * agreement with the teacher and the overlap of their top-5 lists.
 */
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from '../model/config.ts';
import type { EvalScores, PreparedBatch, TrainingSet, TrainingTask } from '../run/task.ts';
import { type Interval, wilsonInterval } from '../run/binomialInterval.ts';
import { bertMaskedLm, disposeBatch, type MaskedLmFn, type TrainItem, toBatchTensors, tokenCount } from './batch.ts';
import { distillLoss, type LossConfig, needsTeacher } from './loss.ts';

export interface DistillScores extends EvalScores {
  /** each loss part, unweighted, averaged over real slots */
  components: Record<string, number>;
  /** student argmax = masked_lm_ids, over real slots */
  goldAccuracy: number;
  /** student argmax = teacher's top-1 id, over real slots (NaN without teacher outputs) */
  teacherTop1Agreement: number;
  /** |student top-5 ∩ teacher top-5| / 5, averaged over real slots (NaN without teacher outputs) */
  top5Overlap: number;
  /** real prediction slots scored */
  positions: number;
  /** 95% Wilson intervals of goldAccuracy and teacherTop1Agreement (null: nothing scored) */
  goldAccuracyInterval: Interval | null;
  teacherAgreementInterval: Interval | null;
}

export type DistillTask = TrainingTask<TrainItem, DistillScores>;

/** The distillation task for a student of config `cfg` (or any masked-LM function) and a loss. */
export function distillTask(model: BertConfig | MaskedLmFn, loss: LossConfig): DistillTask {
  const forward = typeof model === 'function' ? model : bertMaskedLm(model);
  const withTeacher = needsTeacher(loss);
  return {
    name: 'distillation',
    prepare(items: TrainItem[]): PreparedBatch {
      const batch = toBatchTensors(items, withTeacher);
      return {
        tokens: tokenCount(items),
        loss: (weights, opts) => {
          const logits = forward(weights, batch, opts);
          const { teacherProbs, teacherIds, goldIds } = batch;
          const out = distillLoss({ logits, weights: batch.weights, goldIds, teacherProbs, teacherIds }, loss);
          return { total: out.total, components: out.components as Record<string, tf.Scalar> };
        },
        dispose: () => disposeBatch(batch),
      };
    },
    evaluate: (weights, heldOut, batchSize) => evaluateDistill(forward, loss, weights, heldOut, batchSize),
  };
}

async function evaluateDistill(
  forward: MaskedLmFn,
  loss: LossConfig,
  weights: Record<string, tf.Tensor>,
  heldOut: TrainingSet<TrainItem>,
  batchSize: number,
): Promise<DistillScores> {
  const withTeacher = needsTeacher(loss);
  let sumW = 0;
  let lossSum = 0;
  let gold = 0;
  let agree = 0;
  let overlap = 0;
  let real = 0;
  let teacherSlots = 0;
  const compSum: Record<string, number> = {};
  for (let start = 0; start < heldOut.size; start += batchSize) {
    const idx = [...Array(Math.min(batchSize, heldOut.size - start)).keys()].map((i) => i + start);
    const items = await heldOut.load(idx);
    const hasTeacher = items.every((it) => it.teacher);
    const batch = toBatchTensors(items, withTeacher || hasTeacher);
    try {
      const r = tf.tidy(() => {
        const logits = forward(weights, batch, { training: false });
        const { teacherProbs, teacherIds, goldIds } = batch;
        const out = distillLoss({ logits, weights: batch.weights, goldIds, teacherProbs, teacherIds }, loss);
        const top5 = tf.topk(logits, Math.min(5, logits.shape[2])).indices;
        return { total: out.total, components: out.components as Record<string, tf.Scalar>, top5 };
      });
      const bw = items.reduce((a, it) => a + it.example.maskedLmWeights.reduce((s, w) => s + w, 0), 0);
      lossSum += (await r.total.data())[0] * bw;
      for (const [k, v] of Object.entries(r.components)) compSum[k] = (compSum[k] ?? 0) + (await v.data())[0] * bw;
      sumW += bw;
      const top5 = (await r.top5.data()) as Int32Array;
      const kk = r.top5.shape[2]!;
      tf.dispose([r.total, r.top5, ...Object.values(r.components)]);
      const P = items[0].example.maskedLmPositions.length;
      items.forEach((it, b) => {
        for (let s = 0; s < P; s++) {
          if (!(it.example.maskedLmWeights[s] > 0)) continue;
          real++;
          const s5 = top5.subarray((b * P + s) * kk, (b * P + s + 1) * kk);
          if (s5[0] === it.example.maskedLmIds[s]) gold++;
          const t = it.teacher;
          if (t) {
            teacherSlots++;
            const t5 = t.ids.subarray(s * t.k, s * t.k + Math.min(5, t.k));
            if (s5[0] === t5[0]) agree++;
            let common = 0;
            for (const id of s5) if (t5.includes(id)) common++;
            overlap += common / 5;
          }
        }
      });
    } finally {
      disposeBatch(batch);
    }
  }
  const components: Record<string, number> = {};
  for (const [k, v] of Object.entries(compSum)) components[k] = v / sumW;
  return {
    examples: heldOut.size,
    loss: lossSum / sumW,
    components,
    goldAccuracy: gold / real,
    teacherTop1Agreement: teacherSlots ? agree / teacherSlots : Number.NaN,
    top5Overlap: teacherSlots ? overlap / teacherSlots : Number.NaN,
    positions: real,
    goldAccuracyInterval: wilsonInterval(gold, real),
    teacherAgreementInterval: wilsonInterval(agree, teacherSlots),
  };
}
