/**
 * Google BERT's fine-tuning flags (run_classifier.py, run_squad.py) as the CLI's
 * run_classifier and run_squad take them, with those scripts' defaults, and
 * their conversion to core's FineTuneOptions (src/core/finetune/fineTune.ts).
 */
import { FINETUNE_DEFAULTS, type FineTuneOptions } from '../finetune/fineTuneOptions.ts';
import type { FlagSpecs, FlagsOf } from './flagSpec.ts';

const D = FINETUNE_DEFAULTS;

/** Flags both scripts share (run_squad overrides max_seq_length's default: 384). */
export const FINETUNE_FLAGS = {
  vocab_file: { type: 'string', required: true, help: 'The vocab.txt the model was trained with.' },
  bert_config_file: {
    type: 'string',
    help: "bert_config.json of the model (default: the --init_checkpoint folder's own config).",
  },
  init_checkpoint: {
    type: 'string',
    help: 'Checkpoint to start from: a teacher, a distilled student, a fine-tuned model (any format the loaders read). Without it: random init (the floor).',
  },
  do_lower_case: { type: 'bool', default: true, help: 'Lower-case the input (true for Chinese BERT models).' },
  output_dir: { type: 'string', required: true, help: 'Where checkpoints, results and predictions are written.' },
  max_seq_length: { type: 'int', default: D.maxSeqLength, min: 8, help: 'Tokens per example after WordPiece.' },
  do_train: { type: 'bool', default: false, help: 'Fine-tune.' },
  do_predict: { type: 'bool', default: false, help: 'Predict the test (or predict) file.' },
  train_batch_size: { type: 'int', default: D.trainBatchSize, min: 1, help: 'Examples per optimiser step.' },
  predict_batch_size: { type: 'int', default: 8, min: 1, help: 'Examples per prediction batch.' },
  learning_rate: { type: 'float', default: D.learningRate, greaterThan: 0, help: 'Peak learning rate (AdamW).' },
  num_train_epochs: { type: 'float', default: D.numTrainEpochs, greaterThan: 0, help: 'Passes over the training set.' },
  warmup_proportion: {
    type: 'float',
    default: D.warmupProportion,
    min: 0,
    lessThan: 1,
    help: 'Share of the steps spent warming the learning rate up.',
  },
  gradient_accumulation_steps: {
    type: 'int',
    default: D.gradientAccumulationSteps,
    min: 1,
    help: 'Micro-batches per step (train_batch_size must be a multiple).',
  },
  save_checkpoints_steps: { type: 'int', default: 1000, min: 1, help: 'Save a resumable checkpoint every N steps.' },
  seed: { type: 'int', default: D.seed, help: 'Seeds the data order, dropout and the new head.' },
} as const satisfies FlagSpecs;

export type FineTuneFlagValues = FlagsOf<typeof FINETUNE_FLAGS>;

/** Core's fine-tuning options from the flags (eval_batch_size where the script has one). */
export function fineTuneOptionsFromFlags(f: FineTuneFlagValues & { eval_batch_size?: number }): FineTuneOptions {
  return {
    maxSeqLength: f.max_seq_length,
    trainBatchSize: f.train_batch_size,
    evalBatchSize: f.eval_batch_size ?? f.predict_batch_size,
    learningRate: f.learning_rate,
    numTrainEpochs: f.num_train_epochs,
    warmupProportion: f.warmup_proportion,
    gradientAccumulationSteps: f.gradient_accumulation_steps,
    seed: f.seed,
  };
}
