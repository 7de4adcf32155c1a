/**
 * Sentence(-pair) classification as a task for the run layer, as Google BERT's
 * run_classifier trains it: encoder → pooler → dropout → linear → softmax, and
 *
 *   loss = mean over the batch of −log softmax(logits)[label]
 *
 * Evaluation reports accuracy, the mean loss and per-label counts.
 */
import * as tf from '@tensorflow/tfjs';
import { bertEncoder } from '../model/bert.ts';
import type { BertConfig } from '../model/config.ts';
import { classifierLogits } from '../model/heads.ts';
import type { Weights } from '../model/weights.ts';
import { type Interval, wilsonInterval } from '../run/binomialInterval.ts';
import type { EvalScores, ForwardOptions, TrainingSet, TrainingTask } from '../run/task.ts';
import { type EncodedInputs, realTokens, toEncoderInputs } from './encodedInputs.ts';

export interface ClassificationItem extends EncodedInputs {
  /** index into the task's label list */
  label: number;
}

export interface LabelCounts {
  /** held-out items with this gold label */
  gold: number;
  /** of them, predicted right */
  correct: number;
  /** items predicted as this label */
  predicted: number;
}

export interface ClassifierScores extends EvalScores {
  accuracy: number;
  /** its 95% Wilson interval over the examples scored (null: none) */
  accuracyInterval: Interval | null;
  /** per label index */
  perLabel: LabelCounts[];
}

/** Logits [batch, labels] for items (encoder + classification head). */
function logitsOf(weights: Weights, cfg: BertConfig, inputs: ReturnType<typeof toEncoderInputs>, opts: ForwardOptions) {
  const seq = bertEncoder(weights, cfg, inputs, opts);
  return classifierLogits(weights, cfg, seq, opts);
}

/** −log softmax(logits)[label], averaged over the batch. */
export function classificationLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits, -1);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(labels, logits.shape[1])), -1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

export function classifierTask(
  cfg: BertConfig,
  numLabels: number,
  name = 'classification',
): TrainingTask<ClassificationItem, ClassifierScores> {
  const checkLabels = (items: ClassificationItem[]) => {
    for (const [i, it] of items.entries()) {
      if (!(Number.isInteger(it.label) && it.label >= 0 && it.label < numLabels)) {
        throw new Error(`${name}: example ${i} has label ${it.label}, expected 0..${numLabels - 1}`);
      }
    }
    return tf.tensor1d(
      items.map((it) => it.label),
      'int32',
    );
  };
  return {
    name,
    prepare(items) {
      const inputs = toEncoderInputs(items);
      const labels = checkLabels(items);
      return {
        tokens: realTokens(items),
        loss: (weights, opts) => ({
          total: classificationLoss(logitsOf(weights, cfg, inputs, opts), labels),
          components: {},
        }),
        dispose: () => tf.dispose([...Object.values(inputs), labels]),
      };
    },
    async evaluate(weights, heldOut, batchSize) {
      const perLabel: LabelCounts[] = Array.from({ length: numLabels }, () => ({ gold: 0, correct: 0, predicted: 0 }));
      let lossSum = 0;
      let correct = 0;
      for await (const { items, probs } of classProbabilities(weights, cfg, heldOut, batchSize)) {
        items.forEach((it, b) => {
          const row = probs.subarray(b * numLabels, (b + 1) * numLabels);
          let best = 0;
          for (let j = 1; j < numLabels; j++) if (row[j] > row[best]) best = j;
          perLabel[it.label].gold++;
          perLabel[best].predicted++;
          if (best === it.label) {
            correct++;
            perLabel[best].correct++;
          }
          lossSum -= Math.log(Math.max(row[it.label], 1e-30));
        });
      }
      return {
        examples: heldOut.size,
        loss: lossSum / heldOut.size,
        accuracy: correct / heldOut.size,
        accuracyInterval: wilsonInterval(correct, heldOut.size),
        perLabel,
      };
    },
  };
}

/** Class probabilities of every item, batch by batch (no dropout): [items × labels], row-major. */
export async function* classProbabilities<Item extends EncodedInputs>(
  weights: Weights,
  cfg: BertConfig,
  set: TrainingSet<Item>,
  batchSize: number,
): AsyncGenerator<{ items: Item[]; probs: Float32Array }> {
  for (let start = 0; start < set.size; start += batchSize) {
    const idx = [...Array(Math.min(batchSize, set.size - start)).keys()].map((i) => i + start);
    const items = await set.load(idx);
    const inputs = toEncoderInputs(items);
    try {
      const p = tf.tidy(() => tf.softmax(logitsOf(weights, cfg, inputs, { training: false })));
      const probs = (await p.data()) as Float32Array;
      p.dispose();
      yield { items, probs };
    } finally {
      tf.dispose(Object.values(inputs));
    }
  }
}
