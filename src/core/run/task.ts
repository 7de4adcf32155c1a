/**
 * What the run layer trains: a task turns a micro-batch of items into a loss,
 * and scores held-out items. The Trainer (trainer.ts) and the loop (train.ts)
 * know nothing else about the model: distillation (src/core/distill/distillTask.ts)
 * and downstream fine-tuning are tasks on the same loop.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Weights } from '../model/weights.ts';

/** Items addressed by index: the training data, or the held-out data. */
export interface TrainingSet<Item> {
  size: number;
  load(indices: number[]): Promise<Item[]> | Item[];
}

/** A TrainingSet over items already in memory. */
export function inMemoryTrainingSet<Item>(items: Item[]): TrainingSet<Item> {
  return { size: items.length, load: (idx) => idx.map((i) => items[i]) };
}

/** A contiguous part [start, start + size) of another set. */
export function subset<Item>(set: TrainingSet<Item>, start: number, size: number): TrainingSet<Item> {
  if (start < 0 || size < 0 || start + size > set.size) {
    throw new Error(`subset [${start}, ${start + size}) is outside a set of ${set.size} items`);
  }
  const at = (i: number) => {
    if (!(i >= 0 && i < size)) throw new Error(`item ${i} is outside a set of ${size} items`);
    return start + i;
  };
  return { size, load: (idx) => set.load(idx.map(at)) };
}

export interface ForwardOptions {
  training: boolean;
  /** seeds dropout; the same seed gives the same masks */
  seed?: number;
}

/** A scalar loss and its named parts (each unweighted, for the charts). */
export interface LossTerms {
  total: tf.Scalar;
  components: Record<string, tf.Scalar>;
}

/** A micro-batch turned into tensors, ready for any number of forward passes. */
export interface PreparedBatch {
  /** Runs the model and the loss (called inside tf.variableGrads; intermediate tensors are freed by it). */
  loss(weights: Weights, opts: ForwardOptions): LossTerms;
  /** real (non-padding) tokens, for tokens/s */
  tokens: number;
  dispose(): void;
}

/** What every task's evaluation reports; tasks add their own metrics. */
export interface EvalScores {
  /** held-out items scored */
  examples: number;
  loss: number;
}

export interface TrainingTask<Item, Scores extends EvalScores = EvalScores> {
  /** A short name for messages ("distillation", "lcqmc"...). */
  name: string;
  prepare(items: Item[]): PreparedBatch;
  /** Scores held-out items with the given weights: no dropout, no update. */
  evaluate(weights: Weights, heldOut: TrainingSet<Item>, batchSize: number): Promise<Scores>;
}
