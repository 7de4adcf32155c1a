/**
 * The distillation run, step by step: usable from a Web Worker (the page asks
 * for one step at a time and streams the metrics) and from the CLI.
 *
 * One step() = one optimiser update over `batchSize` examples, taken as
 * `gradientAccumulationSteps` micro-batches whose gradients are summed and then
 * averaged; global-norm clipping (1.0); BERT's AdamW with warmup + linear decay.
 * Dropout is on while training, seeded per step and micro-batch; the example
 * order is a seeded shuffle per epoch. Both depend only on saved state, so a
 * run restored from a checkpoint continues the same loss curve.
 *
 * Each micro-batch's loss is normalised by its own Σ masked_lm_weights (as the seed's
 * loss over one batch), and the micro-batch gradients are averaged: equal to the
 * whole-batch gradient when the micro-batches hold equally many real slots.
 *
 * A NaN or Inf loss or gradient stops the run before the update is applied: no
 * weight is changed, no checkpoint is written, and the last good checkpoint stays.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, type RngState } from '../random/rng.ts';
import type { Weights } from '../model/weights.ts';
import type { KeyValueStore } from '../storage/keyValueStore.ts';
import { expectBytes } from '../storage/keyValueStore.ts';
import { AdamW, BERT_ADAMW, clipByGlobalNorm, type AdamWConfig } from './adamw.ts';
import { disposeBatch, toBatchTensors, tokenCount, type MaskedLmFn, type TrainItem } from './batch.ts';
import { distillLoss, needsTeacher, type LossComponentName, type LossConfig } from './loss.ts';
import { learningRateAt, type ScheduleConfig } from './schedule.ts';

/** Examples addressed by index; load() returns them with their teacher outputs. */
export interface TrainingSet {
  size: number;
  load(indices: number[]): Promise<TrainItem[]> | TrainItem[];
}

/** A TrainingSet over items already in memory. */
export function inMemoryTrainingSet(items: TrainItem[]): TrainingSet {
  return { size: items.length, load: (idx) => idx.map((i) => items[i]) };
}

export interface TrainerConfig {
  loss: LossConfig;
  schedule: ScheduleConfig;
  optimizer?: AdamWConfig;
  /** examples per optimiser step (the seed: 384) */
  batchSize: number;
  /** micro-batches per step; batchSize must be a multiple of it */
  gradientAccumulationSteps?: number;
  /** global-norm clip (BERT: 1.0) */
  clipNorm?: number;
  /** seeds the data order and dropout */
  seed?: number;
  /** save a checkpoint every N steps (0: only when asked) */
  saveCheckpointsSteps?: number;
  /** how many checkpoints to keep in the store (at least 1) */
  keepCheckpoints?: number;
}

export type LossValues = Partial<Record<LossComponentName, number>>;

export interface StepMetrics {
  kind: 'train';
  /** steps completed after this one (1 for the first) */
  step: number;
  total: number;
  components: LossValues;
  lr: number;
  /** global gradient norm before clipping */
  gradNorm: number;
  examplesPerSec: number;
  tokensPerSec: number;
  seconds: number;
}

export interface EvalMetrics {
  kind: 'eval';
  step: number;
  examples: number;
  loss: number;
  components: LossValues;
  /** student argmax = masked_lm_ids, over real slots */
  goldAccuracy: number;
  /** student argmax = teacher's top-1 id, over real slots (NaN without teacher outputs) */
  teacherTop1Agreement: number;
  /** |student top-5 ∩ teacher top-5| / 5, averaged over real slots (NaN without teacher outputs) */
  top5Overlap: number;
}

export type RunMetrics = StepMetrics | EvalMetrics;

/** Thrown by step() once the loss went NaN / Inf; the message says what happened and what is kept. */
export class TrainingHaltedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingHaltedError';
  }
}

interface DataState {
  epoch: number;
  /** position inside the current epoch's order */
  offset: number;
  /** the data RNG's state before this epoch's shuffle */
  epochRngState: RngState;
}

interface CheckpointState {
  format: 1;
  step: number;
  seed: number;
  data: DataState;
  weights: { name: string; shape: number[] }[];
  optimizer: { name: string; shape: number[] }[];
  history: RunMetrics[];
}

let trainerCount = 0;

