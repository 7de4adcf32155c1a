/**
 * The engine's two hot paths as the CLI and the workers run them, each with
 * its throughput, its model FLOP/s, its GPU round trips and where its time goes:
 *  - a student training step: the project's Trainer through train() (the seed
 *    loss: CE + cosine on the teacher's top-k, AdamW, clipping);
 *  - a teacher batch: computeTeacherOutputs (forward, softmax, top-k on the
 *    backend, read back).
 * Round trips (reads back to the CPU, kernels, programs, bytes uploaded) are
 * counted with src/core/backend/roundTrips.ts over the timed steps and given
 * per step / per batch; the per-kernel profile comes from one extra step timed
 * kernel by kernel (exclusive wall time: meaningful on cpu and wasm, where
 * kernels run synchronously; on a GPU it is only the time to record them).
 *
 * Model FLOP/s stays a plain number in the results (modelGflops), so a
 * "% of native peak" column is a division away.
 * No node: imports: runs in Node and in the bench page. The caller registers backends.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/core/backend/useBackend.ts';
import {
  countRoundTrips,
  type KernelTime,
  RoundTripCounter,
  type RoundTripCounts,
} from '../src/core/backend/roundTrips.ts';
import { bertMaskedLm } from '../src/core/distill/batch.ts';
import { distillTask } from '../src/core/distill/distillTask.ts';
import { LOSS_PRESETS } from '../src/core/distill/loss.ts';
import { computeTeacherOutputs } from '../src/core/distill/teacherOutputs.ts';
import type { BertConfig } from '../src/core/model/config.ts';
import { initWeights } from '../src/core/model/init.ts';
import { inMemoryTrainingSet } from '../src/core/run/task.ts';
import { NEVER_STOP, train } from '../src/core/run/train.ts';
import { Trainer } from '../src/core/run/trainer.ts';
import { syntheticExamples } from '../src/testing/syntheticExamples.ts';
import { bertForwardFlops, bertTrainStepFlops, chineseBertConfig } from './modelBench.ts';
import { demoConfig } from './suite.ts';
import { syntheticItems } from './trainBench.ts';

export interface EngineCase {
  name: string;
  cfg: BertConfig;
  batch: number;
  seq: number;
}

export interface EngineBenchOptions {
  backend: string;
  /** threads the backend runs on (Node's wasm: see src/cli/wasmThreads.ts), for the report */
  threads?: number;
  /** where the matmuls run when not on the backend's own kernel (the CLI's native one), for the report */
  matmul?: string;
  /** the students trained with the seed loss */
  students: EngineCase[];
  /** timed student steps (after 2 warm-up steps; default 3) */
  steps?: number;
  /** the teachers whose top-k is taken */
  teachers: EngineCase[];
  /** timed teacher batches (after one warm-up batch; default 2) */
  batches?: number;
  /** prediction slots per example (default 20, the seed's) */
  maskedPositions?: number;
  /** teacher top-k (default 128) */
  k?: number;
  /** kernels listed in each profile (default 12) */
  profileTop?: number;
  log?: (line: string) => void;
}

/** One kernel's share of a profiled step. */
export interface ProfileRow extends KernelTime {
  /** share of the summed kernel time of the step */
  share: number;
}

export interface EngineRow {
  backend: string;
  /** threads the backend ran on, when known */
  threads?: number;
  /** where the matmuls ran when not on the backend's own kernel */
  matmul?: string;
  case: string;
  what: 'student-step' | 'teacher-batch';
  batch: number;
  seq: number;
  layers: number;
  hidden: number;
  /** timed steps or batches */
  reps: number;
  msPerRep: number;
  examplesPerSec: number;
  /** model FLOPs of one step / batch (see bertForwardFlops in modelBench.ts) */
  gflopPerRep: number;
  /** model GFLOP/s: divide by a peak for a utilisation */
  modelGflops: number;
  /** round trips per step / per batch, averaged over the timed ones */
  perRep: RoundTripCounts;
  /** summed exclusive kernel time of the profiled step, against its wall time */
  profiledKernelMs: number;
  profiledWallMs: number;
  /** the slowest kernels of the profiled step */
  profile: ProfileRow[];
}

