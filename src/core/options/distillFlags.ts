/**
 * run_distill's loss, training and evaluation flags (the original scripts' and Google BERT's names)
 * and the core's options, converted both ways in this one place:
 *   --loss and --temperature / --alpha_*     → a LossConfig (a preset with overrides) and the preset's name;
 *   batch size, schedule, accumulation, seed → the TrainerConfig pieces they set;
 *   evaluation and checkpoint cadence        → the run plan's numbers and the held-out fraction.
 * The CLI builds its flag specs from these tables and the page can show them as form fields.
 * The defaults are run_distill's (Google BERT's run_pretraining for the schedule); files,
 * --do_train / --do_eval and the export format stay with the command.
 * No tfjs here: only the loss's configuration (lossConfig.ts) and types are imported.
 */
import { LOSS_PRESETS, type LossConfig, lossConfig, type LossPresetName } from '../distill/lossConfig.ts';
import type { TrainerConfig } from '../run/trainer.ts';
import type { FlagsOf, OptionFlagTable } from './flagSpec.ts';

export const LOSS_PRESET_NAMES = ['seed', 'distilbert', 'mlm'] as const satisfies readonly LossPresetName[];

/** The loss flags: a preset, and weights / temperature that override it when given. */
export const DISTILL_LOSS_FLAGS = {
  loss: {
    option: 'preset',
    type: 'string',
    default: 'seed',
    choices: LOSS_PRESET_NAMES,
    choiceNames: { seed: 'original' },
    label: 'Loss',
    help: 'Loss preset: original (CE + cosine, as the original run_distill.py), distilbert or mlm.',
  },
  temperature: {
    option: 'loss.temperature',
    type: 'float',
    greaterThan: 0,
    label: 'Temperature',
    help: 'Distillation temperature (re-tempers the stored probabilities; T² scaling).',
  },
  alpha_ce: {
    option: 'loss.alphaCe',
    type: 'float',
    min: 0,
    label: 'Cross-entropy weight',
    help: 'Weight of the soft cross-entropy.',
  },
  alpha_cos: {
    option: 'loss.alphaCos',
    type: 'float',
    min: 0,
    label: 'Cosine weight',
    help: 'Weight of the cosine term.',
  },
  alpha_kl: {
    option: 'loss.alphaKl',
    type: 'float',
    min: 0,
    label: 'KL weight',
    help: 'Weight of the renormalised top-k KL.',
  },
  alpha_missing_mass: {
    option: 'loss.alphaMissingMass',
    type: 'float',
    min: 0,
    label: 'Missing-mass weight',
    help: 'Weight of the missing-mass bucket term.',
  },
  alpha_mlm: {
    option: 'loss.alphaMlm',
    type: 'float',
    min: 0,
    label: 'MLM weight',
    help: 'Weight of the hard-label MLM cross-entropy.',
  },
} as const satisfies OptionFlagTable;

/** The flags that set the Trainer's config (src/core/run/trainer.ts). */
export const DISTILL_TRAINER_FLAGS = {
  train_batch_size: {
    option: 'batchSize',
    type: 'int',
    default: 2,
    min: 1,
    label: 'Batch size',
    help: "Examples per optimiser step (the original's default 2; its README used 384).",
  },
  num_train_steps: {
    option: 'schedule.numTrainSteps',
    type: 'int',
    default: 100000,
    min: 1,
    label: 'Steps',
    help: 'Optimiser steps; the learning rate reaches 0 there.',
  },
  num_warmup_steps: {
    option: 'schedule.numWarmupSteps',
    type: 'int',
    default: 10000,
    min: 0,
    label: 'Warmup steps',
    help: 'Linear warmup steps.',
  },
  learning_rate: {
    option: 'schedule.learningRate',
    type: 'float',
    default: 5e-5,
    min: 0,
    label: 'Learning rate',
    help: 'Peak learning rate (AdamW).',
  },
  gradient_accumulation_steps: {
    option: 'gradientAccumulationSteps',
    type: 'int',
    default: 1,
    min: 1,
    label: 'Accumulation',
    help: 'Micro-batches per step (train_batch_size must be a multiple).',
  },
  seed: {
    option: 'seed',
    type: 'int',
    default: 12345,
    label: 'Random seed',
    help: 'Random seed of the data order, dropout and a random student.',
  },
} as const satisfies OptionFlagTable;

