/**
 * What every training job of the training worker (distillation runs, fine-tuning) shares around the
 * run layer's loop: the loop's stop/pause signal from the job's controls, step metrics batched into
 * progress events, and restoring the latest checkpoint.
 */
import type { MetricPoint } from '../src/contract/jobs.ts';
import type { JobContext } from '../src/contract/protocol.ts';
import type { RunSignal } from '../src/core/run/train.ts';
import type { StepMetrics, Trainer } from '../src/core/run/trainer.ts';

/** The loop's signal: the page's Stop and Pause buttons (a pause saves a checkpoint, then waits). */
export function jobSignal(ctx: JobContext<unknown>): RunSignal {
  return {
    get stopped() {
      return ctx.stopped;
    },
    get paused() {
      return ctx.paused;
    },
    whilePaused: () => ctx.checkpoint(),
    poll: () => ctx.poll(),
  };
}

/** A step's metrics as the page charts them. */
export function metricPoint(m: StepMetrics): MetricPoint {
  return {
    step: m.step,
    losses: { total: m.total, ...m.components },
    lr: m.lr,
    gradNorm: m.gradNorm,
    examplesPerSec: m.examplesPerSec,
    tokensPerSec: m.tokensPerSec,
    time: Date.now(),
  };
}

/** Step metrics sent as `metrics` progress events, batched: at least every half second, and on flush(). */
export function metricStream(send: (points: MetricPoint[]) => void) {
  let buffer: MetricPoint[] = [];
  let lastFlush = Date.now();
  const flush = () => {
    if (buffer.length) send(buffer);
    buffer = [];
    lastFlush = Date.now();
  };
  return {
    flush,
    step(m: StepMetrics) {
      buffer.push(metricPoint(m));
      if (Date.now() - lastFlush >= 500) flush();
    },
  };
}

/** Restores the trainer's latest checkpoint when asked: its step, or null; frees the trainer if reading fails. */
export async function restoreTrainer<I, S extends { examples: number; loss: number }>(
  trainer: Trainer<I, S>,
  restore: boolean,
): Promise<number | null> {
  try {
    return restore && (await trainer.restore()) ? trainer.currentStep : null;
  } catch (err) {
    trainer.dispose();
    throw err;
  }
}

/** The status line of a job that starts or resumes a run. */
export function startMessage(restoredStep: number | null, resume: boolean): string {
  if (restoredStep !== null) return `resumed from the checkpoint at step ${restoredStep}`;
  return resume ? 'no checkpoint found: started from step 0' : 'started';
}