export interface EngineBenchResult {
  backend: string;
  rows: EngineRow[];
  errors: string[];
}

/**
 * The cases per backend. The CLI rows (a 3-layer 768 student at 8×128, a
 * base-size teacher at 8×128) where the backend is fast enough; the demo's sizes
 * everywhere (what "Try the demo" runs, and enough for the round-trip counts,
 * which depend on the layer count, not the width). `slow`: fewer reps, batch 4.
 */
export function engineCases(opts: { full: boolean; slow: boolean }): {
  students: EngineCase[];
  teachers: EngineCase[];
  steps: number;
  batches: number;
} {
  const b = opts.slow ? 4 : 8;
  const students: EngineCase[] = [{ name: 'demo-student-3L-128', cfg: demoConfig(3), batch: b, seq: 128 }];
  const teachers: EngineCase[] = [{ name: 'demo-teacher-4L-128', cfg: demoConfig(4), batch: b, seq: 128 }];
  if (opts.full) {
    students.push({ name: 'student-3L-768', cfg: chineseBertConfig(3), batch: 8, seq: 128 });
    teachers.push({ name: 'teacher-base-12L-768', cfg: chineseBertConfig(12), batch: 8, seq: 128 });
  }
  return { students, teachers, steps: opts.slow ? 1 : 3, batches: opts.slow ? 1 : 2 };
}

function perRep(c: RoundTripCounts, n: number): RoundTripCounts {
  return {
    reads: c.reads / n,
    bytesRead: c.bytesRead / n,
    kernelReads: c.kernelReads / n,
    uploads: c.uploads / n,
    bytesUploaded: c.bytesUploaded / n,
    kernels: c.kernels / n,
    programs: c.programs === null ? null : c.programs / n,
  };
}

function profileRows(times: KernelTime[], top: number): { rows: ProfileRow[]; kernelMs: number } {
  const kernelMs = times.reduce((a, t) => a + t.ms, 0);
  return { rows: times.slice(0, top).map((t) => ({ ...t, share: t.ms / kernelMs })), kernelMs };
}

async function studentRow(opts: EngineBenchOptions, c: EngineCase, P: number, k: number): Promise<EngineRow> {
  const { cfg, batch, seq, name } = c;
  const steps = opts.steps ?? 3;
  const log = opts.log ?? (() => {});
  const trainer = new Trainer({
    task: distillTask(bertMaskedLm(cfg), LOSS_PRESETS.seed),
    weights: initWeights(cfg, { pooler: false, mlmHead: true }, 1),
    config: {
      schedule: { learningRate: 1e-4, numWarmupSteps: 0, numTrainSteps: steps + 10 },
      batchSize: batch,
    },
    data: inMemoryTrainingSet(syntheticItems(cfg, batch * 3, seq, P, k)),
  });
  const plan = (stopAfter: number) => ({ heldOut: null, evalEvery: 0, checkpointEvery: 0, stopAfter });
  try {
    // warm-up: kernels, shaders, optimiser slots (created at the first update)
    await train(trainer, plan(2));
    const counter = new RoundTripCounter();
    counter.start();
    const t0 = performance.now();
    try {
      await train(trainer, plan(2 + steps), NEVER_STOP, {
        step: (m) =>
          log(`[${opts.backend}] ${name} step ${m.step - 2}: ${m.seconds.toFixed(2)} s, loss ${m.total.toFixed(4)}`),
      });
    } finally {
      counter.stop();
    }
    const msPerRep = (performance.now() - t0) / steps;
    const w0 = performance.now();
    const { kernelTimes } = await countRoundTrips(() => train(trainer, plan(3 + steps)), { timeKernels: true });
    const profiledWallMs = performance.now() - w0;
    const { rows, kernelMs } = profileRows(kernelTimes, opts.profileTop ?? 12);
    const gflopPerRep = bertTrainStepFlops(cfg, batch, seq, P) / 1e9;
    return {
      backend: opts.backend,
      threads: opts.threads,
      matmul: opts.matmul,
      case: name,
      what: 'student-step',
      batch,
      seq,
      layers: cfg.num_hidden_layers,
      hidden: cfg.hidden_size,
      reps: steps,
      msPerRep,
      examplesPerSec: (batch * 1000) / msPerRep,
      gflopPerRep,
      modelGflops: gflopPerRep / (msPerRep / 1000),
      perRep: perRep(counter.snapshot(), steps),
      profiledKernelMs: kernelMs,
      profiledWallMs,
      profile: rows,
    };
  } finally {
    trainer.dispose();
  }
}

