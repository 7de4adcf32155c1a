import { describe, expect, it } from 'vitest';
import { teacherPassBlocker, trainingBlocker } from './jobGuards.ts';
import type { EvaluationEntry, JobStatus, RunEntry, TeacherCacheEntry } from './state.ts';

const cache = (id: string, status: JobStatus, exampleSetId = 'set-1', modelId = 'teacher-1') =>
  ({ id, status, exampleSetId, modelId, k: 8, batchSize: 4, positions: 0, storedBytes: 0 }) as TeacherCacheEntry;
const run = (id: string, status: JobStatus) => ({ id, name: `run ${id}`, status }) as RunEntry;
const none = { teacherCaches: [], runs: [], evaluations: [] };

describe('which jobs may start', () => {
  it('one teacher pass per example set and teacher: another set, teacher or a finished pass does not block', () => {
    const s = { ...none, teacherCaches: [cache('c1', 'running'), cache('c2', 'ready', 'set-2')] };
    expect(teacherPassBlocker(s, 'set-1', 'teacher-1')).toBe('a pass for this set (c1) is running: stop it first');
    expect(teacherPassBlocker(s, 'set-1', 'teacher-2')).toBeNull();
    expect(teacherPassBlocker(s, 'set-2', 'teacher-1')).toBeNull();
    expect(teacherPassBlocker(s, 'set-1', 'teacher-1', 'c1')).toBe('this pass is running: stop it first');
    const paused = { ...none, teacherCaches: [cache('c1', 'paused')] };
    expect(teacherPassBlocker(paused, 'set-1', 'teacher-1')).toBe('a pass for this set (c1) is paused: stop it first');
    const stopping = { ...none, teacherCaches: [cache('c1', 'stopping'), cache('c3', 'stopped')] };
    expect(teacherPassBlocker(stopping, 'set-1', 'teacher-1', 'c3')).toBe(
      'a pass for this set (c1) is stopping after its current batch',
    );
    for (const status of ['ready', 'stopped', 'interrupted', 'error'] as const) {
      expect(teacherPassBlocker({ ...none, teacherCaches: [cache('c1', status)] }, 'set-1', 'teacher-1')).toBeNull();
    }
  });

  it('one training job at a time in the training worker, with who holds it', () => {
    expect(trainingBlocker(none)).toBeNull();
    const s = { ...none, runs: [run('a', 'stopped'), run('b', 'running')] };
    expect(trainingBlocker(s)).toBe('run b is running: stop it first (the training worker trains one run at a time)');
    expect(trainingBlocker(s, 'b')).toBe(
      'this run is running: stop it first (the training worker trains one run at a time)',
    );
    expect(trainingBlocker({ ...none, runs: [run('b', 'stopping')] }, 'a')).toBe(
      'run b is stopping after its current step (the training worker trains one run at a time)',
    );
    const evaluations = [{ id: 'e', status: 'paused', modelLabel: 'student', taskLabel: 'lcqmc' } as EvaluationEntry];
    expect(trainingBlocker({ ...none, evaluations })).toBe(
      'student on lcqmc is fine-tuning in the training worker: stop it first',
    );
  });
});
