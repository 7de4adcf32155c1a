/**
 * The one held-out rule every run uses (page, CLI, demo): the LAST examples of
 * the set are held out for evaluation and never trained on; the rest, in order,
 * is the training set. Example sets are shuffled when they are built, so the
 * last ones are as good a sample as any, and the split is the same on every
 * reload without storing it.
 *
 * How many: `fraction` of the set (default 5%), at least 1, at most `max`
 * (default 256: evaluation stays quick on large sets); none for a set of fewer
 * than `minSetSize` examples (default 20), where every example is needed for
 * training and a held-out score would mean nothing.
 *
 * How much a score on it means: every score is shown with what it was measured
 * on (masked positions and examples) and its 95% interval (binomialInterval.ts);
 * under MIN_SCORED predictions (30) a score is flagged as too small to mean
 * anything: at 30 a rate near 50% is still only known to ±17 points, and below
 * it the interval spans most of the scale.
 */
import { subset, type TrainingSet } from './task.ts';

export interface HeldOutRule {
  fraction: number;
  max: number;
  minSetSize: number;
}

export const HELD_OUT_DEFAULTS: HeldOutRule = { fraction: 0.05, max: 256, minSetSize: 20 };

/** How many of `size` examples are held out. */
export function heldOutCount(size: number, rule: Partial<HeldOutRule> = {}): number {
  const { fraction, max, minSetSize } = { ...HELD_OUT_DEFAULTS, ...rule };
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`held-out fraction must be in [0, 1), got ${fraction}`);
  if (fraction === 0 || size < minSetSize) return 0;
  return Math.min(max, Math.max(1, Math.floor(size * fraction)));
}

/** Splits a set into training items (the first ones) and held-out items (the last ones). */
export function splitHeldOut<Item>(
  set: TrainingSet<Item>,
  rule: Partial<HeldOutRule> = {},
): { train: TrainingSet<Item>; heldOut: TrainingSet<Item> | null } {
  const n = heldOutCount(set.size, rule);
  return {
    train: subset(set, 0, set.size - n),
    heldOut: n > 0 ? subset(set, set.size - n, n) : null,
  };
}

/** What a run says about its held-out set when it starts (`size`: held-out examples). */
export function heldOutMessage(size: number, rule: Partial<HeldOutRule> = {}): string {
  const { minSetSize } = { ...HELD_OUT_DEFAULTS, ...rule };
  return size > 0
    ? `evaluating on the last ${size} example${size === 1 ? '' : 's'} of the set, held out from training`
    : `no evaluation: a set of fewer than ${minSetSize} examples is all used for training`;
}

/** Fewer scored predictions than this, and a held-out score is flagged as too small to mean anything. */
export const MIN_SCORED = 30;

/**
 * What to say beside a score measured on `scored` predictions (masked positions, or dev examples);
 * null when there are enough.
 */
export function heldOutSizeWarning(scored: number, unit = 'masked positions'): string | null {
  if (scored >= MIN_SCORED) return null;
  if (scored === 0) return `no ${unit} scored: nothing is measured`;
  return `only ${scored} ${unit} scored (fewer than ${MIN_SCORED}): too few for the score to mean much`;
}