async function teacherRow(opts: EngineBenchOptions, c: EngineCase, P: number, k: number): Promise<EngineRow> {
  const { cfg, batch, seq, name } = c;
  const batches = opts.batches ?? 2;
  const log = opts.log ?? (() => {});
  const examples = syntheticExamples({
    count: batch * (batches + 2),
    vocabSize: cfg.vocab_size,
    maxSeqLength: seq,
    maxPredictionsPerSeq: P,
  });
  const slice = (b: number) => examples.slice(b * batch, (b + 1) * batch);
  const weights = initWeights(cfg, { pooler: false, mlmHead: true }, 1);
  const model = bertMaskedLm(cfg);
  try {
    await computeTeacherOutputs(model, weights, slice(0), k); // warm-up
    const counter = new RoundTripCounter();
    counter.start();
    const t0 = performance.now();
    try {
      for (let b = 1; b <= batches; b++) {
        const t = performance.now();
        await computeTeacherOutputs(model, weights, slice(b), k);
        log(`[${opts.backend}] ${name} teacher batch ${b}: ${((performance.now() - t) / 1000).toFixed(2)} s`);
      }
    } finally {
      counter.stop();
    }
    const msPerRep = (performance.now() - t0) / batches;
    const w0 = performance.now();
    const { kernelTimes } = await countRoundTrips(() => computeTeacherOutputs(model, weights, slice(batches + 1), k), {
      timeKernels: true,
    });
    const profiledWallMs = performance.now() - w0;
    const { rows, kernelMs } = profileRows(kernelTimes, opts.profileTop ?? 12);
    const gflopPerRep = bertForwardFlops(cfg, batch, seq, P) / 1e9;
    return {
      backend: opts.backend,
      threads: opts.threads,
      matmul: opts.matmul,
      case: name,
      what: 'teacher-batch',
      batch,
      seq,
      layers: cfg.num_hidden_layers,
      hidden: cfg.hidden_size,
      reps: batches,
      msPerRep,
      examplesPerSec: (batch * 1000) / msPerRep,
      gflopPerRep,
      modelGflops: gflopPerRep / (msPerRep / 1000),
      perRep: perRep(counter.snapshot(), batches),
      profiledKernelMs: kernelMs,
      profiledWallMs,
      profile: rows,
    };
  } finally {
    tf.dispose(Object.values(weights));
  }
}

export async function benchEngine(opts: EngineBenchOptions): Promise<EngineBenchResult> {
  await useBackend(opts.backend, { who: 'engine bench' });
  const P = opts.maskedPositions ?? 20;
  const k = (c: EngineCase) => Math.min(opts.k ?? 128, c.cfg.vocab_size);
  const rows: EngineRow[] = [];
  const errors: string[] = [];
  const attempt = async (what: string, f: () => Promise<EngineRow>) => {
    try {
      rows.push(await f());
    } catch (e) {
      errors.push(`${opts.backend} ${what}: ${e instanceof Error ? e.message : String(e)}`);
      opts.log?.(`ERROR ${errors[errors.length - 1]}`);
    }
  };
  for (const c of opts.students) await attempt(`${c.name} student step`, () => studentRow(opts, c, P, k(c)));
  for (const c of opts.teachers) await attempt(`${c.name} teacher batch`, () => teacherRow(opts, c, P, k(c)));
  return { backend: opts.backend, rows, errors };
}
