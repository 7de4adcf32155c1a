import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../contract/jobs.ts';
import { PRETRAINING_DEFAULTS } from '../core/examples/createPretrainingData.ts';
import { LOSS_PRESETS } from '../core/distill/lossConfig.ts';
import {
  migrateSavedMeta,
  nameOlderSets,
  optionsFromLegacyFlags,
  restoreOptions,
  restoreRunConfig,
  runConfigFromLegacy,
  type LegacyExampleFlags,
  type LegacyRunConfig,
} from './migrate.ts';

const DEFAULT_RUN: RunConfig = {
  lossPreset: 'seed',
  loss: LOSS_PRESETS.seed,
  schedule: { learningRate: 1e-4, numWarmupSteps: 100, numTrainSteps: 10000 },
  batchSize: 32,
  gradientAccumulationSteps: 1,
  seed: 12345,
  evalEvery: 200,
  checkpointEvery: 200,
};

/** Example flags exactly as an older version saved them in IndexedDB. */
const OLD_FLAGS: LegacyExampleFlags = {
  mode: 'seed',
  do_lower_case: false,
  do_whole_word_mask: true,
  max_seq_length: 64,
  max_predictions_per_seq: 10,
  masked_lm_prob: 0.2,
  dupe_factor: 1,
  short_seq_prob: 0,
  doc_stride: 32,
  random_seed: 7,
};

/** A run config exactly as an older version saved it. */
const OLD_RUN: LegacyRunConfig = {
  loss: 'distilbert',
  weights: { alphaCe: 4, alphaCos: 1, alphaKl: 0, alphaMissingMass: 0, alphaMlm: 2 },
  temperature: 3,
  learningRate: 5e-4,
  warmupSteps: 20,
  steps: 400,
  batchSize: 16,
  accumulation: 2,
  evalEvery: 10,
  checkpointEvery: 100,
  seed: 99,
};

describe('restoring state saved by an older version', () => {
  it('turns snake_case example flags into core options, with core defaults for the fields they lacked', () => {
    expect(optionsFromLegacyFlags(OLD_FLAGS)).toEqual({
      mode: 'seed',
      doLowerCase: false,
      doWholeWordMask: true,
      maxSeqLength: 64,
      maxPredictionsPerSeq: 10,
      maskedLmProb: 0.2,
      dupeFactor: 1,
      shortSeqProb: 0,
      docStride: 32,
      randomSeed: 7,
      minDocumentChars: PRETRAINING_DEFAULTS.minDocumentChars,
      shuffleBufferSize: PRETRAINING_DEFAULTS.shuffleBufferSize,
    });
  });

  it('reads options in either shape, and completes new-shape ones with core defaults', () => {
    expect(restoreOptions(OLD_FLAGS).maxSeqLength).toBe(64);
    expect(restoreOptions(undefined)).toEqual(PRETRAINING_DEFAULTS);
    expect(restoreOptions({ maxSeqLength: 32, shuffleBufferSize: 0 })).toEqual({
      ...PRETRAINING_DEFAULTS,
      maxSeqLength: 32,
      shuffleBufferSize: 0,
    });
  });

  it("turns an old run config into the preset name, core's LossConfig and core's schedule names", () => {
    expect(runConfigFromLegacy(OLD_RUN, DEFAULT_RUN)).toEqual({
      lossPreset: 'distilbert',
      loss: { alphaCe: 4, alphaCos: 1, alphaKl: 0, alphaMissingMass: 0, alphaMlm: 2, temperature: 3 },
      schedule: { learningRate: 5e-4, numWarmupSteps: 20, numTrainSteps: 400 },
      batchSize: 16,
      gradientAccumulationSteps: 2,
      seed: 99,
      evalEvery: 10,
      checkpointEvery: 100,
    });
    // an unknown preset name falls back to the default preset's weights where none were saved
    const odd = runConfigFromLegacy({ loss: 'custom', steps: 5 }, DEFAULT_RUN);
    expect(odd.lossPreset).toBe('seed');
    expect(odd.loss).toEqual(LOSS_PRESETS.seed);
    expect(odd.schedule).toEqual({ ...DEFAULT_RUN.schedule, numTrainSteps: 5 });
  });

  it('reads run configs in either shape', () => {
    expect(restoreRunConfig(OLD_RUN, DEFAULT_RUN).schedule.numTrainSteps).toBe(400);
    expect(restoreRunConfig(undefined, DEFAULT_RUN)).toEqual(DEFAULT_RUN);
    const current = restoreRunConfig({ ...DEFAULT_RUN, batchSize: 8 }, DEFAULT_RUN);
    expect(current).toEqual({ ...DEFAULT_RUN, batchSize: 8 });
  });

  it('converts the saved meta records once, and leaves current ones alone', () => {
    const old = {
      exampleSets: [{ id: 'examples-1', corpusIds: ['c'], vocabModelId: 'm', flags: OLD_FLAGS, status: 'ready' }],
      runs: [{ id: 'run-1', name: 'run 1', config: OLD_RUN, status: 'running' }],
      ui: { teacherId: 'm', flags: OLD_FLAGS, runConfig: OLD_RUN, chartRunIds: ['run-1'] },
    };
    const { meta, migrated } = migrateSavedMeta(old, DEFAULT_RUN);
    expect(migrated).toBe(true);
    const set = meta.exampleSets![0];
    expect(set).not.toHaveProperty('flags');
    expect(set).toMatchObject({ id: 'examples-1', status: 'ready', options: optionsFromLegacyFlags(OLD_FLAGS) });
    expect(meta.runs![0]).toMatchObject({
      id: 'run-1',
      status: 'running',
      config: runConfigFromLegacy(OLD_RUN, DEFAULT_RUN),
    });
    expect(meta.ui).not.toHaveProperty('flags');
    expect(meta.ui).toMatchObject({
      teacherId: 'm',
      chartRunIds: ['run-1'],
      exampleOptions: optionsFromLegacyFlags(OLD_FLAGS),
      runConfig: runConfigFromLegacy(OLD_RUN, DEFAULT_RUN),
    });

    const again = migrateSavedMeta(meta, DEFAULT_RUN);
    expect(again.migrated).toBe(false);
    expect(again.meta).toEqual(meta);
    expect(migrateSavedMeta({}, DEFAULT_RUN)).toEqual({
      meta: { exampleSets: undefined, runs: undefined, ui: undefined },
      migrated: false,
    });
  });
});