export interface TrainerOptions {
  model: MaskedLmFn;
  /** the student's starting weights; the trainer takes ownership (they become its variables) */
  weights: Weights;
  config: TrainerConfig;
  data: TrainingSet;
  /** where checkpoints go (IndexedDB in the browser, a directory from the CLI) */
  store?: KeyValueStore;
  /** key prefix inside the store, e.g. "runs/<id>/" */
  storePrefix?: string;
}

export class Trainer {
  readonly config: Required<TrainerConfig>;
  readonly history: RunMetrics[] = [];
  private readonly model: MaskedLmFn;
  private readonly data: TrainingSet;
  private readonly store?: KeyValueStore;
  private readonly prefix: string;
  private readonly vars: Record<string, tf.Variable> = {};
  private readonly optimizer: AdamW;
  private stepsDone = 0;
  private dataRng: Rng;
  private dataState: DataState;
  private order: number[] = [];
  private haltedMessage: string | null = null;
  private lastCheckpointStep: number | null = null;

  constructor(opts: TrainerOptions) {
    const c = opts.config;
    this.config = {
      optimizer: BERT_ADAMW,
      gradientAccumulationSteps: 1,
      clipNorm: 1.0,
      seed: 12345,
      saveCheckpointsSteps: 0,
      keepCheckpoints: 2,
      ...c,
    } as Required<TrainerConfig>;
    const A = this.config.gradientAccumulationSteps;
    if (!Number.isInteger(this.config.batchSize) || this.config.batchSize < 1) {
      throw new Error(`trainer: batch size must be a positive integer, got ${this.config.batchSize}`);
    }
    if (!Number.isInteger(A) || A < 1 || this.config.batchSize % A !== 0) {
      throw new Error(
        `trainer: batch size ${this.config.batchSize} is not a multiple of gradient_accumulation_steps ${A}`,
      );
    }
    if (opts.data.size < 1) throw new Error('trainer: the training set is empty');
    if (this.config.schedule.numTrainSteps < 1) throw new Error('trainer: num_train_steps must be at least 1');
    this.model = opts.model;
    this.data = opts.data;
    this.store = opts.store;
    this.prefix = opts.storePrefix ?? '';
    const id = trainerCount++;
    for (const [name, t] of Object.entries(opts.weights)) {
      this.vars[name] = tf.variable(t, true, `trainer${id}/${name}`);
      t.dispose();
    }
    this.optimizer = new AdamW(this.config.optimizer);
    this.dataRng = new Rng(this.config.seed);
    this.dataState = { epoch: 0, offset: 0, epochRngState: this.dataRng.getState() };
    this.order = this.shuffledOrder();
  }

  /** Steps completed. */
  get currentStep(): number {
    return this.stepsDone;
  }

  /** The student's current weights (the trainer's variables: read, do not dispose). */
  get weights(): Weights {
    return { ...this.vars };
  }

  get halted(): string | null {
    return this.haltedMessage;
  }

  get done(): boolean {
    return this.stepsDone >= this.config.schedule.numTrainSteps;
  }

  private shuffledOrder(): number[] {
    this.dataRng.setState(this.dataState.epochRngState);
    return this.dataRng.shuffle([...Array(this.data.size).keys()]);
  }

