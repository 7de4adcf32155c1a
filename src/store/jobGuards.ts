/**
 * Why a long job cannot start now, in words the page shows beside the disabled button (null: it
 * can). The teacher worker runs at most one teacher pass per example set and teacher at a time (two
 * passes would write the same cache); the training worker trains one run or fine-tunes one model at
 * a time.
 */
import { type AppState, isActive } from './state.ts';

type Jobs = Pick<AppState, 'teacherCaches' | 'runs' | 'evaluations'>;

/** Why a teacher pass of `modelId` over `exampleSetId` cannot start (`cacheId`: the cache it would continue). */
export function teacherPassBlocker(
  s: Jobs,
  exampleSetId: string,
  modelId: string | null,
  cacheId?: string,
): string | null {
  const active = s.teacherCaches.find(
    (c) => isActive(c.status) && c.exampleSetId === exampleSetId && c.modelId === modelId,
  );
  if (!active) return null;
  const who = active.id === cacheId ? 'this pass' : `a pass for this set (${active.id})`;
  return active.status === 'stopping'
    ? `${who} is stopping after its current batch`
    : `${who} is ${active.status}: stop it first`;
}

/** Why training (`runId`: resuming that run) cannot start: the training worker is busy. */
export function trainingBlocker(s: Jobs, runId?: string): string | null {
  const run = s.runs.find((r) => isActive(r.status));
  if (run) {
    const who = run.id === runId ? 'this run' : run.name;
    const how = run.status === 'stopping' ? 'is stopping after its current step' : `is ${run.status}: stop it first`;
    return `${who} ${how} (the training worker trains one run at a time)`;
  }
  const evaluation = s.evaluations.find((e) => isActive(e.status));
  if (evaluation) {
    return `${evaluation.modelLabel} on ${evaluation.taskLabel} is fine-tuning in the training worker: stop it first`;
  }
  return null;
}
