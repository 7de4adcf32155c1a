/**
 * A model being trained on a task: its weights (as tf.Variables), the AdamW
 * state, the data order, the step count and the metrics history, with
 * step(), evaluate(), saveCheckpoint() and restore(). The loop that decides
 * when to do which is train() in train.ts; every training (distillation,
 * fine-tuning, the demo teacher) goes through both.
 *
 * One step() = one optimiser update over `batchSize` items taken as
 * `gradientAccumulationSteps` micro-batches (trainStep.ts). Dropout is seeded
 * per step and micro-batch and the data order is a seeded shuffle per epoch
 * (dataOrder.ts); both depend only on saved state, so a run restored from a
 * checkpoint (trainState.ts) continues the same loss curve.
 *
 * A NaN or Inf loss or gradient stops the run before the update is applied:
 * no weight is changed, no checkpoint is written, and the last good one stays.
 */
import * as tf from '@tensorflow/tfjs';
import type { Weights } from '../model/weights.ts';
import type { KeyValueStore } from '../storage/keyValueStore.ts';
import { AdamW, type AdamWConfig, BERT_ADAMW } from './adamw.ts';
import { DataOrder } from './dataOrder.ts';
import { learningRateAt, type ScheduleConfig } from './schedule.ts';
import type { EvalScores, TrainingSet, TrainingTask } from './task.ts';
import { TrainStateStore } from './trainState.ts';
import { optimiserStep } from './trainStep.ts';

export interface TrainerConfig {
  schedule: ScheduleConfig;
  optimizer?: AdamWConfig;
  /** items per optimiser step (the original distillation: 384) */
  batchSize: number;
  /** micro-batches per step; batchSize must be a multiple of it */
  gradientAccumulationSteps?: number;
  /** global-norm clip (BERT: 1.0) */
  clipNorm?: number;
  /** seeds the data order and dropout */
  seed?: number;
  /** how many checkpoints to keep in the store (at least 1) */
  keepCheckpoints?: number;
}

export const TRAINER_DEFAULTS = {
  optimizer: BERT_ADAMW,
  gradientAccumulationSteps: 1,
  clipNorm: 1.0,
  seed: 12345,
  keepCheckpoints: 2,
} as const;

export interface StepMetrics {
  kind: 'train';
  /** steps completed after this one (1 for the first) */
  step: number;
  total: number;
  /** each loss part, unweighted */
  components: Record<string, number>;
  lr: number;
  /** global gradient norm before clipping */
  gradNorm: number;
  examplesPerSec: number;
  tokensPerSec: number;
  seconds: number;
}

export type EvalMetrics<Scores extends EvalScores = EvalScores> = { kind: 'eval'; step: number } & Scores;

export type RunMetrics<Scores extends EvalScores = EvalScores> = StepMetrics | EvalMetrics<Scores>;

/** Thrown by step() once the loss went NaN / Inf; the message says what happened and what is kept. */
export class TrainingHaltedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingHaltedError';
  }
}

export interface TrainerOptions<Item, Scores extends EvalScores> {
  task: TrainingTask<Item, Scores>;
  /** the starting weights; the trainer takes ownership (they become its variables) */
  weights: Weights;
  config: TrainerConfig;
  data: TrainingSet<Item>;
  /** where checkpoints go (IndexedDB in the browser, a directory from the CLI) */
  store?: KeyValueStore;
  /** key prefix inside the store, e.g. "runs/<id>/" */
  storePrefix?: string;
}

let trainerCount = 0;

export class Trainer<Item, Scores extends EvalScores = EvalScores> {
  readonly config: Required<TrainerConfig>;
  readonly history: RunMetrics<Scores>[] = [];
  readonly task: TrainingTask<Item, Scores>;
  private readonly data: TrainingSet<Item>;
  private readonly states?: TrainStateStore;
  private readonly vars: Record<string, tf.Variable> = {};
  private readonly optimizer: AdamW;
  private readonly order: DataOrder;
  private stepsDone = 0;
  private haltedMessage: string | null = null;
  private lastCheckpointStep: number | null = null;

