/**
 * The distillation loss's configuration (weights, temperature, presets) without tfjs, so
 * the page and the flag tables (src/core/options/distillFlags.ts) can use it; loss.ts has
 * the formulas and re-exports all of this.
 */
export interface LossConfig {
  /** weight of the soft cross-entropy against the teacher's top-K */
  alphaCe: number;
  /** weight of 1 − cosine(p, q) on the top-K probability vectors */
  alphaCos: number;
  /** weight of KL between the top-K distributions, both renormalised */
  alphaKl: number;
  /** weight of the missing-mass bucket (probability outside the top K) */
  alphaMissingMass: number;
  /** weight of hard-label MLM cross-entropy on the gold tokens */
  alphaMlm: number;
  /** distillation temperature (1 = the seed) */
  temperature: number;
}

export type LossPresetName = 'seed' | 'distilbert' | 'mlm';

/** How people read the presets' names ('seed' is the original 2020 scripts' loss; the value stays for saved runs and old flags). */
export const LOSS_PRESET_TITLES: Record<LossPresetName, string> = {
  seed: 'original',
  distilbert: 'DistilBERT',
  mlm: 'plain MLM',
};

export const LOSS_PRESETS: Record<LossPresetName, LossConfig> = {
  seed: { alphaCe: 1, alphaCos: 1, alphaKl: 0, alphaMissingMass: 0, alphaMlm: 0, temperature: 1 },
  distilbert: { alphaCe: 5, alphaCos: 1, alphaKl: 0, alphaMissingMass: 0, alphaMlm: 2, temperature: 2 },
  mlm: { alphaCe: 0, alphaCos: 0, alphaKl: 0, alphaMissingMass: 0, alphaMlm: 1, temperature: 1 },
};

/** A preset with some fields overridden; checks the values. */
export function lossConfig(preset: LossPresetName, overrides: Partial<LossConfig> = {}): LossConfig {
  const base = LOSS_PRESETS[preset];
  if (!base) throw new Error(`unknown loss preset "${preset}" (known: ${Object.keys(LOSS_PRESETS).join(', ')})`);
  const cfg = { ...base, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  for (const [k, v] of Object.entries(cfg)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new Error(`loss config: ${k} must be a number ≥ 0, got ${v}`);
  }
  if (cfg.temperature <= 0) throw new Error(`loss config: temperature must be > 0, got ${cfg.temperature}`);
  return cfg;
}

/** True when the loss needs the teacher's outputs. */
export function needsTeacher(cfg: LossConfig): boolean {
  return cfg.alphaCe > 0 || cfg.alphaCos > 0 || cfg.alphaKl > 0 || cfg.alphaMissingMass > 0;
}
