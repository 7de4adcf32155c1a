/**
 * Workbench state saved by an older version, converted once on restore.
 *
 * Before the page and the workers shared core's types, the saved state (the
 * IndexedDB meta store: `ui`, `exampleSets`, `runs`) kept example flags in the
 * seed's snake_case (`max_seq_length`, ...) and run configs with their own
 * field names (`loss` as a preset name, `weights`, `warmupSteps`, `steps`,
 * `accumulation`). These functions turn such records into core's
 * PretrainingOptions and the contract's RunConfig; records already in the
 * current shape pass through unchanged. Pure: no storage, no DOM.
 */
import type { CorpusStatsResult, RunConfig } from '../contract/jobs.ts';
import { exampleSetName, uniqueName } from '../core/examples/exampleSetName.ts';
import { PRETRAINING_DEFAULTS, type PretrainingOptions } from '../core/examples/createPretrainingData.ts';
import { pretrainingOptionsFromFlags } from '../core/options/pretrainingFlags.ts';
import { LOSS_PRESETS, type LossConfig, type LossPresetName } from '../core/distill/lossConfig.ts';

/** The example flags as older versions saved them (the seed's create_pretraining_data flag names). */
export interface LegacyExampleFlags {
  mode: 'seed' | 'bert';
  do_lower_case: boolean;
  do_whole_word_mask: boolean;
  max_seq_length: number;
  max_predictions_per_seq: number;
  masked_lm_prob: number;
  dupe_factor: number;
  short_seq_prob: number;
  doc_stride: number;
  random_seed: number;
}

/** A run config as older versions saved it. */
export interface LegacyRunConfig {
  loss: string;
  weights: Record<string, number>;
  temperature: number;
  learningRate: number;
  warmupSteps: number;
  steps: number;
  batchSize: number;
  accumulation: number;
  evalEvery: number;
  checkpointEvery: number;
  seed: number;
}

/**
 * Example-building options from flags an older version saved. The fields those flags did not
 * have (minDocumentChars, shuffleBufferSize) take core's defaults, which is what such sets
 * were built with.
 */
export function optionsFromLegacyFlags(f: Partial<LegacyExampleFlags>): PretrainingOptions {
  return pretrainingOptionsFromFlags(f);
}

const SNAKE_FLAGS: (keyof LegacyExampleFlags)[] = [
  'do_lower_case',
  'do_whole_word_mask',
  'max_seq_length',
  'max_predictions_per_seq',
  'masked_lm_prob',
  'dupe_factor',
  'short_seq_prob',
  'doc_stride',
  'random_seed',
];

/** True for example options saved in the old snake_case shape. */
export function isLegacyFlags(v: unknown): v is Partial<LegacyExampleFlags> {
  return typeof v === 'object' && v !== null && SNAKE_FLAGS.some((k) => k in v);
}

/** Options as saved, in either shape, completed with core's defaults. */
export function restoreOptions(saved: unknown): PretrainingOptions {
  if (isLegacyFlags(saved)) return optionsFromLegacyFlags(saved);
  return { ...PRETRAINING_DEFAULTS, ...((saved as Partial<PretrainingOptions> | undefined) ?? {}) };
}

/** True for a run config saved in the old shape (the loss as a preset name). */
export function isLegacyRunConfig(v: unknown): v is Partial<LegacyRunConfig> {
  return typeof v === 'object' && v !== null && typeof (v as { loss?: unknown }).loss === 'string';
}

const LOSS_KEYS = Object.keys(LOSS_PRESETS.seed) as (keyof LossConfig)[];

/** A run config from one an older version saved; missing fields take `defaults`'. */
export function runConfigFromLegacy(c: Partial<LegacyRunConfig>, defaults: RunConfig): RunConfig {
  const lossPreset: LossPresetName =
    c.loss !== undefined && c.loss in LOSS_PRESETS ? (c.loss as LossPresetName) : defaults.lossPreset;
  const loss: LossConfig = { ...LOSS_PRESETS[lossPreset] };
  for (const k of LOSS_KEYS) {
    const v = k === 'temperature' ? c.temperature : c.weights?.[k];
    if (typeof v === 'number') loss[k] = v;
  }
  return {
    lossPreset,
    loss,
    schedule: {
      learningRate: c.learningRate ?? defaults.schedule.learningRate,
      numWarmupSteps: c.warmupSteps ?? defaults.schedule.numWarmupSteps,
      numTrainSteps: c.steps ?? defaults.schedule.numTrainSteps,
    },
    batchSize: c.batchSize ?? defaults.batchSize,
    gradientAccumulationSteps: c.accumulation ?? defaults.gradientAccumulationSteps,
    seed: c.seed ?? defaults.seed,
    evalEvery: c.evalEvery ?? defaults.evalEvery,
    checkpointEvery: c.checkpointEvery ?? defaults.checkpointEvery,
  };
}