  constructor(opts: TrainerOptions<Item, Scores>) {
    this.config = { ...TRAINER_DEFAULTS, ...opts.config };
    const { batchSize, gradientAccumulationSteps: A } = this.config;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`trainer: batch size must be a positive integer, got ${batchSize}`);
    }
    if (!Number.isInteger(A) || A < 1 || batchSize % A !== 0) {
      throw new Error(`trainer: batch size ${batchSize} is not a multiple of gradient_accumulation_steps ${A}`);
    }
    if (opts.data.size < 1) throw new Error('trainer: the training set is empty');
    if (this.config.schedule.numTrainSteps < 1) throw new Error('trainer: num_train_steps must be at least 1');
    this.task = opts.task;
    this.data = opts.data;
    this.states = opts.store ? new TrainStateStore(opts.store, opts.storePrefix ?? '') : undefined;
    const id = trainerCount++;
    for (const [name, t] of Object.entries(opts.weights)) {
      this.vars[name] = tf.variable(t, true, `trainer${id}/${name}`);
      t.dispose();
    }
    this.optimizer = new AdamW(this.config.optimizer);
    this.order = new DataOrder(this.data.size, this.config.seed);
  }

  /** Steps completed. */
  get currentStep(): number {
    return this.stepsDone;
  }

  /** The current weights (the trainer's variables: read, do not dispose). */
  get weights(): Weights {
    return { ...this.vars };
  }

  get halted(): string | null {
    return this.haltedMessage;
  }

  get done(): boolean {
    return this.stepsDone >= this.config.schedule.numTrainSteps;
  }

  /** The step of the checkpoint last saved or restored (null: none yet). */
  get lastSavedStep(): number | null {
    return this.lastCheckpointStep;
  }

  /** True when checkpoints can be saved (a store was given). */
  get canSave(): boolean {
    return this.states !== undefined;
  }

  private dropoutSeed(micro: number): number {
    return ((this.config.seed >>> 0) * 1_000_003 + this.stepsDone * 97 + micro) % 2147483647;
  }

  /** One optimiser step (all its micro-batches). */
  async step(): Promise<StepMetrics> {
    if (this.haltedMessage) throw new TrainingHaltedError(this.haltedMessage);
    const t0 = performance.now();
    const { batchSize, gradientAccumulationSteps: A, schedule, clipNorm } = this.config;
    const lr = learningRateAt(this.stepsDone, schedule);
    const orderBefore = this.order.getState();
    let examples = 0;
    let completed = false;
    const batches = [];
    try {
      for (let m = 0; m < A; m++) {
        const items = await this.data.load(this.order.next(batchSize / A));
        examples += items.length;
        batches.push(this.task.prepare(items));
      }
      const r = await optimiserStep(
        this.vars,
        this.optimizer,
        batches,
        (m) => ({ training: true, seed: this.dropoutSeed(m) }),
        lr,
        clipNorm,
      );
      if (!r.finite) {
        const kept =
          this.lastCheckpointStep === null
            ? 'no checkpoint had been saved yet'
            : `the last good checkpoint (step ${this.lastCheckpointStep}) is kept`;
        this.haltedMessage =
          `training stopped at step ${this.stepsDone + 1}: the loss is ${r.total} and the gradient norm ${r.gradNorm} ` +
          `(components ${JSON.stringify(r.components)}); no update was applied and nothing was saved; ${kept}. ` +
          `Try a lower learning rate or more warmup steps.`;
        throw new TrainingHaltedError(this.haltedMessage);
      }
      this.stepsDone++;
      completed = true;
      const seconds = (performance.now() - t0) / 1000;
      const metrics: StepMetrics = {
        kind: 'train',
        step: this.stepsDone,
        total: r.total,
        components: r.components,
        lr,
        gradNorm: r.gradNorm,
        examplesPerSec: examples / seconds,
        tokensPerSec: r.tokens / seconds,
        seconds,
      };
      this.history.push(metrics);
      return metrics;
    } finally {
      for (const b of batches) b.dispose();
      // a failed or halted step consumes no items: a retry or resume sees the same ones
      if (!completed) this.order.setState(orderBefore);
    }
  }

  /** Scores held-out items with the current weights (no dropout, no update) and records it in the history. */
  async evaluate(
    heldOut: TrainingSet<Item>,
    batchSize = this.config.batchSize / this.config.gradientAccumulationSteps,
  ): Promise<EvalMetrics<Scores>> {
    const scores = await this.task.evaluate(this.weights, heldOut, batchSize);
    const metrics = { kind: 'eval', step: this.stepsDone, ...scores } as EvalMetrics<Scores>;
    this.history.push(metrics);
    return metrics;
  }

  /** Saves weights, optimiser state, step, data order and history (see trainState.ts). */
  async saveCheckpoint(): Promise<void> {
    if (!this.states) throw new Error('trainer: no store to save checkpoints in');
    if (this.haltedMessage) throw new TrainingHaltedError(`not saving: ${this.haltedMessage}`);
    await this.states.save(
      this.vars,
      this.optimizer,
      { step: this.stepsDone, seed: this.config.seed, data: this.order.getState(), history: this.history },
      this.config.keepCheckpoints,
    );
    this.lastCheckpointStep = this.stepsDone;
  }

  /** Restores the latest checkpoint from the store; false when there is none. */
  async restore(): Promise<boolean> {
    if (!this.states) return false;
    const saved = await this.states.restore<RunMetrics<Scores>>(this.vars, this.optimizer);
    if (!saved) return false;
    this.stepsDone = saved.step;
    this.order.setState(saved.data);
    this.history.splice(0, this.history.length, ...saved.history);
    this.lastCheckpointStep = saved.step;
    this.haltedMessage = null;
    return true;
  }

  dispose(): void {
    for (const v of Object.values(this.vars)) v.dispose();
    this.optimizer.dispose();
  }
}
