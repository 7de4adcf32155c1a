/**
 * Distillation speed and memory: the training step (examples/s, tokens/s, model
 * FLOPs utilisation against the backend's own matmul throughput measured in the
 * same run, tensor count and bytes after 10 and 100 steps: flat means no leak),
 * and the teacher pass (examples/s, bytes written per example, cache write and
 * read MB/s through a KeyValueStore: pass an IndexedDbStore in the page).
 * No node: imports: runs in Node (cpu, wasm) and in a browser page (webgpu, webgl).
 * The caller registers and configures backends; this module only selects one.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/core/backend/useBackend.ts';
import { bertMaskedLm, type TrainItem } from '../src/core/distill/batch.ts';
import { LOSS_PRESETS, type LossConfig } from '../src/core/distill/loss.ts';
import { syntheticExamples } from '../src/testing/syntheticExamples.ts';
import { batchRecordBytes, TeacherCache } from '../src/core/distill/teacherCache.ts';
import { computeTeacherOutputs } from '../src/core/distill/teacherOutputs.ts';
import { distillTask } from '../src/core/distill/distillTask.ts';
import { inMemoryTrainingSet } from '../src/core/run/task.ts';
import { Trainer } from '../src/core/run/trainer.ts';
import { NEVER_STOP, train } from '../src/core/run/train.ts';
import type { BertConfig } from '../src/core/model/config.ts';
import { initWeights } from '../src/core/model/init.ts';
import { Rng } from '../src/core/random/rng.ts';
import { MemoryStore, type KeyValueStore } from '../src/core/storage/keyValueStore.ts';
import { benchMatmul, bertTrainStepFlops } from './modelBench.ts';

export interface TrainBenchOptions {
  backend: string;
  cfg: BertConfig;
  /** examples per optimiser step */
  batch: number;
  seq: number;
  /** timed steps (after 2 warm-up steps); tensor counts are taken at steps 10 and 100 when reached */
  steps: number;
  /** prediction slots per example (default 20, the seed's) */
  maskedPositions?: number;
  /** teacher top-k (default 128) */
  k?: number;
  gradientAccumulationSteps?: number;
  loss?: LossConfig;
  /** side of the square matmul used as the backend's peak (default 1024) */
  matmulSize?: number;
  log?: (line: string) => void;
}

export interface TrainBenchResult {
  backend: string;
  examplesPerSec: number;
  tokensPerSec: number;
  msPerStep: number;
  /** tf.memory() after 10 and 100 timed steps (NaN when fewer steps ran) */
  tensorsAfter10: number;
  tensorsAfter100: number;
  bytesAfter10: number;
  bytesAfter100: number;
  /** model GFLOP/s of the training step (forward + backward ≈ 3 × forward) */
  modelGflops: number;
  /** the backend's large-matmul GFLOP/s in the same run */
  matmulGflops: number;
  /** modelGflops / matmulGflops */
  mfu: number;
}

/** Synthetic items with made-up teacher outputs (geometric probabilities over random ids). */
export function syntheticItems(cfg: BertConfig, count: number, seq: number, P: number, k: number): TrainItem[] {
  const rng = new Rng(3);
  const examples = syntheticExamples({
    count,
    vocabSize: cfg.vocab_size,
    maxSeqLength: seq,
    maxPredictionsPerSeq: P,
    seed: 5,
  });
  return examples.map((example) => {
    const probs = new Float32Array(P * k);
    const ids = new Int32Array(P * k);
    for (let s = 0; s < P; s++) {
      for (let j = 0; j < k; j++) {
        probs[s * k + j] = 0.5 ** (j + 1);
        ids[s * k + j] = rng.randint(0, cfg.vocab_size - 1);
      }
    }
    return { example, teacher: { probs, ids, k } };
  });
}

