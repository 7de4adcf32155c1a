/**
 * The downstream heads on top of the encoder, as Google BERT's fine-tuning
 * scripts build them and Hugging Face names them:
 *
 *   classification (run_classifier, BertForSequenceClassification):
 *     logits = dropout(pooler(sequence_output)) · Wᵀ + b        W: classifier.weight [labels, hidden]
 *   span extraction (run_squad, BertForQuestionAnswering):
 *     [start, end] = sequence_output · Wᵀ + b, per token        W: qa_outputs.weight [2, hidden]
 *
 * Fresh heads are initialised as those scripts do: truncated normal (stddev
 * initializer_range) for W, zeros for b.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../random/rng.ts';
import { bertPooler, Dropout, dense, weight } from './bert.ts';
import type { BertConfig } from './config.ts';
import type { Weights } from './weights.ts';

export const CLASSIFIER_NAMES = { W: 'classifier.weight', B: 'classifier.bias' } as const;
export const QA_NAMES = { W: 'qa_outputs.weight', B: 'qa_outputs.bias' } as const;

export type HeadKind = 'classification' | 'span';

/** Which head a weight map carries (none: a masked-LM or encoder-only model). */
export function headOf(weights: Weights): HeadKind | null {
  if (weights[CLASSIFIER_NAMES.W]) return 'classification';
  if (weights[QA_NAMES.W]) return 'span';
  return null;
}

/** Names and shapes of a head with `outputs` outputs (labels, or 2 for a span head). */
export function headShapes(cfg: BertConfig, kind: HeadKind, outputs: number): Map<string, number[]> {
  const names = kind === 'classification' ? CLASSIFIER_NAMES : QA_NAMES;
  return new Map([
    [names.W, [outputs, cfg.hidden_size]],
    [names.B, [outputs]],
  ]);
}

/** Fresh head weights: `outputs` is the number of labels (classification) or 2 (span). */
export function initHead(cfg: BertConfig, kind: HeadKind, outputs: number, seed: number): Weights {
  const names = kind === 'classification' ? CLASSIFIER_NAMES : QA_NAMES;
  if (kind === 'span' && outputs !== 2) throw new Error(`a span head has 2 outputs (start, end), not ${outputs}`);
  if (!Number.isInteger(outputs) || outputs < 2)
    throw new Error(`a classifier needs at least 2 labels, got ${outputs}`);
  const tensorSeed = new Rng(seed ^ 0x5eed).nextUint32();
  return {
    [names.W]: tf.truncatedNormal([outputs, cfg.hidden_size], 0, cfg.initializer_range, 'float32', tensorSeed),
    [names.B]: tf.zeros([outputs]),
  };
}

/** Classification logits [batch, labels] from the encoder's sequence output. */
export function classifierLogits(
  weights: Weights,
  cfg: BertConfig,
  sequenceOutput: tf.Tensor3D,
  opts: { training: boolean; seed?: number },
): tf.Tensor2D {
  const labels = weights[CLASSIFIER_NAMES.W]?.shape[0];
  if (labels === undefined) throw new Error(`classifier: tensor "${CLASSIFIER_NAMES.W}" is missing`);
  const H = cfg.hidden_size;
  return tf.tidy(() => {
    // its own dropout stream, apart from the encoder's
    const drop = new Dropout(opts.training, opts.seed === undefined ? undefined : opts.seed ^ 0x0c1a55);
    try {
      const pooled = drop.apply(bertPooler(weights, cfg, sequenceOutput), cfg.hidden_dropout_prob);
      return dense(
        pooled,
        weight(weights, CLASSIFIER_NAMES.W, [labels, H]),
        weight(weights, CLASSIFIER_NAMES.B, [labels]),
      );
    } finally {
      drop.dispose();
    }
  });
}

/** Start and end logits [batch, seq] from the encoder's sequence output. */
export function spanLogits(weights: Weights, sequenceOutput: tf.Tensor3D): { start: tf.Tensor2D; end: tf.Tensor2D } {
  const [batch, seq, H] = sequenceOutput.shape;
  return tf.tidy(() => {
    const flat = tf.reshape(sequenceOutput, [batch * seq, H]) as tf.Tensor2D;
    const both = dense(flat, weight(weights, QA_NAMES.W, [2, H]), weight(weights, QA_NAMES.B, [2]));
    const [start, end] = tf.split(tf.reshape(both, [batch, seq, 2]), 2, 2);
    return { start: tf.reshape(start, [batch, seq]) as tf.Tensor2D, end: tf.reshape(end, [batch, seq]) as tf.Tensor2D };
  });
}
