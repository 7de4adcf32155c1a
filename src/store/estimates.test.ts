import { describe, expect, it, vi } from 'vitest';
import { PRETRAINING_DEFAULTS } from '../core/examples/createPretrainingData.ts';
import { estimateExamples } from '../core/estimate/exampleCount.ts';
import { teacherCacheBytes } from '../core/estimate/jobCost.ts';
import { bertForwardFlops, TRAIN_FLOPS_PER_FORWARD } from '../core/model/flops.ts';

const inputs = vi.hoisted(() => [] as unknown[]);
vi.mock('./jobRunner.ts', () => ({
  runEntryJob: vi.fn(async (o: { input: unknown }) => inputs.push(o.input)),
  stopJob: vi.fn(),
}));
vi.mock('./workerClient.ts', () => ({ callWorker: vi.fn() }));
vi.mock('./persistence.ts', () => ({ refreshQuota: vi.fn(async () => {}) }));

const { buildExamples, setExampleCap, toggleExampleSource } = await import('./examples.ts');
const { chosenSourceIds, defaultSourceIds, examplesEstimate, measuredRate, rateMissing, teacherPassEstimate } =
  await import('./estimates.ts');
const { useApp } = await import('./state.ts');
type Corpus = import('./state.ts').CorpusEntry;

const LENGTHS: [number, number][] = [
  [40, 30],
  [300, 10],
];
const corpus = (id: string, name: string, origin?: 'demo'): Corpus => ({
  id,
  name,
  size: 1000,
  status: 'ready',
  ...(origin ? { origin } : {}),
  stats: {
    bytes: 1000,
    documents: 40,
    lines: 80,
    characters: 900,
    encoding: 'utf-8',
    format: 'plain text',
    contentKey: `key-${id}`,
  },
  tokens: {
    vocabModelId: 'teacher',
    doLowerCase: true,
    documents: 40,
    skippedDocuments: 0,
    tokens: 4200,
    unknown: 12,
    topUnknown: [],
    lengths: LENGTHS,
  },
});
const teacher = {
  id: 'teacher',
  name: 'small-teacher',
  files: [],
  sizeBytes: 0,
  status: 'ready' as const,
  info: {
    vocabSize: 21128,
    config: { num_hidden_layers: 4, hidden_size: 128, intermediate_size: 512, vocab_size: 21128 },
  } as never,
};

function reset(corpora: Corpus[]) {
  inputs.length = 0;
  useApp.setState({
    corpora,
    models: [teacher],
    teacherId: 'teacher',
    vocabularyId: null,
    exampleOptions: { ...PRETRAINING_DEFAULTS },
    exampleSources: null,
    exampleCap: null,
    exampleSets: [],
    quota: { usage: 0, quota: 1e6, persisted: false },
    backends: {},
  });
}

describe('the sources of a new example set', () => {
  it('are every corpus but the demo’s by default, or the demo’s when it is alone', () => {
    expect(defaultSourceIds([corpus('d', 'demo-corpus.txt', 'demo'), corpus('a', 'a.txt')])).toEqual(['a']);
    expect(defaultSourceIds([corpus('d', 'demo-corpus.txt', 'demo')])).toEqual(['d']);
    // a demo corpus saved before corpora had an origin is known by its file name
    expect(defaultSourceIds([corpus('d', 'demo-corpus.txt'), corpus('a', 'a.txt')])).toEqual(['a']);
  });

  it('are the ticked corpora, and Build examples uses exactly those, names the set and keeps its sources', async () => {
    reset([corpus('d', 'demo-corpus.txt', 'demo'), corpus('a', 'a.txt'), corpus('b', 'b.txt')]);
    toggleExampleSource('b', false);
    expect(chosenSourceIds(useApp.getState())).toEqual(['a']);
    toggleExampleSource('d', true);
    expect(chosenSourceIds(useApp.getState())).toEqual(['a', 'd']);
    setExampleCap(50);
    await buildExamples();
    expect(inputs).toMatchObject([{ corpusIds: ['d', 'a'], maxExamples: 50 }]);
    const set = useApp.getState().exampleSets[0];
    expect(set.name).toBe('demo-corpus.txt + a.txt · wordpiece · len 128 · dupe 10 · max 50');
    expect(set.sources).toEqual([
      { name: 'demo-corpus.txt', bytes: 1000, contentKey: 'key-d' },
      { name: 'a.txt', bytes: 1000, contentKey: 'key-a' },
    ]);
    expect(set.maxExamples).toBe(50);
    expect(set.estimate?.examples).toBe(50);
  });

  it('refuses no ticked corpus and a bad cap, naming what is wrong, and starts nothing', async () => {
    reset([corpus('a', 'a.txt')]);
    toggleExampleSource('a', false);
    await expect(buildExamples()).rejects.toThrow('tick at least one corpus to build from');
    toggleExampleSource('a', true);
    setExampleCap(0);
    await expect(buildExamples()).rejects.toThrow('max examples must be a whole number of at least 1');
    setExampleCap(2.5);
    await expect(buildExamples()).rejects.toThrow('got 2.5');
    expect(inputs).toEqual([]);
    expect(useApp.getState().exampleSets).toEqual([]);
  });
});