/** The flags of evaluation and checkpoint cadence. */
export const DISTILL_PLAN_FLAGS = {
  eval_batch_size: {
    option: 'evalBatchSize',
    type: 'int',
    default: 8,
    min: 1,
    label: 'Eval batch size',
    help: 'Examples per evaluation batch.',
  },
  max_eval_steps: {
    option: 'maxEvalSteps',
    type: 'int',
    default: 100,
    min: 1,
    label: 'Eval batches',
    help: "Largest number of evaluation batches (Google BERT's default 100): an evaluation scores at most max_eval_steps × eval_batch_size examples.",
  },
  save_checkpoints_steps: {
    option: 'checkpointEvery',
    type: 'int',
    default: 1000,
    min: 0,
    label: 'Checkpoint every',
    help: 'Save a checkpoint (and export) every N steps.',
  },
  eval_every: {
    option: 'evalEvery',
    type: 'int',
    default: 0,
    min: 0,
    label: 'Evaluate every',
    help: 'Evaluate every N steps (0: at each checkpoint).',
  },
  held_out_fraction: {
    option: 'heldOutFraction',
    type: 'float',
    default: 0.01,
    min: 0,
    lessThan: 1,
    label: 'Held-out share',
    help: "Share of the examples (the last ones) held out for evaluation while training (this project's: the original evaluated on its training files).",
  },
} as const satisfies OptionFlagTable;

export type DistillLossFlagValues = FlagsOf<typeof DISTILL_LOSS_FLAGS>;
export type DistillTrainerFlagValues = FlagsOf<typeof DISTILL_TRAINER_FLAGS>;
export type DistillPlanFlagValues = FlagsOf<typeof DISTILL_PLAN_FLAGS>;

/** A loss as the flags name it: the preset and the configuration after the overrides. */
export interface DistillLoss {
  preset: LossPresetName;
  loss: LossConfig;
}

/** The pieces of TrainerConfig that run_distill's flags set, all of them filled in. */
export type DistillTrainerConfig = Required<
  Pick<TrainerConfig, 'schedule' | 'batchSize' | 'gradientAccumulationSteps' | 'seed'>
>;

/** The run plan's cadence and the held-out share, as run_distill's flags set them. */
export interface DistillPlan {
  /** items per evaluation batch */
  evalBatchSize: number;
  /** evaluation batches at most (an evaluation scores at most maxEvalSteps × evalBatchSize items) */
  maxEvalSteps: number;
  /** evaluate every N steps and at the last (0: only at the last) */
  evalEvery: number;
  /** save a checkpoint every N steps (0: only when the run ends) */
  checkpointEvery: number;
  /** share of the examples held out for evaluation */
  heldOutFraction: number;
}

/** The loss these flags give: the preset with the given weights / temperature; throws on a bad value. */
export function lossFromFlags(v: Partial<DistillLossFlagValues>): DistillLoss {
  const preset = v.loss ?? DISTILL_LOSS_FLAGS.loss.default;
  const loss = lossConfig(preset, {
    temperature: v.temperature,
    alphaCe: v.alpha_ce,
    alphaCos: v.alpha_cos,
    alphaKl: v.alpha_kl,
    alphaMissingMass: v.alpha_missing_mass,
    alphaMlm: v.alpha_mlm,
  });
  return { preset, loss };
}

