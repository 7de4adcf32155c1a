import { describe, expect, it } from 'vitest';
import type { EvalPoint, MetricPoint } from '../contract/jobs.ts';
import { modelCard, runCardRecord } from '../core/distill/modelCard.ts';
import { PRETRAINING_DEFAULTS } from '../core/examples/createPretrainingData.ts';
import { nextRunName, renameRun, setRunNotes, toggleCompareRun } from './runs.ts';
import {
  differingFields,
  legendConfig,
  RUN_FIELDS,
  type RunLookup,
  runCardFacts,
  runCsvColumns,
  runRow,
} from './runTable.ts';
import { DEFAULT_RUN, type RunEntry, useApp } from './state.ts';

const cacheRef = {
  key: { teacherFingerprint: 'f', exampleSetId: 'set-1', k: 16 },
  layout: { numExamples: 40, batchSize: 8, slots: 20, vocabSize: 100 },
};

function run(id: string, p: Partial<RunEntry> = {}): RunEntry {
  return {
    id,
    name: id,
    teacherId: 'model-1',
    cacheId: 'cache-1',
    cache: cacheRef,
    exampleSetId: 'set-1',
    student: { kind: 'layers', layers: [0, 1, 2] },
    config: DEFAULT_RUN,
    backend: 'wasm',
    status: 'ready',
    step: 30,
    lastCheckpointStep: 30,
    createdAt: 1,
    ...p,
  };
}

function metric(step: number, total: number): MetricPoint {
  return { step, losses: { total }, lr: 1e-4, examplesPerSec: 1, tokensPerSec: 1, time: step * 1000 };
}

function evalPoint(step: number, agreement: number, gold: number): EvalPoint {
  return { step, loss: 1, goldAccuracy: gold, teacherAgreement: agreement, top5Overlap: 0.5 };
}

const lookup: RunLookup = {
  corpora: [
    {
      id: 'corpus-1',
      name: 'news.txt',
      size: 1000,
      status: 'ready',
      stats: { bytes: 1000, documents: 12, lines: 40, characters: 900, encoding: 'utf-8', format: 'text' },
    },
  ],
  models: [
    {
      id: 'model-1',
      name: 'tiny-teacher',
      files: [],
      sizeBytes: 1,
      status: 'ready',
      info: {
        config: { hidden_size: 32, num_hidden_layers: 4 },
      } as unknown as NonNullable<RunLookup['models'][number]['info']>,
    },
  ],
  exampleSets: [
    {
      id: 'set-1',
      corpusIds: ['corpus-1', 'corpus-gone'],
      vocabModelId: 'model-1',
      options: PRETRAINING_DEFAULTS,
      status: 'ready',
      count: 40,
      storedBytes: 1,
      createdAt: 1,
    },
  ],
  teacherCaches: [
    {
      id: 'cache-1',
      modelId: 'model-1',
      exampleSetId: 'set-1',
      k: 16,
      batchSize: 8,
      status: 'ready',
      positions: 100,
      storedBytes: 1,
    },
  ],
  metrics: { a: [metric(1, 3), metric(2, 1.5), metric(3, 2)] },
  evals: { a: [evalPoint(0, 0.4, 0.1), evalPoint(10, 0.7, 0.3), evalPoint(20, 0.6, 0.35)] },
};

