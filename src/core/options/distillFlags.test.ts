import { describe, expect, it } from 'vitest';
import { LOSS_PRESETS, type LossConfig, lossConfig } from '../distill/loss.ts';
import { TRAINER_DEFAULTS } from '../run/trainer.ts';
import {
  DISTILL_LOSS_FLAGS,
  DISTILL_PLAN_FLAGS,
  DISTILL_TRAINER_FLAGS,
  type DistillPlan,
  type DistillTrainerConfig,
  flagsFromLoss,
  flagsFromPlan,
  flagsFromTrainerConfig,
  LOSS_PRESET_NAMES,
  lossFromFlags,
  planFromFlags,
  trainerConfigFromFlags,
} from './distillFlags.ts';
import type { OptionFlagTable } from './flagSpec.ts';

/** The value at a dotted option path ('schedule.learningRate'). */
function at(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], o);
}

/** The table's option column says what the converters do. */
function expectOptionColumn(table: OptionFlagTable, flags: object, options: unknown) {
  for (const [name, row] of Object.entries(table)) {
    const value = (flags as Record<string, unknown>)[name];
    if (value !== undefined) expect(at(options, row.option)).toBe(value);
  }
}

describe('run_distill loss flags ↔ LossConfig', () => {
  const custom: LossConfig = {
    alphaCe: 2,
    alphaCos: 0.5,
    alphaKl: 0.25,
    alphaMissingMass: 0.1,
    alphaMlm: 3,
    temperature: 1.5,
  };

  it('round-trip: every preset, as is and with every field changed', () => {
    for (const preset of LOSS_PRESET_NAMES) {
      for (const loss of [LOSS_PRESETS[preset], custom]) {
        const flags = flagsFromLoss({ preset, loss });
        expect(lossFromFlags(flags)).toEqual({ preset, loss });
        expectOptionColumn(DISTILL_LOSS_FLAGS, flags, { preset, loss });
      }
    }
  });

  it('names only what differs from the preset', () => {
    expect(flagsFromLoss({ preset: 'seed', loss: LOSS_PRESETS.seed })).toEqual({ loss: 'seed' });
    expect(flagsFromLoss({ preset: 'distilbert', loss: { ...LOSS_PRESETS.distilbert, alphaCe: 3 } })).toEqual({
      loss: 'distilbert',
      alpha_ce: 3,
    });
  });

  it('is the preset with the given overrides, as lossConfig makes it; bad values throw', () => {
    expect(lossFromFlags({})).toEqual({ preset: 'seed', loss: LOSS_PRESETS.seed });
    expect(lossFromFlags({ loss: 'distilbert', alpha_ce: 3, temperature: 4 }).loss).toEqual(
      lossConfig('distilbert', { alphaCe: 3, temperature: 4 }),
    );
    expect(() => lossFromFlags({ alpha_cos: -1 })).toThrow(/alphaCos/);
  });
});

describe('run_distill trainer flags ↔ TrainerConfig', () => {
  const c: DistillTrainerConfig = {
    schedule: { learningRate: 1e-3, numWarmupSteps: 3, numTrainSteps: 40 },
    batchSize: 12,
    gradientAccumulationSteps: 3,
    seed: 7,
  };

  it('round-trip: config → flags → config gives the same config', () => {
    const flags = flagsFromTrainerConfig(c);
    expect(trainerConfigFromFlags(flags)).toEqual(c);
    expect(Object.keys(flags).sort()).toEqual(Object.keys(DISTILL_TRAINER_FLAGS).sort());
    expectOptionColumn(DISTILL_TRAINER_FLAGS, flags, c);
  });

  it("defaults: the original run_distill's (batch 2; Google BERT's schedule), and the Trainer's where a config leaves a field out", () => {
    expect(trainerConfigFromFlags({})).toEqual({
      schedule: { learningRate: 5e-5, numWarmupSteps: 10000, numTrainSteps: 100000 },
      batchSize: 2,
      gradientAccumulationSteps: 1,
      seed: 12345,
    });
    expect(DISTILL_TRAINER_FLAGS.seed.default).toBe(TRAINER_DEFAULTS.seed);
    expect(DISTILL_TRAINER_FLAGS.gradient_accumulation_steps.default).toBe(TRAINER_DEFAULTS.gradientAccumulationSteps);
    const { gradientAccumulationSteps: _a, seed: _s, ...partial } = c;
    expect(trainerConfigFromFlags(flagsFromTrainerConfig(partial))).toEqual({
      ...c,
      gradientAccumulationSteps: TRAINER_DEFAULTS.gradientAccumulationSteps,
      seed: TRAINER_DEFAULTS.seed,
    });
  });
});

describe('run_distill evaluation flags ↔ plan', () => {
  it('round-trip, including evaluating at each checkpoint and never checkpointing', () => {
    for (const p of [
      { evalBatchSize: 4, maxEvalSteps: 7, evalEvery: 10, checkpointEvery: 50, heldOutFraction: 0.25 },
      { evalBatchSize: 4, maxEvalSteps: 7, evalEvery: 50, checkpointEvery: 50, heldOutFraction: 0 },
      { evalBatchSize: 4, maxEvalSteps: 7, evalEvery: 0, checkpointEvery: 0, heldOutFraction: 0.1 },
      { evalBatchSize: 4, maxEvalSteps: 7, evalEvery: 5, checkpointEvery: 0, heldOutFraction: 0.1 },
    ] satisfies DistillPlan[]) {
      const flags = flagsFromPlan(p);
      expect(planFromFlags(flags)).toEqual(p);
    }
    const flags = flagsFromPlan({
      evalBatchSize: 4,
      maxEvalSteps: 7,
      evalEvery: 10,
      checkpointEvery: 50,
      heldOutFraction: 0.25,
    });
    expect(flags).toEqual({
      eval_batch_size: 4,
      max_eval_steps: 7,
      eval_every: 10,
      save_checkpoints_steps: 50,
      held_out_fraction: 0.25,
    });
    expectOptionColumn(DISTILL_PLAN_FLAGS, flags, planFromFlags(flags));
  });

  it('--eval_every=0 evaluates at each checkpoint; a plan the flags cannot say throws', () => {
    expect(planFromFlags({})).toEqual({
      evalBatchSize: 8,
      maxEvalSteps: 100,
      evalEvery: 1000,
      checkpointEvery: 1000,
      heldOutFraction: 0.01,
    });
    expect(planFromFlags({ save_checkpoints_steps: 2 }).evalEvery).toBe(2);
    expect(() =>
      flagsFromPlan({ evalBatchSize: 4, maxEvalSteps: 7, evalEvery: 0, checkpointEvery: 5, heldOutFraction: 0 }),
    ).toThrow(/no run_distill flags/);
  });
});
