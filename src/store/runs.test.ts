/**
 * A run's metrics as the page stores them: what a reload shows must be what the worker logged,
 * for an uninterrupted run and for one stopped (or paused and reloaded) and resumed.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** A fake training worker: the test sends its progress events and ends it. */
const job = vi.hoisted(() => ({
  progress: null as ((p: unknown) => void) | null,
  settle: null as { resolve(v: unknown): void } | null,
}));

vi.mock('./workerClient.ts', () => ({
  callWorker: (_kind: string, _name: string, _input: unknown, onProgress: (p: unknown) => void) => {
    job.progress = onProgress;
    const result = new Promise((resolve) => {
      job.settle = { resolve };
    });
    return { id: 1, result, control: () => {} };
  },
  onBackendReport: () => {},
  warmWorkers: () => {},
}));
vi.mock('../contract/storageLayout.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../contract/storageLayout.ts')>();
  const { MemoryStore } = await import('../core/storage/keyValueStore.ts');
  const stores = new Map<string, InstanceType<typeof MemoryStore>>();
  return {
    ...real,
    storeOf: (kind: string) => {
      if (!stores.has(kind)) stores.set(kind, new MemoryStore());
      return stores.get(kind);
    },
  };
});

vi.stubGlobal('navigator', {}); // no storage estimate in Node

const { driveRun } = await import('./runs.ts');
const { useApp } = await import('./state.ts');
const { metricsKey, storeOf } = await import('../contract/storageLayout.ts');
import type { EvalPoint, MetricPoint } from '../contract/jobs.ts';
import { DEFAULT_RUN, type RunEntry } from './state.ts';

const point = (step: number): MetricPoint => ({
  step,
  losses: { total: 1 / step },
  lr: 1e-4,
  gradNorm: 1,
  examplesPerSec: 10,
  tokensPerSec: 100,
  time: step,
});
const evalPoint = (step: number): EvalPoint => ({
  step,
  loss: 1,
  goldAccuracy: 0.5,
  teacherAgreement: 0.7,
  top5Overlap: 0.6,
  positions: 40,
  examples: 10,
});

const LAST = 20;
const EVERY = 5;

/**
 * Drives one train job from step `from` (exclusive) to `to`, as the worker sends it: step metrics
 * at once (the worker batches by time; steps here are slow), an evaluation every 5 steps and at the
 * last; the page's metric timer (1 s) has fired by the time an evaluation arrives, as when an
 * evaluation takes longer than a second.
 */
async function trainJob(id: string, resume: boolean, from: number, to: number) {
  const done = driveRun(id, resume);
  const send = (p: unknown) => job.progress!(p);
  if (from === 0) send({ kind: 'eval', point: evalPoint(0) });
  for (let step = from + 1; step <= to; step++) {
    send({ kind: 'metrics', points: [point(step)] });
    if (step % EVERY === 0 || step === LAST) {
      await vi.advanceTimersByTimeAsync(1100); // the evaluation is slow: the queued metrics are saved meanwhile
      send({ kind: 'eval', point: evalPoint(step) });
      send({ kind: 'checkpoint', step });
    }
  }
  job.settle!.resolve({ step: to, finished: to === LAST, message: '' });
  await done;
}

function addRun(id: string) {
  const run: RunEntry = {
    id,
    name: id,
    teacherId: 't',
    cacheId: 'c',
    cache: {
      key: { teacherFingerprint: 'f', exampleSetId: 'e', k: 8 },
      layout: { numExamples: 40, batchSize: 4, slots: 5, vocabSize: 100 },
    },
    exampleSetId: 'e',
    student: { kind: 'layers', layers: [0] },
    config: DEFAULT_RUN,
    status: 'interrupted',
    step: 0,
    lastCheckpointStep: 0,
    createdAt: 0,
  };
  useApp.setState((s) => ({
    runs: [...s.runs, run],
    metrics: { ...s.metrics, [id]: [] },
    evals: { ...s.evals, [id]: [] },
  }));
}

const storedEvalSteps = async (id: string) =>
  (((await storeOf('metrics').get(metricsKey.eval(id))) as EvalPoint[] | undefined) ?? []).map((e) => e.step);

describe('a run’s stored evaluations', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    useApp.setState({ runs: [], metrics: {}, evals: {} });
  });

  it('an uninterrupted run and a stopped-and-resumed one store the same evaluations, the final one included', async () => {
    addRun('straight');
    await trainJob('straight', false, 0, LAST);
    expect(useApp.getState().evals.straight.map((e) => e.step)).toEqual([0, 5, 10, 15, 20]);
    expect(await storedEvalSteps('straight')).toEqual([0, 5, 10, 15, 20]);

    addRun('resumed');
    await trainJob('resumed', false, 0, 17); // stopped (or paused, then the page reloaded) at step 17
    await trainJob('resumed', true, 17, LAST);
    expect(useApp.getState().evals.resumed.map((e) => e.step)).toEqual([0, 5, 10, 15, 20]);
    expect(await storedEvalSteps('resumed')).toEqual([0, 5, 10, 15, 20]);
    vi.useRealTimers();
  });
});
