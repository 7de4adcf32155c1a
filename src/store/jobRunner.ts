/**
 * The one way the store runs a long worker job for an entry (an example set,
 * a teacher cache, a run): the entry is marked running, the job's progress
 * updates it, its result or its error is written to it, and whatever happens
 * the job's handle is dropped and the storage figures are refreshed. While it
 * runs, Pause / Resume / Stop reach the job by the entry's id.
 */
import type { WorkerKind } from '../contract/jobs.ts';
import type { ControlAction, JobInput, JobName, JobOutput, JobProgress } from '../contract/protocol.ts';
import { describeError } from './errors.ts';
import { refreshQuota } from './persistence.ts';
import { type EntryAreas, type JobStatus, patchEntry, useApp } from './state.ts';
import { callWorker } from './workerClient.ts';

/** The lists whose entries are made by a long job. */
export type JobArea = 'exampleSets' | 'teacherCaches' | 'runs' | 'evaluations';

const handles = new Map<string, { control(action: ControlAction): void }>();

export interface EntryJob<A extends JobArea, K extends JobName> {
  area: A;
  /** the entry's id (it is already in its list) */
  id: string;
  worker: WorkerKind;
  job: K;
  input: JobInput<K>;
  progress(p: JobProgress<K>): void;
  /** what to write to the entry once the job has ended well */
  done(output: JobOutput<K>): Partial<EntryAreas[A]>;
  /** after the job ended either way (before the storage figures are refreshed) */
  cleanup?(): Promise<void>;
}

/** Runs a job for an entry; resolves when it has ended (its outcome is on the entry, never thrown). */
export async function runEntryJob<A extends JobArea, K extends JobName>(j: EntryJob<A, K>): Promise<void> {
  patchEntry<JobArea>(j.area, j.id, { status: 'running', error: undefined });
  const h = callWorker(j.worker, j.job, j.input, j.progress);
  handles.set(j.id, h);
  try {
    const output = await h.result;
    patchEntry(j.area, j.id, j.done(output));
  } catch (err) {
    patchEntry<JobArea>(j.area, j.id, { status: 'error', error: describeError(err) });
  } finally {
    handles.delete(j.id);
    await j.cleanup?.();
    void refreshQuota();
  }
}

/**
 * Pauses, resumes or stops the job of an entry, and shows it at once: paused, running, or
 * "stopping" until the worker confirms (it ends after its current batch or step; the job's end
 * then writes "stopped"). A job already stopping is not paused or resumed again.
 */
export function controlJob(id: string, action: ControlAction): void {
  const handle = handles.get(id);
  const area = (['teacherCaches', 'runs', 'exampleSets', 'evaluations'] as const).find((a) =>
    (useApp.getState()[a] as { id: string }[]).some((e) => e.id === id),
  );
  const current = area && (useApp.getState()[area] as { id: string; status: JobStatus }[]).find((e) => e.id === id);
  if (current?.status === 'stopping') return;
  handle?.control(action);
  if (!area || (action === 'stop' && !handle)) return;
  const status: JobStatus = action === 'stop' ? 'stopping' : action === 'pause' ? 'paused' : 'running';
  patchEntry<JobArea>(area, id, { status });
}

/** Stops an entry's job, if one is running (before the entry is removed). */
export function stopJob(id: string): void {
  handles.get(id)?.control('stop');
}
