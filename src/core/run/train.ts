/**
 * The training loop: the one place that decides when a run steps, evaluates,
 * saves and stops. The training worker, the CLI (run_distill and the
 * fine-tuning commands), `npm run demo` and the demo-teacher script all call
 * train() and keep no loop of their own.
 *
 * Order within a step: step → evaluate (when due) → checkpoint (when due), so a
 * checkpoint's history holds every evaluation up to its step, and a run resumed
 * from it logs exactly what an uninterrupted run logs. Evaluations are due
 * every `evalEvery` steps and at the last step; checkpoints every
 * `checkpointEvery` steps, on pause, and when the loop ends for any reason.
 */
import type { EvalScores, TrainingSet } from './task.ts';
import type { EvalMetrics, StepMetrics, Trainer } from './trainer.ts';

export interface RunPlan<Item> {
  /** held-out items; null: no evaluation */
  heldOut: TrainingSet<Item> | null;
  /** items per evaluation batch (default: the micro-batch size) */
  evalBatchSize?: number;
  /** evaluate every N steps, and at the last step (0: only at the last step) */
  evalEvery: number;
  /** evaluate before the first step of a fresh run */
  evalAtStart?: boolean;
  /** save a checkpoint every N steps (0: only on pause and when the loop ends) */
  checkpointEvery: number;
  /** end the loop after this step, although the schedule runs longer (a staged run) */
  stopAfter?: number;
}

/** How the caller stops or pauses a run: the Stop / Pause buttons, Ctrl-C. */
export interface RunSignal {
  /** true once the run should end after the current step */
  readonly stopped: boolean;
  /** true while the run should hold after the current step (a checkpoint is saved first) */
  readonly paused?: boolean;
  /** resolves when the pause ends (resume or stop) */
  whilePaused?(): Promise<void>;
  /** called before each step: lets Stop / Pause requests arrive (a worker yields to its event loop) */
  poll?(): Promise<void>;
}

/** Where the run reports; every callback is awaited before the loop goes on. */
export interface RunSink<Scores extends EvalScores> {
  step?(m: StepMetrics): void | Promise<void>;
  eval?(m: EvalMetrics<Scores>): void | Promise<void>;
  /** after a checkpoint was saved (or, without a store, when one was due) */
  checkpoint?(step: number): void | Promise<void>;
}

export interface RunOutcome {
  step: number;
  /** the schedule's last step was reached */
  finished: boolean;
}

export const NEVER_STOP: RunSignal = { stopped: false };

export async function train<Item, Scores extends EvalScores>(
  trainer: Trainer<Item, Scores>,
  plan: RunPlan<Item>,
  signal: RunSignal = NEVER_STOP,
  sink: RunSink<Scores> = {},
): Promise<RunOutcome> {
  const lastStep = trainer.config.schedule.numTrainSteps;
  const until = Math.min(lastStep, plan.stopAfter ?? lastStep);
  const evaluatedAt = (step: number) => trainer.history.some((m) => m.kind === 'eval' && m.step === step);
  let savedAt: number | null = trainer.lastSavedStep;

  const evaluate = async () => {
    if (!plan.heldOut) return;
    const metrics = await trainer.evaluate(plan.heldOut, plan.evalBatchSize);
    await sink.eval?.(metrics); // (not `sink.eval?.(await …)`: that would skip the evaluation without a sink)
  };
  const checkpoint = async () => {
    if (savedAt === trainer.currentStep) return;
    if (trainer.canSave) await trainer.saveCheckpoint();
    savedAt = trainer.currentStep;
    await sink.checkpoint?.(trainer.currentStep);
  };

  if (plan.evalAtStart && trainer.currentStep === 0 && !evaluatedAt(0)) await evaluate();
  while (trainer.currentStep < until) {
    await signal.poll?.(); // a Stop or Pause pressed during the last step arrives here
    if (signal.stopped) break;
    if (signal.paused) {
      await checkpoint();
      await signal.whilePaused?.();
      continue;
    }
    const m = await trainer.step();
    await sink.step?.(m);
    if ((plan.evalEvery > 0 && m.step % plan.evalEvery === 0) || m.step === lastStep) await evaluate();
    if (plan.checkpointEvery > 0 && m.step % plan.checkpointEvery === 0) await checkpoint();
  }
  // A run resumed after its last step's evaluation was lost still ends with it.
  if (trainer.done && !evaluatedAt(trainer.currentStep)) await evaluate();
  await checkpoint();
  return { step: trainer.currentStep, finished: trainer.done };
}
