import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../contract/jobs.ts';
import { DEFAULT_RUN, type RunEntry, type TeacherCacheEntry } from '../store/state.ts';
import { liveJobs, liveRun, runProgress } from './liveJobs.ts';

const run = (id: string, status: RunEntry['status'], createdAt: number, step = 0): RunEntry => ({
  id,
  name: `run ${id}`,
  teacherId: 't',
  cacheId: 'c',
  cache: {} as RunEntry['cache'],
  exampleSetId: 'e',
  student: { kind: 'layers', layers: [0] },
  config: { ...DEFAULT_RUN, schedule: { ...DEFAULT_RUN.schedule, numTrainSteps: 100 } },
  status,
  step,
  lastCheckpointStep: 0,
  createdAt,
});

const point = (step: number, time: number, total = 1): MetricPoint => ({
  step,
  losses: { total },
  lr: 1e-4,
  examplesPerSec: 1,
  tokensPerSec: 1,
  time,
});

const cache = (id: string, status: TeacherCacheEntry['status']): TeacherCacheEntry => ({
  id,
  modelId: 'm',
  exampleSetId: 'e',
  k: 16,
  batchSize: 8,
  status,
  positions: 0,
  storedBytes: 0,
  progress: { done: 3, total: 10, rate: 2, unit: 'examples' },
});

const empty = { corpora: [], models: [], exampleSets: [], teacherCaches: [], runs: [], evaluations: [], metrics: {} };

describe('liveJobs', () => {
  it('lists only what is running or paused, in the order of the steps, with its progress', () => {
    const jobs = liveJobs({
      ...empty,
      teacherCaches: [cache('done', 'ready'), cache('going', 'running')],
      runs: [run('a', 'paused', 1, 40), run('b', 'stopped', 2)],
      corpora: [{ id: 'x', name: 'news.txt', size: 1, status: 'reading' }],
    });
    expect(jobs.map((j) => [j.section, j.name, j.status])).toEqual([
      ['corpus', 'news.txt', 'reading'],
      ['teacher', 'going (top-16)', 'running'],
      ['training', 'run a', 'paused'],
    ]);
    expect(jobs[1].progress).toMatchObject({ done: 3, total: 10, unit: 'examples' });
    expect(jobs[2].progress).toMatchObject({ done: 40, total: 100, unit: 'steps', message: 'paused' });
  });

  it('is empty when nothing runs', () => {
    expect(liveJobs({ ...empty, runs: [run('a', 'ready', 1)], teacherCaches: [cache('c', 'stopped')] })).toEqual([]);
  });
});

describe('runProgress', () => {
  it('measures steps per second over the latest metric points', () => {
    const points = [point(10, 0), point(20, 5_000), point(30, 10_000)];
    expect(runProgress(run('a', 'running', 1, 30), points).rate).toBeCloseTo(2, 10);
  });

  it('gives rate 0 (no ETA) before two points are known', () => {
    expect(runProgress(run('a', 'running', 1), undefined).rate).toBe(0);
    expect(runProgress(run('a', 'running', 1), [point(1, 1000)]).rate).toBe(0);
  });
});

describe('liveRun', () => {
  it('follows the newest run in training, else the newest with metrics', () => {
    const runs = [run('old', 'running', 1), run('new', 'running', 3), run('done', 'ready', 2)];
    expect(liveRun({ runs, metrics: {} })?.id).toBe('new');
    const finished = [run('a', 'ready', 1), run('b', 'ready', 2), run('c', 'error', 3)];
    expect(liveRun({ runs: finished, metrics: { a: [point(1, 1)], b: [point(1, 1)] } })?.id).toBe('b');
    expect(liveRun({ runs: [], metrics: {} })).toBeUndefined();
  });
});
