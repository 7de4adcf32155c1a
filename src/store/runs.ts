/**
 * Training runs: the run form, starting, resuming and removing runs, and the
 * metric stream a run sends while it trains (shown at once, saved in chunks).
 */
import type { RunConfig, RunSpec } from '../contract/jobs.ts';
import { checkpointKey, storeOf } from '../contract/storageLayout.ts';
import { trainingBlocker } from './jobGuards.ts';
import { runEntryJob, stopJob } from './jobRunner.ts';
import { pickRunColor } from './runColors.ts';
import { deleteMetrics, flushMetrics, queueEvals, queueMetrics, refreshQuota } from './persistence.ts';
import { modelSize } from './estimates.ts';
import { newId, patchEntry, type RunEntry, useApp, workerBackendName } from './state.ts';

const set = useApp.setState;
const get = useApp.getState;

export function setRunConfig(p: Partial<RunConfig>): void {
  set((s) => ({ runConfig: { ...s.runConfig, ...p } }));
}

/** Starts a run on a finished teacher cache with the form's config; resolves when it ends. */
export async function startRun(cacheId: string): Promise<void> {
  const blocked = trainingBlocker(get());
  if (blocked) throw new Error(`training cannot start: ${blocked}`);
  await driveRun(createRun(cacheId), false);
}

/** "run N" with N one past the highest number in use (never a name twice after a removal). */
export function nextRunName(runs: Pick<RunEntry, 'name'>[]): string {
  let n = runs.length;
  for (const r of runs) {
    const m = /^run (\d+)$/.exec(r.name);
    if (m) n = Math.max(n, Number(m[1]));
  }
  return `run ${n + 1}`;
}

/** Adds a run entry (not started yet: `driveRun` starts it) and returns its id. */
export function createRun(cacheId: string): string {
  const s = get();
  const cache = s.teacherCaches.find((c) => c.id === cacheId);
  if (!cache?.ref) throw new Error('run the teacher pass first');
  const id = newId('run');
  const run: RunEntry = {
    id,
    name: nextRunName(s.runs),
    teacherId: cache.modelId,
    cacheId,
    cache: cache.ref,
    exampleSetId: cache.exampleSetId,
    student: s.studentSpec,
    config: s.runConfig,
    backend: workerBackendName(s, 'train'),
    studentSize: s.studentInfo ? modelSize(s.studentInfo.config) : undefined,
    color: pickRunColor(
      s.runs.map((r) => r.color),
      id,
    ),
    status: 'running',
    step: 0,
    lastCheckpointStep: 0,
    createdAt: Date.now(),
  };
  set((st) => ({
    runs: [...st.runs, run],
    chartRunIds: [...st.chartRunIds, id],
    metrics: { ...st.metrics, [id]: [] },
    evals: { ...st.evals, [id]: [] },
  }));
  return id;
}

/** Continues a run from its last checkpoint; resolves when it ends. */
export async function resumeRun(id: string): Promise<void> {
  const blocked = trainingBlocker(get(), id);
  if (blocked) throw new Error(`training cannot start: ${blocked}`);
  await driveRun(id, true);
}

/** What the workers need to rebuild a run (after a reload too). */
export function runSpec(run: RunEntry): RunSpec {
  return {
    runId: run.id,
    teacherId: run.teacherId,
    exampleSetId: run.exampleSetId,
    cache: run.cache,
    student: run.student,
    config: run.config,
  };
}

/** Trains a run in the training worker (from its checkpoint when `resume`); resolves when it ends. */
export async function driveRun(id: string, resume: boolean): Promise<void> {
  const run = get().runs.find((r) => r.id === id)!;
  await runEntryJob({
    area: 'runs',
    id,
    worker: 'train',
    job: 'train',
    input: { run: runSpec(run), resume },
    progress: (p) => {
      if (p.kind === 'metrics' && p.points.length) {
        const first = p.points[0].step;
        const last = p.points[p.points.length - 1].step;
        set((s) => ({
          metrics: { ...s.metrics, [id]: [...(s.metrics[id] ?? []).filter((m) => m.step < first), ...p.points] },
        }));
        queueMetrics(id, p.points);
        patchEntry('runs', id, { step: last });
      } else if (p.kind === 'eval') {
        set((s) => ({
          evals: { ...s.evals, [id]: [...(s.evals[id] ?? []).filter((e) => e.step < p.point.step), p.point] },
        }));
        queueEvals(id);
      } else if (p.kind === 'checkpoint') {
        patchEntry('runs', id, { lastCheckpointStep: p.step });
      } else if (p.kind === 'status') {
        patchEntry('runs', id, { message: p.message });
      }
    },
    done: (out) => ({ status: out.finished ? 'ready' : 'stopped', step: out.step, message: out.message }),
    cleanup: flushMetrics,
  });
}

/** Deletes a run with its checkpoints and metrics (a running run is stopped first). */
export async function removeRun(id: string): Promise<void> {
  stopJob(id);
  set((s) => ({
    runs: s.runs.filter((r) => r.id !== id),
    chartRunIds: s.chartRunIds.filter((r) => r !== id),
    compareRunIds: s.compareRunIds.filter((r) => r !== id),
  }));
  const checkpoints = storeOf('checkpoints');
  for (const k of await checkpoints.keys(checkpointKey.runPrefix(id))) await checkpoints.del(k);
  await deleteMetrics(id);
  void refreshQuota();
}

/** Shows or hides a run's curves in the charts. */
export function toggleChartRun(id: string): void {
  set((s) => ({
    chartRunIds: s.chartRunIds.includes(id) ? s.chartRunIds.filter((r) => r !== id) : [...s.chartRunIds, id],
  }));
}

/** Renames a run; a blank name is refused (the run keeps its name) and the reason returned. */
export function renameRun(id: string, name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'a run needs a name';
  if (trimmed.length > 120) return `a run name has at most 120 characters (this one has ${trimmed.length})`;
  patchEntry('runs', id, { name: trimmed });
  return null;
}

/** Sets a run's notes (kept as typed). */
export function setRunNotes(id: string, notes: string): void {
  patchEntry('runs', id, { notes });
}

/** Ticks or unticks a run for the side-by-side comparison. */
export function toggleCompareRun(id: string): void {
  set((s) => ({
    compareRunIds: s.compareRunIds.includes(id) ? s.compareRunIds.filter((r) => r !== id) : [...s.compareRunIds, id],
  }));
}
