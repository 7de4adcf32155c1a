/**
 * The model FLOP/s a finished (or running) job really reached on this machine, for the next
 * estimate. The backend probe times a tiny model for a second or two, so an estimate made from it
 * alone can be off by a factor of two either way; once a teacher pass or a run has gone for a
 * while, its own rate is a better guide for the next job of its kind on the same backend. Pure
 * arithmetic over ./jobCost.ts's FLOP counts.
 */
import type { ExampleShape } from '../examples/maskedExample.ts';
import { type ModelSize, teacherPassFlops, trainingFlops } from './jobCost.ts';

/** A job measured long enough to be trusted: at least this many seconds of work. */
export const MIN_OBSERVED_SECONDS = 5;

/** Model GFLOP/s of a teacher pass that computed `examplesPerSec` examples each second. */
export function teacherPassGflops(examplesPerSec: number, teacher: ModelSize, shape: ExampleShape): number {
  return (examplesPerSec * teacherPassFlops(1, teacher, shape)) / 1e9;
}

/** What a run logged: its step metrics' times, its evaluations' steps, its batch and held-out size. */
export interface RunLog {
  /** step and wall-clock time (ms since epoch) of each logged step, in order */
  points: readonly { step: number; time: number }[];
  /** steps at which the held-out set was evaluated */
  evalSteps: readonly number[];
  examplesPerStep: number;
  heldOut: number;
}

/**
 * Model GFLOP/s of a run over its logged steps, evaluations and all the time in between (the same
 * FLOPs trainingFlops counts for an estimate), or null when the log spans under
 * MIN_OBSERVED_SECONDS or has a pause in it (a gap of more than a minute between points, e.g. a
 * run stopped and resumed later: only the last stretch without one is used).
 */
export function runGflops(log: RunLog, student: ModelSize, shape: ExampleShape): number | null {
  const pts = log.points;
  if (pts.length < 2) return null;
  let from = 0;
  for (let i = 1; i < pts.length; i++)
    if (pts[i].time - pts[i - 1].time > 60_000 || pts[i].step <= pts[i - 1].step) from = i;
  const first = pts[from];
  const last = pts[pts.length - 1];
  const seconds = (last.time - first.time) / 1000;
  if (seconds < MIN_OBSERVED_SECONDS) return null;
  const steps = last.step - first.step;
  const evaluations = log.evalSteps.filter((s) => s > first.step && s <= last.step).length;
  const flops = trainingFlops(
    { steps, examplesPerStep: log.examplesPerStep, evaluations, heldOut: log.heldOut },
    student,
    shape,
  );
  return flops / seconds / 1e9;
}