/** Each loss weight flag (and --temperature) with the LossConfig field it sets. */
const LOSS_FIELD_FLAGS = [
  ['temperature', 'temperature'],
  ['alpha_ce', 'alphaCe'],
  ['alpha_cos', 'alphaCos'],
  ['alpha_kl', 'alphaKl'],
  ['alpha_missing_mass', 'alphaMissingMass'],
  ['alpha_mlm', 'alphaMlm'],
] as const satisfies readonly (readonly [keyof DistillLossFlagValues, keyof LossConfig])[];

/** The loss flags of a loss: the preset, and each weight / the temperature only where it differs from the preset's. */
export function flagsFromLoss({ preset, loss }: DistillLoss): DistillLossFlagValues {
  const flags: DistillLossFlagValues = { loss: preset };
  for (const [flag, field] of LOSS_FIELD_FLAGS) {
    if (loss[field] !== LOSS_PRESETS[preset][field]) flags[flag] = loss[field];
  }
  return flags;
}

const T = DISTILL_TRAINER_FLAGS;

/** The TrainerConfig pieces these flags give; a flag left out takes its default. */
export function trainerConfigFromFlags(v: Partial<DistillTrainerFlagValues>): DistillTrainerConfig {
  return {
    schedule: {
      learningRate: v.learning_rate ?? T.learning_rate.default,
      numWarmupSteps: v.num_warmup_steps ?? T.num_warmup_steps.default,
      numTrainSteps: v.num_train_steps ?? T.num_train_steps.default,
    },
    batchSize: v.train_batch_size ?? T.train_batch_size.default,
    gradientAccumulationSteps: v.gradient_accumulation_steps ?? T.gradient_accumulation_steps.default,
    seed: v.seed ?? T.seed.default,
  };
}

/**
 * The flags of a TrainerConfig's pieces; a missing gradientAccumulationSteps or seed takes
 * the flag's default, which is also the Trainer's (TRAINER_DEFAULTS).
 */
export function flagsFromTrainerConfig(
  c: Pick<TrainerConfig, 'schedule' | 'batchSize' | 'gradientAccumulationSteps' | 'seed'>,
): DistillTrainerFlagValues {
  return {
    train_batch_size: c.batchSize,
    num_train_steps: c.schedule.numTrainSteps,
    num_warmup_steps: c.schedule.numWarmupSteps,
    learning_rate: c.schedule.learningRate,
    gradient_accumulation_steps: c.gradientAccumulationSteps ?? T.gradient_accumulation_steps.default,
    seed: c.seed ?? T.seed.default,
  };
}

const P = DISTILL_PLAN_FLAGS;

/** The plan these flags give: --eval_every 0 evaluates at each checkpoint; a flag left out takes its default. */
export function planFromFlags(v: Partial<DistillPlanFlagValues>): DistillPlan {
  const checkpointEvery = v.save_checkpoints_steps ?? P.save_checkpoints_steps.default;
  return {
    evalBatchSize: v.eval_batch_size ?? P.eval_batch_size.default,
    maxEvalSteps: v.max_eval_steps ?? P.max_eval_steps.default,
    evalEvery: (v.eval_every ?? P.eval_every.default) || checkpointEvery,
    checkpointEvery,
    heldOutFraction: v.held_out_fraction ?? P.held_out_fraction.default,
  };
}

/**
 * The flags of a plan. The flags cannot say "evaluate only at the end" while checkpoints are
 * saved along the way (--eval_every=0 means at each checkpoint): such a plan is an error.
 */
export function flagsFromPlan(p: DistillPlan): DistillPlanFlagValues {
  if (p.evalEvery === 0 && p.checkpointEvery !== 0) {
    throw new Error(
      `a plan that evaluates only at the end but checkpoints every ${p.checkpointEvery} steps has no run_distill flags`,
    );
  }
  return {
    eval_batch_size: p.evalBatchSize,
    max_eval_steps: p.maxEvalSteps,
    save_checkpoints_steps: p.checkpointEvery,
    eval_every: p.evalEvery === p.checkpointEvery ? 0 : p.evalEvery,
    held_out_fraction: p.heldOutFraction,
  };
}
