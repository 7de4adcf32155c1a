/**
 * Span extraction (CMRC 2018, SQuAD-style) as a task for the run layer, as
 * Google BERT's run_squad trains it: a start and an end logit per token, and
 *
 *   loss = ( CE(start logits, start position) + CE(end logits, end position) ) / 2
 *
 * where CE is −log softmax over the sequence at the gold position (position 0,
 * [CLS], when the answer is outside the window). Evaluation reports the mean
 * loss and, when the caller gives a scorer (which decodes the logits into
 * answer texts and compares them with the gold answers), its metrics.
 */
import * as tf from '@tensorflow/tfjs';
import { bertEncoder } from '../model/bert.ts';
import type { BertConfig } from '../model/config.ts';
import { spanLogits } from '../model/heads.ts';
import type { Weights } from '../model/weights.ts';
import type { EvalScores, TrainingSet, TrainingTask } from '../run/task.ts';
import type { SpanLogits } from '../tasks/squadDecode.ts';
import { classificationLoss } from './classifierTask.ts';
import { type EncodedInputs, realTokens, toEncoderInputs } from './encodedInputs.ts';

export interface SpanItem extends EncodedInputs {
  /** token index of the answer's first token in this window (0 when outside) */
  startPosition: number;
  /** token index of its last token (0 when outside) */
  endPosition: number;
}

/** Turns held-out items and their logits into metrics (e.g. CMRC 2018's F1 and EM). */
export type SpanScorer<Item> = (items: Item[], logits: SpanLogits[]) => Record<string, number>;

export interface SpanScores extends EvalScores {
  /** whatever the scorer reported, e.g. { f1, em } */
  metrics: Record<string, number>;
}

export function spanTask<Item extends SpanItem>(
  cfg: BertConfig,
  scorer?: SpanScorer<Item>,
  name = 'span extraction',
): TrainingTask<Item, SpanScores> {
  return {
    name,
    prepare(items) {
      const inputs = toEncoderInputs(items);
      const starts = tf.tensor1d(
        items.map((x) => x.startPosition),
        'int32',
      );
      const ends = tf.tensor1d(
        items.map((x) => x.endPosition),
        'int32',
      );
      return {
        tokens: realTokens(items),
        loss: (weights, opts) => {
          const { start, end } = spanLogits(weights, bertEncoder(weights, cfg, inputs, opts));
          const startLoss = classificationLoss(start, starts);
          const endLoss = classificationLoss(end, ends);
          return { total: tf.div(tf.add(startLoss, endLoss), 2), components: { start: startLoss, end: endLoss } };
        },
        dispose: () => tf.dispose([...Object.values(inputs), starts, ends]),
      };
    },
    async evaluate(weights, heldOut, batchSize) {
      const all: Item[] = [];
      const logits: SpanLogits[] = [];
      for await (const batch of spanLogitsOf(weights, cfg, heldOut, batchSize)) {
        all.push(...batch.items);
        logits.push(...batch.logits);
      }
      let lossSum = 0;
      all.forEach((it, i) => {
        lossSum +=
          (logSoftmaxAt(logits[i].startLogits, it.startPosition) + logSoftmaxAt(logits[i].endLogits, it.endPosition)) /
          -2;
      });
      return { examples: all.length, loss: lossSum / all.length, metrics: scorer ? scorer(all, logits) : {} };
    },
  };
}

/** log softmax(x)[i], computed stably in float64. */
function logSoftmaxAt(x: ArrayLike<number>, i: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < x.length; j++) max = Math.max(max, x[j]);
  let sum = 0;
  for (let j = 0; j < x.length; j++) sum += Math.exp(x[j] - max);
  return x[i] - max - Math.log(sum);
}

/** Start/end logits of every item, batch by batch (no dropout). */
export async function* spanLogitsOf<Item extends EncodedInputs>(
  weights: Weights,
  cfg: BertConfig,
  set: TrainingSet<Item>,
  batchSize: number,
): AsyncGenerator<{ items: Item[]; logits: SpanLogits[] }> {
  for (let start = 0; start < set.size; start += batchSize) {
    const idx = [...Array(Math.min(batchSize, set.size - start)).keys()].map((i) => i + start);
    const items = await set.load(idx);
    const inputs = toEncoderInputs(items);
    try {
      const out = tf.tidy(() => spanLogits(weights, bertEncoder(weights, cfg, inputs, { training: false })));
      const [s, e] = (await Promise.all([out.start.data(), out.end.data()])) as Float32Array[];
      tf.dispose([out.start, out.end]);
      const seq = inputs.inputIds.shape[1];
      yield {
        items,
        logits: items.map((_, b) => ({
          startLogits: s.slice(b * seq, (b + 1) * seq),
          endLogits: e.slice(b * seq, (b + 1) * seq),
        })),
      };
    } finally {
      tf.dispose(Object.values(inputs));
    }
  }
}
