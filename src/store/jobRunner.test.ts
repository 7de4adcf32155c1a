import { beforeEach, describe, expect, it, vi } from 'vitest';

/** A fake worker job: the test drives its progress and its end. */
const job = vi.hoisted(() => ({
  calls: [] as { job: string; input: unknown }[],
  controls: [] as string[],
  progress: null as ((p: unknown) => void) | null,
  settle: null as { resolve(v: unknown): void; reject(e: unknown): void } | null,
}));

vi.mock('./workerClient.ts', () => ({
  callWorker: (_kind: string, name: string, input: unknown, onProgress: (p: unknown) => void) => {
    job.calls.push({ job: name, input });
    job.progress = onProgress;
    const result = new Promise((resolve, reject) => {
      job.settle = { resolve, reject };
    });
    return { id: 1, result, control: (a: string) => job.controls.push(a) };
  },
}));
vi.mock('./persistence.ts', () => ({ refreshQuota: vi.fn(async () => {}) }));

const { controlJob, runEntryJob, stopJob } = await import('./jobRunner.ts');
const { refreshQuota } = await import('./persistence.ts');
const { useApp } = await import('./state.ts');
import type { TeacherCacheEntry } from './state.ts';

const entry: TeacherCacheEntry = {
  id: 'cache-1',
  modelId: 'm',
  exampleSetId: 'e',
  k: 8,
  batchSize: 4,
  status: 'interrupted',
  positions: 0,
  storedBytes: 0,
  error: 'an old error',
};
const cache = () => useApp.getState().teacherCaches[0];

function start(cleanup = vi.fn(async () => {})) {
  const done = runEntryJob({
    area: 'teacherCaches',
    id: entry.id,
    worker: 'teacher',
    job: 'teacherPass',
    input: { cacheId: entry.id, modelId: 'm', exampleSetId: 'e', k: 8, batchSize: 4 },
    progress: (p) => useApp.setState((s) => ({ teacherCaches: s.teacherCaches.map((c) => ({ ...c, progress: p })) })),
    done: (out) => ({ status: out.complete ? 'ready' : 'stopped', positions: out.positions }),
    cleanup,
  });
  return { done, cleanup };
}

describe('the job runner', () => {
  beforeEach(() => {
    useApp.setState({ teacherCaches: [entry] });
    job.calls = [];
    job.controls = [];
    vi.mocked(refreshQuota).mockClear();
  });

  it('marks the entry running, streams progress, writes the result, then cleans up', async () => {
    const { done, cleanup } = start();
    expect(cache()).toMatchObject({ status: 'running', error: undefined });
    expect(job.calls).toEqual([{ job: 'teacherPass', input: expect.objectContaining({ cacheId: 'cache-1' }) }]);
    job.progress!({ done: 4, total: 8, rate: 1, unit: 'examples' });
    expect(cache().progress).toMatchObject({ done: 4, total: 8 });

    controlJob(entry.id, 'pause');
    expect(cache().status).toBe('paused');
    controlJob(entry.id, 'resume');
    expect(cache().status).toBe('running');
    expect(job.controls).toEqual(['pause', 'resume']);

    job.settle!.resolve({ positions: 24, examples: 8, storedBytes: 100, complete: true, cache: {} });
    await done;
    expect(cache()).toMatchObject({ status: 'ready', positions: 24 });
    expect(cleanup).toHaveBeenCalledOnce();
    expect(refreshQuota).toHaveBeenCalledOnce();
    // The job is over: controls no longer reach it.
    stopJob(entry.id);
    expect(job.controls).toEqual(['pause', 'resume']);
  });

  it('shows "stopping" at once after Stop, ignores Pause and Resume meanwhile, and "stopped" when the worker confirms', async () => {
    const { done } = start();
    controlJob(entry.id, 'stop');
    expect(cache().status).toBe('stopping');
    controlJob(entry.id, 'pause');
    controlJob(entry.id, 'resume');
    expect(cache().status).toBe('stopping');
    expect(job.controls).toEqual(['stop']);
    job.progress!({ done: 8, total: 16, rate: 1, unit: 'examples' }); // the batch in progress ends
    expect(cache().status).toBe('stopping');
    job.settle!.resolve({ positions: 24, examples: 8, storedBytes: 100, complete: false, cache: {} });
    await done;
    expect(cache().status).toBe('stopped');
  });

  it('keeps the error on the entry and still cleans up', async () => {
    const { done, cleanup } = start();
    stopJob(entry.id);
    expect(job.controls).toEqual(['stop']);
    job.settle!.reject(new Error('the GPU device was lost'));
    await done;
    expect(cache()).toMatchObject({ status: 'error', error: 'the GPU device was lost' });
    expect(cleanup).toHaveBeenCalledOnce();
    expect(refreshQuota).toHaveBeenCalledOnce();
  });
});