describe('example sets saved before sets had names', () => {
  const options = { ...PRETRAINING_DEFAULTS, doWholeWordMask: true, maxSeqLength: 64, dupeFactor: 1 };
  const corpora = [
    { id: 'corpus-a', name: 'hongloumeng.txt', size: 1234, stats: { contentKey: '1234-abcdef01' } },
    { id: 'corpus-b', name: 'news.txt', size: 99 },
  ];

  it('are named from their flags and the corpora still loaded, which become their sources', () => {
    const sets = [
      { id: 'examples-mx55khs3-ah27i', corpusIds: ['corpus-a'], options, status: 'ready', count: 10 },
      { id: 'examples-mx55khs4-zzzzz', corpusIds: ['corpus-a'], options, status: 'ready', count: 12 },
      { id: 'examples-old-gone', corpusIds: ['corpus-removed'], options, status: 'ready', count: 3 },
    ];
    const named = nameOlderSets(sets, corpora);
    expect(named.map((e) => e.name)).toEqual([
      'hongloumeng.txt · wwm · len 64 · dupe 1',
      'hongloumeng.txt · wwm · len 64 · dupe 1 (2)',
      'an unknown corpus · wwm · len 64 · dupe 1',
    ]);
    expect(named[0].sources).toEqual([{ name: 'hongloumeng.txt', bytes: 1234, contentKey: '1234-abcdef01' }]);
    expect(named[2].sources).toBeUndefined();
    // everything else is kept as saved
    expect(named.map((e) => [e.id, e.count, e.status])).toEqual(sets.map((e) => [e.id, e.count, e.status]));
  });

  it('leave named sets as they are, and do not reuse their names', () => {
    const sets = [
      { id: 'x', name: 'news.txt · wwm · len 64 · dupe 1', corpusIds: ['corpus-b'], options },
      { id: 'y', corpusIds: ['corpus-b'], options },
    ];
    const named = nameOlderSets(sets, corpora);
    expect(named[0]).toBe(sets[0]);
    expect(named[1].name).toBe('news.txt · wwm · len 64 · dupe 1 (2)');
  });
});