/** A run config as saved, in either shape, completed with `defaults`. */
export function restoreRunConfig(saved: unknown, defaults: RunConfig): RunConfig {
  if (isLegacyRunConfig(saved)) return runConfigFromLegacy(saved, defaults);
  const c = (saved as Partial<RunConfig> | undefined) ?? {};
  return {
    ...defaults,
    ...c,
    loss: { ...defaults.loss, ...c.loss },
    schedule: { ...defaults.schedule, ...c.schedule },
  };
}

/** The saved records restore() reads (the meta store's values), as loosely typed as storage is. */
export interface SavedMeta {
  exampleSets?: Record<string, unknown>[];
  runs?: Record<string, unknown>[];
  ui?: Record<string, unknown>;
}

/**
 * Converts the records of an older version to the current shape: example sets' `flags` become
 * `options`, runs' and the form's run configs are converted, the form's `flags` become
 * `exampleOptions`. `migrated` tells whether anything was old (so the caller saves once).
 */
export function migrateSavedMeta(meta: SavedMeta, defaultRun: RunConfig): { meta: SavedMeta; migrated: boolean } {
  let migrated = false;
  const exampleSets = meta.exampleSets?.map((e) => {
    if (!('flags' in e)) return e;
    migrated = true;
    const { flags, ...rest } = e;
    return { ...rest, options: restoreOptions(flags) };
  });
  const runs = meta.runs?.map((r) => {
    if (!isLegacyRunConfig(r.config)) return r;
    migrated = true;
    return { ...r, config: runConfigFromLegacy(r.config, defaultRun) };
  });
  let ui = meta.ui;
  if (ui && ('flags' in ui || isLegacyRunConfig(ui.runConfig))) {
    migrated = true;
    const { flags, ...rest } = ui;
    ui = {
      ...rest,
      ...(flags !== undefined && rest.exampleOptions === undefined ? { exampleOptions: restoreOptions(flags) } : {}),
      ...(isLegacyRunConfig(rest.runConfig) ? { runConfig: runConfigFromLegacy(rest.runConfig, defaultRun) } : {}),
    };
  }
  return { meta: { ...meta, exampleSets, runs, ui }, migrated };
}

/** What nameOlderSets reads of a saved corpus. */
interface SavedCorpus {
  id: string;
  name: string;
  size: number;
  stats?: Pick<CorpusStatsResult, 'contentKey'>;
}

/** What nameOlderSets reads and writes of a saved example set. */
interface SavedSet {
  id: string;
  name?: string;
  sources?: { name: string; bytes: number; contentKey?: string }[];
  corpusIds: string[];
  options: PretrainingOptions;
}

/**
 * Example sets saved before sets had names (random ids such as examples-mx55khs3-ah27i) get
 * one from their flags and the corpora they name that are still loaded ("an unknown corpus"
 * when none is), and those corpora as their sources; named sets pass through unchanged.
 */
export function nameOlderSets<S extends SavedSet>(
  sets: S[],
  corpora: SavedCorpus[],
): (S & Pick<SavedSet, 'name' | 'sources'>)[] {
  const taken = sets.flatMap((e) => (e.name ? [e.name] : []));
  return sets.map((e) => {
    if (e.name) return e;
    const found = e.corpusIds.flatMap((id) => corpora.filter((c) => c.id === id));
    const name = uniqueName(
      exampleSetName(found.length ? found.map((c) => c.name) : ['an unknown corpus'], e.options),
      taken,
    );
    taken.push(name);
    const sources = found.map((c) => ({
      name: c.name,
      bytes: c.size,
      ...(c.stats?.contentKey ? { contentKey: c.stats.contentKey } : {}),
    }));
    return { ...e, name, ...(found.length ? { sources } : {}) };
  });
}