export async function benchTrainStep(opts: TrainBenchOptions): Promise<TrainBenchResult> {
  await useBackend(opts.backend, { who: 'train bench' });
  const log = opts.log ?? (() => {});
  const P = opts.maskedPositions ?? 20;
  const k = Math.min(opts.k ?? 128, opts.cfg.vocab_size);
  const matmul = await benchMatmul(opts.matmulSize ?? 1024, 1, 20);
  log(`[${opts.backend}] matmul ${matmul.size}³: ${matmul.gflops.toFixed(1)} GFLOP/s`);
  const items = syntheticItems(opts.cfg, Math.max(opts.batch * 4, 8), opts.seq, P, k);
  const trainer = new Trainer({
    task: distillTask(bertMaskedLm(opts.cfg), opts.loss ?? LOSS_PRESETS.seed),
    weights: initWeights(opts.cfg, { pooler: false, mlmHead: true }, 1),
    config: {
      schedule: { learningRate: 1e-4, numWarmupSteps: 0, numTrainSteps: opts.steps + 10 },
      batchSize: opts.batch,
      gradientAccumulationSteps: opts.gradientAccumulationSteps ?? 1,
    },
    data: inMemoryTrainingSet(items),
  });
  try {
    // warm-up: kernels, shader compilation, optimiser slots; then the timed steps, through the run layer's loop
    await train(trainer, { heldOut: null, evalEvery: 0, checkpointEvery: 0, stopAfter: 2 });
    let tensorsAfter10 = NaN,
      tensorsAfter100 = NaN,
      bytesAfter10 = NaN,
      bytesAfter100 = NaN;
    let examples = 0,
      tokens = 0;
    const t0 = performance.now();
    const plan = { heldOut: null, evalEvery: 0, checkpointEvery: 0, stopAfter: 2 + opts.steps };
    await train(trainer, plan, NEVER_STOP, {
      step: (m) => {
        const i = m.step - 2;
        examples += m.examplesPerSec * m.seconds;
        tokens += m.tokensPerSec * m.seconds;
        if (i === 10 || i === 100) {
          const mem = tf.memory();
          if (i === 10) [tensorsAfter10, bytesAfter10] = [mem.numTensors, mem.numBytes];
          else [tensorsAfter100, bytesAfter100] = [mem.numTensors, mem.numBytes];
        }
        if (i % 10 === 0)
          log(`[${opts.backend}] step ${i}: ${m.examplesPerSec.toFixed(2)} examples/s, loss ${m.total.toFixed(4)}`);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const msPerStep = (seconds * 1000) / opts.steps;
    const modelGflops = bertTrainStepFlops(opts.cfg, opts.batch, opts.seq, P) / (msPerStep * 1e6);
    return {
      backend: opts.backend,
      examplesPerSec: Math.round(examples) / seconds,
      tokensPerSec: tokens / seconds,
      msPerStep,
      tensorsAfter10,
      tensorsAfter100,
      bytesAfter10,
      bytesAfter100,
      modelGflops,
      matmulGflops: matmul.gflops,
      mfu: modelGflops / matmul.gflops,
    };
  } finally {
    trainer.dispose();
  }
}

export interface TeacherPassBenchOptions {
  backend: string;
  cfg: BertConfig;
  batch: number;
  seq: number;
  /** timed batches (after one warm-up batch) */
  batches: number;
  maskedPositions?: number;
  k?: number;
  /** where the cache is written (default: in memory; an IndexedDbStore measures IndexedDB) */
  store?: KeyValueStore;
  log?: (line: string) => void;
}

export interface TeacherPassBenchResult {
  backend: string;
  examplesPerSec: number;
  /** cache bytes per example (float16 probs + 16/32-bit ids + slot flags) */
  bytesPerExample: number;
  /** MB/s of the cache writes alone, and of reading it all back through a fresh cache object */
  cacheWriteMBps: number;
  cacheReadMBps: number;
}

export async function benchTeacherPass(opts: TeacherPassBenchOptions): Promise<TeacherPassBenchResult> {
  await useBackend(opts.backend, { who: 'train bench' });
  const P = opts.maskedPositions ?? 20;
  const k = Math.min(opts.k ?? 128, opts.cfg.vocab_size);
  const n = opts.batch * (opts.batches + 1);
  const examples = syntheticExamples({
    count: n,
    vocabSize: opts.cfg.vocab_size,
    maxSeqLength: opts.seq,
    maxPredictionsPerSeq: P,
  });
  const weights = initWeights(opts.cfg, { pooler: false, mlmHead: true }, 1);
  const model = bertMaskedLm(opts.cfg);
  const store = opts.store ?? new MemoryStore();
  const key = { teacherFingerprint: `bench-${Date.now()}`, exampleSetId: 'synthetic', k };
  const layout = { numExamples: n, batchSize: opts.batch, slots: P, vocabSize: opts.cfg.vocab_size };
  try {
    const cache = await TeacherCache.open(store, key, layout);
    await cache.putBatch(0, await computeTeacherOutputs(model, weights, examples.slice(0, opts.batch), k)); // warm-up
    let computeMs = 0,
      writeMs = 0,
      bytes = 0;
    for (let b = 1; b <= opts.batches; b++) {
      const t0 = performance.now();
      const out = await computeTeacherOutputs(model, weights, examples.slice(b * opts.batch, (b + 1) * opts.batch), k);
      const t1 = performance.now();
      await cache.putBatch(b, out);
      const t2 = performance.now();
      computeMs += t1 - t0;
      writeMs += t2 - t1;
      bytes += batchRecordBytes(out.count, out.slots, out.k, opts.cfg.vocab_size <= 65536 ? 2 : 4);
      opts.log?.(`[${opts.backend}] teacher batch ${b}: ${((opts.batch * 1000) / (t1 - t0)).toFixed(2)} examples/s`);
    }
    const reread = await TeacherCache.open(store, key, layout);
    const r0 = performance.now();
    for (let b = 1; b <= opts.batches; b++) await reread.getBatch(b);
    const readMs = performance.now() - r0;
    await reread.clear();
    const examplesTimed = opts.batch * opts.batches;
    return {
      backend: opts.backend,
      examplesPerSec: (examplesTimed * 1000) / (computeMs + writeMs),
      bytesPerExample: bytes / examplesTimed,
      cacheWriteMBps: bytes / 1e6 / (writeMs / 1000),
      cacheReadMBps: bytes / 1e6 / (readMs / 1000),
    };
  } finally {
    Object.values(weights).forEach((t) => {
      t.dispose();
    });
  }
}

export interface CacheIoBenchResult {
  batches: number;
  megabytes: number;
  /** MB/s of TeacherCache.putBatch (float16 encoding + store write + manifest) */
  writeMBps: number;
  /** MB/s of TeacherCache.getBatch through a fresh cache object (store read + float16 decoding) */
  readMBps: number;
}

/**
 * Teacher-cache I/O alone, with made-up outputs: `batches` batches of `batchSize`
 * examples × `slots` × k written, then read back. Pass an IndexedDbStore in the
 * page to measure IndexedDB (target ≥ 50 MB/s each way).
 */
export async function benchTeacherCacheIo(
  store: KeyValueStore,
  opts: { batches?: number; batchSize?: number; slots?: number; k?: number; vocabSize?: number } = {},
): Promise<CacheIoBenchResult> {
  const batches = opts.batches ?? 40,
    bs = opts.batchSize ?? 32,
    slots = opts.slots ?? 20,
    k = opts.k ?? 128;
  const vocabSize = opts.vocabSize ?? 21128;
  const rng = new Rng(1);
  const n = bs * slots * k;
  const probs = new Float32Array(n).map((_, i) => 0.5 ** ((i % k) + 1));
  const ids = new Int32Array(n).map(() => rng.randint(0, vocabSize - 1));
  const weights = new Float32Array(bs * slots).fill(1);
  const out = { count: bs, slots, k, probs, ids, weights };
  const key = { teacherFingerprint: `io-bench-${Date.now()}`, exampleSetId: 'synthetic', k };
  const layout = { numExamples: bs * batches, batchSize: bs, slots, vocabSize };
  const cache = await TeacherCache.open(store, key, layout);
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) await cache.putBatch(b, out);
  const writeS = (performance.now() - t0) / 1000;
  const fresh = await TeacherCache.open(store, key, layout);
  const t1 = performance.now();
  for (let b = 0; b < batches; b++) await fresh.getBatch(b);
  const readS = (performance.now() - t1) / 1000;
  await fresh.clear();
  const megabytes = (batchRecordBytes(bs, slots, k, vocabSize <= 65536 ? 2 : 4) * batches) / 1e6;
  return { batches, megabytes, writeMBps: megabytes / writeS, readMBps: megabytes / readS };
}