describe('runs table', () => {
  it('a row has every hyperparameter, its data and its best and last metrics', () => {
    const r = runRow(run('a', { notes: 'baseline' }), lookup);
    expect(Object.keys(r.values)).toEqual(RUN_FIELDS.map((f) => f.key));
    expect(r.notes).toBe('baseline');
    expect(r.values).toMatchObject({
      learning_rate: '0.0001',
      train_batch_size: '32',
      num_train_steps: '10000',
      num_warmup_steps: '100',
      loss: 'original',
      loss_weights: 'ce 1 · cos 1 · kl 0 · missing 0 · mlm 0',
      temperature: '1',
      seed: '12345',
      student_layers: '3 (0,1,2)',
      student_hidden: '32',
      backend: 'wasm',
      teacher: 'tiny-teacher',
      sources: 'news.txt + corpus-gone',
      example_set: 'set-1',
      examples: '40',
      teacher_cache: 'top-16 of tiny-teacher over set-1',
      steps_done: '30 / 10000',
      last_loss: '2',
      min_loss: '1.5',
      last_agreement: '60.0% @ 20',
      best_agreement: '70.0% @ 10',
      last_gold: '35.0% @ 20',
      best_gold: '35.0% @ 20',
    });
    expect(r.values.example_flags).toBe('seq 128 · 20 masks · p 0.15 · dupe 10 · original · random seed 12345');
  });

  it('a run with no metrics yet shows dashes, a fresh student its own sizes', () => {
    const r = runRow(
      run('b', {
        backend: undefined,
        student: {
          kind: 'fresh',
          hidden_size: 64,
          num_hidden_layers: 2,
          num_attention_heads: 2,
          intermediate_size: 128,
        },
      }),
      lookup,
    );
    expect(r.values).toMatchObject({
      last_loss: '—',
      min_loss: '—',
      best_agreement: '—',
      last_agreement: '—',
      backend: '—',
      student_layers: '2 (fresh)',
      student_hidden: '64',
    });
  });

  it('the fields that differ between compared runs are the config and data ones that are not all equal', () => {
    const a = runRow(run('a'), lookup);
    const b = runRow(
      run('b', { config: { ...DEFAULT_RUN, schedule: { ...DEFAULT_RUN.schedule, learningRate: 3e-4 }, seed: 1 } }),
      lookup,
    );
    expect([...differingFields([a, b])].sort()).toEqual(['learning_rate', 'seed']);
    expect(differingFields([a])).toEqual(new Set());
    expect(differingFields([a, runRow(run('c'), lookup)])).toEqual(new Set());
    expect(legendConfig(b, differingFields([a, b]))).toBe('learning rate 0.0003 · random seed 1');
    expect(legendConfig(a, new Set())).toBe('learning rate 0.0001 · batch 32 · loss original');
  });

  it("the CSV columns carry the run's name, notes, config and data", () => {
    const cols = runCsvColumns(runRow(run('a', { name: 'lr 1e-4', notes: 'x' }), lookup));
    expect(cols).toMatchObject({
      run_id: 'a',
      run: 'lr 1e-4',
      notes: 'x',
      learning_rate: '0.0001',
      teacher: 'tiny-teacher',
    });
    expect('last_loss' in cols).toBe(false);
  });

  it("the model card facts: the teacher's name and sizes, the sources with sizes, the set's flags", () => {
    const facts = runCardFacts(run('a', { name: 'my run', notes: 'n' }), lookup);
    expect(facts.title).toBe('my run');
    expect(facts.teacher).toEqual({ name: 'tiny-teacher', layers: 4, hidden: 32 });
    expect(facts.data.sources).toEqual([
      { name: 'news.txt', bytes: 1000, documents: 12 },
      { name: 'corpus-gone (removed)' },
    ]);
    expect(facts.data.flags.max_seq_length).toBe(128);
    expect(facts.data.teacherTopK).toBe(16);
    const md = modelCard(
      runCardRecord(facts, {
        format: 'safetensors',
        date: '2026-12-02',
        student: { layers: 3, hidden: 32, heads: 2, intermediate: 64, vocabSize: 100 },
        stepsTrained: 30,
        trainExamples: 36,
        heldOutExamples: 4,
        evaluations: [],
      }),
    );
    expect(md).toContain('# my run');
    expect(md).toContain('- Examples: 40 (training 36, held out 4)');
    expect(md).toContain('- Backend: wasm');
  });

  it('new runs are numbered past the highest "run N", renamed runs do not count', () => {
    expect(nextRunName([])).toBe('run 1');
    expect(nextRunName([{ name: 'run 1' }, { name: 'baseline' }])).toBe('run 3');
    expect(nextRunName([{ name: 'run 5' }])).toBe('run 6');
  });

  it('renaming: a blank or overlong name is refused with the reason and the run keeps its name; notes and compare are kept', () => {
    useApp.setState({ runs: [run('a', { name: 'run 1' })], compareRunIds: [] });
    expect(renameRun('a', '   ')).toBe('a run needs a name');
    expect(renameRun('a', 'x'.repeat(121))).toBe('a run name has at most 120 characters (this one has 121)');
    expect(useApp.getState().runs[0].name).toBe('run 1');
    expect(renameRun('a', '  lr 3e-4 baseline ')).toBeNull();
    expect(useApp.getState().runs[0].name).toBe('lr 3e-4 baseline');
    setRunNotes('a', 'first try\nwith warmup');
    expect(useApp.getState().runs[0].notes).toBe('first try\nwith warmup');
    toggleCompareRun('a');
    expect(useApp.getState().compareRunIds).toEqual(['a']);
    toggleCompareRun('a');
    expect(useApp.getState().compareRunIds).toEqual([]);
  });
});