describe('examplesEstimate', () => {
  it('adds the ticked corpora’s lengths, applies the cap, and sizes the teacher cache against the quota', () => {
    reset([corpus('a', 'a.txt'), corpus('b', 'b.txt')]);
    const both = estimateExamples(
      LENGTHS.map(([n, d]) => [n, 2 * d]),
      PRETRAINING_DEFAULTS,
    );
    const e = examplesEstimate(useApp.getState());
    expect(e.estimate?.examples).toBe(both.examples);
    expect(e.cacheBytes).toBe(
      teacherCacheBytes({ examples: both.examples, slots: 20, k: 128, batchSize: 8, vocabSize: 21128 }),
    );
    // 1 MB of quota: the set and cache do not fit
    expect(e.warnings.map((w) => w.kind)).toEqual(['storage']);
    expect(e.teacherSeconds).toBeNull();
    setExampleCap(10);
    const capped = examplesEstimate(useApp.getState());
    expect(capped.estimate?.examples).toBe(10);
    expect(capped.uncapped?.examples).toBe(both.examples);
  });

  it('waits for corpora counted with another vocabulary or lower-casing', () => {
    reset([corpus('a', 'a.txt')]);
    useApp.setState((s) => ({ exampleOptions: { ...s.exampleOptions, doLowerCase: false } }));
    const e = examplesEstimate(useApp.getState());
    expect(e.estimate).toBeNull();
    expect(e.pending.map((c) => c.id)).toEqual(['a']);
  });

  it('times the teacher pass at the teacher worker’s measured rate, and warns past an hour', () => {
    reset([corpus('a', 'a.txt')]);
    useApp.setState({
      backends: {
        teacher: {
          backend: 'wasm',
          reason: '',
          skipped: [],
          measured: [{ backend: 'wasm', stepGflops: 0.000001 } as never],
        },
      },
    });
    const rate = measuredRate(useApp.getState(), 'teacher');
    expect(rate?.backend).toBe('wasm');
    const e = examplesEstimate(useApp.getState());
    expect(e.teacherSeconds).toBeGreaterThan(3600);
    expect(e.warnings.map((w) => w.kind)).toContain('time');
    expect(measuredRate(useApp.getState(), 'train')).toBeNull();
    expect(rateMissing(useApp.getState(), 'teacher')).toBeNull();
    expect(rateMissing(useApp.getState(), 'train')).toBe("waiting for the train worker's backend to measure its speed");
  });

  it('says why there is no time when the backend was chosen by the override, unmeasured', () => {
    reset([corpus('a', 'a.txt')]);
    useApp.setState({
      backends: { teacher: { backend: 'webgpu', reason: '', skipped: [], decidedBy: 'override' } },
    });
    expect(examplesEstimate(useApp.getState()).teacherSeconds).toBeNull();
    expect(rateMissing(useApp.getState(), 'teacher')).toBe(
      'no speed measured for webgpu (chosen by the override, not measured): no time estimate',
    );
  });
});

describe('teacherPassEstimate', () => {
  it('sizes the cache of a built set exactly, for the form’s k and batch', () => {
    reset([corpus('a', 'a.txt')]);
    useApp.setState({
      exampleSets: [
        {
          id: 'set',
          corpusIds: ['a'],
          vocabModelId: 'teacher',
          options: { ...PRETRAINING_DEFAULTS, maxPredictionsPerSeq: 5 },
          status: 'ready',
          count: 37,
          storedBytes: 0,
          createdAt: 0,
          estimate: { examples: 40, tokens: 4000, positions: 200 },
        },
      ],
    });
    const e = teacherPassEstimate(useApp.getState(), 'set', 16, 4);
    expect(e?.cacheBytes).toBe(teacherCacheBytes({ examples: 37, slots: 5, k: 16, batchSize: 4, vocabSize: 21128 }));
    expect(e?.positions).toBe(185);
    expect(teacherPassEstimate(useApp.getState(), 'missing', 16, 4)).toBeNull();
  });
});

