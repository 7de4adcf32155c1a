/**
 * A fine-tuning run's options, with Google BERT's run_classifier defaults, and
 * the schedule they imply. No tfjs here: the page's forms and the flag tables
 * (src/core/options/finetuneFlags.ts) read it without loading the engine.
 */
import type { ScheduleConfig } from '../run/schedule.ts';

export interface FineTuneOptions {
  maxSeqLength: number;
  trainBatchSize: number;
  evalBatchSize: number;
  learningRate: number;
  numTrainEpochs: number;
  /** share of the steps spent warming the learning rate up */
  warmupProportion: number;
  gradientAccumulationSteps: number;
  seed: number;
}

/** Google BERT's run_classifier defaults (run_squad: max_seq_length 384, learning_rate 5e-5, train_batch_size 12). */
export const FINETUNE_DEFAULTS: FineTuneOptions = {
  maxSeqLength: 128,
  trainBatchSize: 32,
  evalBatchSize: 8,
  learningRate: 5e-5,
  numTrainEpochs: 3,
  warmupProportion: 0.1,
  gradientAccumulationSteps: 1,
  seed: 12345,
};

/** Steps as run_classifier counts them: int(examples / batch × epochs), warmup int(steps × proportion). */
export function fineTuneSchedule(
  trainExamples: number,
  o: FineTuneOptions,
): ScheduleConfig & { stepsPerEpoch: number } {
  const numTrainSteps = Math.max(1, Math.floor((trainExamples / o.trainBatchSize) * o.numTrainEpochs));
  return {
    learningRate: o.learningRate,
    numTrainSteps,
    numWarmupSteps: Math.floor(numTrainSteps * o.warmupProportion),
    stepsPerEpoch: Math.max(1, Math.ceil(trainExamples / o.trainBatchSize)),
  };
}