  /** The next n example indices, wrapping into a freshly shuffled epoch. */
  private nextIndices(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.dataState.offset >= this.order.length) {
        this.dataState = { epoch: this.dataState.epoch + 1, offset: 0, epochRngState: this.dataRng.getState() };
        this.order = this.shuffledOrder();
      }
      const take = Math.min(n - out.length, this.order.length - this.dataState.offset);
      out.push(...this.order.slice(this.dataState.offset, this.dataState.offset + take));
      this.dataState.offset += take;
    }
    return out;
  }

  private dropoutSeed(micro: number): number {
    return ((this.config.seed >>> 0) * 1_000_003 + this.stepsDone * 97 + micro) % 2147483647;
  }

  /** One optimiser step (all its micro-batches). */
  async step(): Promise<StepMetrics> {
    if (this.haltedMessage) throw new TrainingHaltedError(this.haltedMessage);
    const t0 = performance.now();
    const cfg = this.config;
    const A = cfg.gradientAccumulationSteps;
    const micro = cfg.batchSize / A;
    const lr = learningRateAt(this.stepsDone, cfg.schedule);
    const withTeacher = needsTeacher(cfg.loss);
    const varList = Object.values(this.vars);
    const nameOf = new Map(Object.entries(this.vars).map(([n, v]) => [v.name, n]));
    const savedData = { ...this.dataState };
    const savedOrder = this.order;

    let sum: Record<string, tf.Tensor> | null = null;
    const totals: tf.Scalar[] = [];
    const comps: Partial<Record<LossComponentName, tf.Scalar>>[] = [];
    let examples = 0;
    let tokens = 0;
    let completed = false;
    try {
      for (let m = 0; m < A; m++) {
        const items = await this.data.load(this.nextIndices(micro));
        examples += items.length;
        tokens += tokenCount(items);
        const batch = toBatchTensors(items, withTeacher);
        try {
          const seed = this.dropoutSeed(m);
          let kept: Partial<Record<LossComponentName, tf.Scalar>> = {};
          const { value, grads } = tf.variableGrads(() => {
            const logits = this.model(this.vars, batch, { training: true, seed });
            const out = distillLoss(
              {
                logits,
                weights: batch.weights,
                goldIds: batch.goldIds,
                teacherProbs: batch.teacherProbs,
                teacherIds: batch.teacherIds,
              },
              cfg.loss,
            );
            kept = Object.fromEntries(Object.entries(out.components).map(([k, v]) => [k, tf.keep(v!)]));
            return out.total;
          }, varList);
          totals.push(value);
          comps.push(kept);
          const named: Record<string, tf.Tensor> = {};
          for (const [vn, g] of Object.entries(grads)) named[nameOf.get(vn) ?? vn] = g;
          if (sum === null) {
            sum = named;
          } else {
            const prev: Record<string, tf.Tensor> = sum;
            const next: Record<string, tf.Tensor> = {};
            for (const [n, g] of Object.entries(named)) {
              next[n] = prev[n] ? tf.add(prev[n], g) : g;
              if (prev[n]) {
                prev[n].dispose();
                g.dispose();
              }
            }
            for (const [n, g] of Object.entries(prev)) if (!next[n]) next[n] = g;
            sum = next;
          }
        } finally {
          disposeBatch(batch);
        }
      }
      const grads: Record<string, tf.Tensor> = sum!;
      if (A > 1) {
        for (const n of Object.keys(grads)) {
          const avg = tf.div(grads[n], A);
          grads[n].dispose();
          grads[n] = avg;
        }
      }
      const { clipped, norm } = clipByGlobalNorm(grads, cfg.clipNorm);
      tf.dispose(Object.values(grads));
      const totalValues = await Promise.all(totals.map((t) => t.data()));
      const total = totalValues.reduce((a, v) => a + v[0], 0) / A;
      const gradNorm = (await norm.data())[0];
      norm.dispose();
      const components: LossValues = {};
      for (const c of comps) {
        for (const [k, v] of Object.entries(c)) {
          const key = k as LossComponentName;
          components[key] = (components[key] ?? 0) + (await v!.data())[0] / A;
        }
      }
      if (!Number.isFinite(total) || !Number.isFinite(gradNorm)) {
        tf.dispose(Object.values(clipped));
        const kept =
          this.lastCheckpointStep === null
            ? 'no checkpoint had been saved yet'
            : `the last good checkpoint (step ${this.lastCheckpointStep}) is kept`;
        this.haltedMessage =
          `training stopped at step ${this.stepsDone + 1}: the loss is ${total} and the gradient norm ${gradNorm} ` +
          `(components ${JSON.stringify(components)}); no update was applied and nothing was saved; ${kept}. ` +
          `Try a lower learning rate or more warmup steps.`;
        throw new TrainingHaltedError(this.haltedMessage);
      }
      this.optimizer.apply(this.vars, clipped, lr);
      tf.dispose(Object.values(clipped));
      this.stepsDone++;
      completed = true;
      const seconds = (performance.now() - t0) / 1000;
      const metrics: StepMetrics = {
        kind: 'train',
        step: this.stepsDone,
        total,
        components,
        lr,
        gradNorm,
        examplesPerSec: examples / seconds,
        tokensPerSec: tokens / seconds,
        seconds,
      };
      this.history.push(metrics);
      if (cfg.saveCheckpointsSteps > 0 && this.store && this.stepsDone % cfg.saveCheckpointsSteps === 0) {
        await this.saveCheckpoint();
      }
      return metrics;
    } finally {
      tf.dispose(totals);
      for (const c of comps) tf.dispose(Object.values(c) as tf.Tensor[]);
      if (sum) tf.dispose(Object.values(sum as Record<string, tf.Tensor>).filter((t) => !t.isDisposed));
      if (!completed) {
        // a failed or halted step consumes no examples: a retry or resume sees the same ones
        this.dataState = savedData;
        this.order = savedOrder;
      }
    }
  }

  /** Loss and accuracy on held-out examples (no dropout, no update). */
  async evaluate(
    heldOut: TrainingSet,
    batchSize = this.config.batchSize / this.config.gradientAccumulationSteps,
  ): Promise<EvalMetrics> {
    const withTeacher = needsTeacher(this.config.loss);
    let sumW = 0,
      lossSum = 0,
      gold = 0,
      agree = 0,
      overlap = 0,
      real = 0,
      teacherSlots = 0;
    const compSum: LossValues = {};
    for (let start = 0; start < heldOut.size; start += batchSize) {
      const idx = [...Array(Math.min(batchSize, heldOut.size - start)).keys()].map((i) => i + start);
      const items = await heldOut.load(idx);
      const hasTeacher = items.every((it) => it.teacher);
      const batch = toBatchTensors(items, withTeacher || hasTeacher);
      try {
        const r = tf.tidy(() => {
          const logits = this.model(this.vars, batch, { training: false });
          const out = distillLoss(
            {
              logits,
              weights: batch.weights,
              goldIds: batch.goldIds,
              teacherProbs: batch.teacherProbs,
              teacherIds: batch.teacherIds,
            },
            this.config.loss,
          );
          const top5 = tf.topk(logits, Math.min(5, logits.shape[2])).indices;
          return { total: out.total, components: out.components, top5 };
        });
        const w = items.flatMap((it) => Array.from(it.example.maskedLmWeights));
        const bw = w.reduce((a, b) => a + b, 0);
        lossSum += (await r.total.data())[0] * bw;
        for (const [k, v] of Object.entries(r.components)) {
          const key = k as LossComponentName;
          compSum[key] = (compSum[key] ?? 0) + (await v!.data())[0] * bw;
        }
        sumW += bw;
        const top5 = (await r.top5.data()) as Int32Array;
        const kk = r.top5.shape[2]!;
        tf.dispose([r.total, r.top5, ...(Object.values(r.components) as tf.Tensor[])]);
        const P = items[0].example.maskedLmPositions.length;
        items.forEach((it, b) => {
          for (let s = 0; s < P; s++) {
            if (!(it.example.maskedLmWeights[s] > 0)) continue;
            real++;
            const s5 = top5.subarray((b * P + s) * kk, (b * P + s + 1) * kk);
            if (s5[0] === it.example.maskedLmIds[s]) gold++;
            const t = it.teacher;
            if (t) {
              teacherSlots++;
              const t5 = t.ids.subarray(s * t.k, s * t.k + Math.min(5, t.k));
              if (s5[0] === t5[0]) agree++;
              let common = 0;
              for (const id of s5) if (t5.includes(id)) common++;
              overlap += common / 5;
            }
          }
        });
      } finally {
        disposeBatch(batch);
      }
    }
    const components: LossValues = {};
    for (const [k, v] of Object.entries(compSum)) components[k as LossComponentName] = v / sumW;
    const metrics: EvalMetrics = {
      kind: 'eval',
      step: this.stepsDone,
      examples: heldOut.size,
      loss: lossSum / sumW,
      components,
      goldAccuracy: gold / real,
      teacherTop1Agreement: teacherSlots ? agree / teacherSlots : NaN,
      top5Overlap: teacherSlots ? overlap / teacherSlots : NaN,
    };
    this.history.push(metrics);
    return metrics;
  }

  private key(k: string): string {
    return `${this.prefix}checkpoint/${k}`;
  }

  /**
   * Saves weights, optimiser state, step, data order / RNG state and the
   * metrics history under a new key; the "latest" pointer moves only once all
   * of it is written, so an interrupted save leaves the previous checkpoint intact.
   */
  async saveCheckpoint(): Promise<void> {
    if (!this.store) throw new Error('trainer: no store to save checkpoints in');
    if (this.haltedMessage) throw new TrainingHaltedError(`not saving: ${this.haltedMessage}`);
    const tag = `step-${this.stepsDone}`;
    const names = Object.keys(this.vars).sort();
    for (const n of names) {
      await this.store.set(this.key(`${tag}/w/${n}`), f32Bytes((await this.vars[n].data()) as Float32Array));
    }
    const opt = await this.optimizer.getState();
    for (let i = 0; i < opt.names.length; i++) {
      await this.store.set(this.key(`${tag}/m/${opt.names[i]}`), f32Bytes(opt.m[i]));
      await this.store.set(this.key(`${tag}/v/${opt.names[i]}`), f32Bytes(opt.v[i]));
    }
    const state: CheckpointState = {
      format: 1,
      step: this.stepsDone,
      seed: this.config.seed,
      data: { ...this.dataState },
      weights: names.map((name) => ({ name, shape: this.vars[name].shape })),
      optimizer: opt.names.map((name, i) => ({ name, shape: opt.shapes[i] })),
      history: this.history,
    };
    await this.store.set(this.key(`${tag}/state`), state);
    await this.store.set(this.key('latest'), { step: this.stepsDone, tag });
    this.lastCheckpointStep = this.stepsDone;
    // drop the oldest checkpoints beyond keepCheckpoints
    const tags = new Set<string>();
    for (const k of await this.store.keys(this.key('step-'))) tags.add(k.slice(this.key('').length).split('/')[0]);
    const sorted = [...tags].sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
    for (const old of sorted.slice(0, Math.max(0, sorted.length - Math.max(1, this.config.keepCheckpoints)))) {
      if (old === tag) continue;
      for (const k of await this.store.keys(this.key(`${old}/`))) await this.store.del(k);
    }
  }

  /** Restores the latest checkpoint from the store; false when there is none. */
  async restore(): Promise<boolean> {
    if (!this.store) return false;
    const latest = (await this.store.get(this.key('latest'))) as { step: number; tag: string } | undefined;
    if (!latest) return false;
    const where = `checkpoint ${this.prefix}${latest.tag}`;
    const state = (await this.store.get(this.key(`${latest.tag}/state`))) as CheckpointState | undefined;
    if (state?.format !== 1) throw new Error(`${where}: its state record is missing or unreadable`);
    const want = new Set(Object.keys(this.vars));
    for (const { name, shape } of state.weights) {
      const v = this.vars[name];
      if (!v) throw new Error(`${where}: tensor "${name}" is not a weight of this student`);
      if (v.shape.join() !== shape.join()) {
        throw new Error(`${where}: tensor "${name}" has shape [${shape}], this student's is [${v.shape}]`);
      }
      want.delete(name);
    }
    if (want.size) throw new Error(`${where}: tensors missing: ${[...want].slice(0, 5).join(', ')}`);
    const load = async (k: string, shape: number[]) => {
      const bytes = expectBytes(await this.store!.get(this.key(`${latest.tag}/${k}`)), `${where}/${k}`);
      const n = shape.reduce((a, b) => a * b, 1);
      if (bytes.byteLength !== n * 4) throw new Error(`${where}/${k}: ${bytes.byteLength} bytes, expected ${n * 4}`);
      return new Float32Array(bytes.slice().buffer);
    };
    const values = new Map<string, Float32Array>();
    for (const { name, shape } of state.weights) values.set(name, await load(`w/${name}`, shape));
    const m: Float32Array[] = [],
      v: Float32Array[] = [];
    for (const { name, shape } of state.optimizer) {
      m.push(await load(`m/${name}`, shape));
      v.push(await load(`v/${name}`, shape));
    }
    // everything read: now change the trainer
    for (const [name, data] of values) {
      const t = tf.tensor(data, this.vars[name].shape);
      this.vars[name].assign(t);
      t.dispose();
    }
    this.optimizer.setState({
      names: state.optimizer.map((o) => o.name),
      shapes: state.optimizer.map((o) => o.shape),
      m,
      v,
    });
    this.stepsDone = state.step;
    this.dataState = { ...state.data };
    this.order = this.shuffledOrder();
    this.history.splice(0, this.history.length, ...state.history);
    this.lastCheckpointStep = state.step;
    this.haltedMessage = null;
    return true;
  }

  dispose(): void {
    for (const v of Object.values(this.vars)) v.dispose();
    this.optimizer.dispose();
  }
}

function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