describe('the rate an estimate uses', () => {
  const set = {
    id: 'set',
    name: 'a.txt · wwm',
    corpusIds: ['a'],
    vocabModelId: 'teacher',
    options: { ...PRETRAINING_DEFAULTS, maxSeqLength: 64, maxPredictionsPerSeq: 10 },
    status: 'ready' as const,
    count: 600,
    storedBytes: 0,
    createdAt: 0,
  };
  const probe = (backend: 'wasm' | 'webgpu') => ({
    backend,
    reason: '',
    skipped: [],
    measured: [{ backend, stepGflops: 0.5 } as never],
  });
  const pass = (backend: string, rate: number, produced: number) => ({
    id: `cache-${backend}`,
    modelId: 'teacher',
    exampleSetId: 'set',
    k: 16,
    batchSize: 8,
    status: 'ready' as const,
    positions: 0,
    storedBytes: 0,
    backend,
    progress: { done: produced, total: produced, rate, unit: 'examples', produced },
  });

  it('is the last teacher pass’s on the same backend once one ran long enough, else the probe’s', () => {
    reset([corpus('a', 'a.txt')]);
    useApp.setState({ exampleSets: [set], backends: { teacher: probe('wasm') } });
    const byProbe = teacherPassEstimate(useApp.getState(), 'set', 16, 8)!;
    expect(byProbe.rate?.source).toEqual({ kind: 'probe', probeGflops: 0.5 });

    // a pass on wasm at 20 examples/s over 600 examples (30 s): the next pass over 600 takes 30 s
    useApp.setState({ teacherCaches: [pass('webgpu', 1, 600), pass('wasm', 20, 600)] });
    const byPass = teacherPassEstimate(useApp.getState(), 'set', 16, 8)!;
    expect(byPass.rate?.source).toEqual({ kind: 'teacherPass', label: 'a.txt · wwm', examplesPerSec: 20 });
    expect(byPass.seconds).toBeCloseTo(30, 6);

    // on webgpu only the webgpu pass counts; a pass of under MIN_OBSERVED_SECONDS does not
    useApp.setState({ backends: { teacher: probe('webgpu') } });
    expect(teacherPassEstimate(useApp.getState(), 'set', 16, 8)!.seconds).toBeCloseTo(600, 6);
    useApp.setState({ teacherCaches: [pass('webgpu', 1000, 600)] });
    expect(teacherPassEstimate(useApp.getState(), 'set', 16, 8)!.rate?.source.kind).toBe('probe');
    // a pass still running does not count (its rate, and so the estimate, would move with every batch)
    useApp.setState({ teacherCaches: [{ ...pass('webgpu', 1, 600), status: 'running' }] });
    expect(teacherPassEstimate(useApp.getState(), 'set', 16, 8)!.rate?.source.kind).toBe('probe');
  });

  it('is the last run’s on the same backend (its steps and evaluations over its wall time)', () => {
    reset([corpus('a', 'a.txt')]);
    const student = { layers: 3, hidden: 128, intermediate: 512, vocab: 21128 };
    const config = { ...useApp.getState().runConfig, batchSize: 16 };
    const points = Array.from({ length: 21 }, (_, i) => ({
      step: i + 1,
      time: 1_000_000 + i * 1000,
      losses: { total: 1 },
      lr: 0,
      examplesPerSec: 16,
      tokensPerSec: 0,
    }));
    useApp.setState({
      exampleSets: [set],
      backends: { train: probe('wasm') },
      runs: [
        {
          id: 'r1',
          name: 'run 1',
          status: 'ready',
          backend: 'wasm',
          studentSize: student,
          exampleSetId: 'set',
          config,
        },
      ] as never,
      metrics: { r1: points },
      evals: { r1: [] },
    });
    const rate = measuredRate(useApp.getState(), 'train')!;
    expect(rate.source).toEqual({ kind: 'run', label: 'run 1' });
    // 20 steps of 16 in 20 s
    const forward = bertForwardFlops({ ...student, seq: 64, masks: 10 });
    expect(rate.gflops).toBeCloseTo((20 * 16 * TRAIN_FLOPS_PER_FORWARD * forward) / 20 / 1e9, 9);
    expect(rate.probeGflops).toBe(0.5);
  });
});
