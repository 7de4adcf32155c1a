/**
 * The "Try the demo" settings and the small pure decisions behind it: which
 * files to fetch from the page's own origin, how much of the demo corpus to
 * use, the example options, teacher-pass and run settings, the student to build
 * from the teacher's layer count, and a content key that tells whether what
 * was stored by an earlier demo still matches the files the page serves now.
 * No DOM, no storage: the action that steers the workers is src/store/demo.ts.
 */
import type { RunConfig, StudentSpec } from '../contract/jobs.ts';
import type { PretrainingOptions } from '../core/examples/createPretrainingData.ts';
import { LOSS_PRESETS } from '../core/distill/lossConfig.ts';
import type { BertConfig } from '../core/model/config.ts';
import { bertForwardFlops, TRAIN_FLOPS_PER_FORWARD } from '../core/model/flops.ts';
import { contentKey as bytesContentKey } from '../core/io/contentKey.ts';

export interface DemoSettings {
  /** Folder under the page's base URL holding corpus.txt and teacher/. */
  dir: string;
  /** Use at most this many KB (1024 bytes) of the corpus, cut at a line end: bounds the number of examples. */
  corpusKB: number;
  /** Top-k probabilities kept per masked position (truncation_factor). */
  k: number;
  /** predict_batch_size of the teacher pass. */
  predictBatch: number;
  steps: number;
  batchSize: number;
  evalEvery: number;
  learningRate: number;
  /** The 3-layer student: the teacher's layers 0, 1, 2 (when it has three), or a fresh random one. */
  student: 'layers' | 'fresh';
}

/**
 * Sized for a GPU (or any backend whose measured model step reaches `FAST_DEMO_GFLOPS`): about
 * 1,150 examples of 64 tokens (the start of the demo corpus gives about 24 examples per KB), a
 * teacher pass of seconds, and an evaluation every 10 steps so the student's teacher agreement
 * is on the chart within the first minute.
 */
export const DEMO_DEFAULTS: Readonly<DemoSettings> = Object.freeze({
  dir: 'demo/',
  corpusKB: 48,
  k: 128,
  predictBatch: 32,
  steps: 400,
  batchSize: 16,
  evalEvery: 10,
  learningRate: 5e-4,
  student: 'layers',
});

/**
 * Sized for a CPU (wasm on 2 cores, measured in headless Chromium: see README, "Try the demo"):
 * about 580 examples, and fewer steps with fewer evaluations, so every stage finishes within
 * minutes and the teacher agreement still visibly rises. Measured at 120 steps of 16: learning
 * rate 3e-4 raised the agreement 70.2% → 78.7%, 1.5e-4 only to 74.5%, and 1e-3 lowered it to 68.1%.
 */
export const DEMO_CPU: Readonly<DemoSettings> = Object.freeze({
  ...DEMO_DEFAULTS,
  corpusKB: 24,
  steps: 120,
  batchSize: 16,
  evalEvery: 30,
  learningRate: 3e-4,
});

/** The file name the demo's corpus is added under. */
export const DEMO_CORPUS_NAME = 'demo-corpus.txt';

/** The training worker's measured speed: its backend and the probe's model-step GFLOP/s there. */
export interface DemoSpeed {
  backend: string;
  stepGflops: number;
}

/** A measured model step at least this fast (GFLOP/s) runs the full-size demo. */
export const FAST_DEMO_GFLOPS = 8;

/** The demo's size for a measured speed: the full one on a fast backend, the CPU one otherwise (or when unmeasured). */
export function demoSettingsForSpeed(speed: DemoSpeed | null): DemoSettings {
  return { ...(speed && speed.stepGflops >= FAST_DEMO_GFLOPS ? DEMO_DEFAULTS : DEMO_CPU) };
}

/** The shipped demo teacher's shape (public/demo/teacher/config.json) and the demo's example shape. */
export const DEMO_SHAPE = { layers: 4, hidden: 128, intermediate: 512, vocab: 4446, seq: 64, masks: 10 };
/** Examples per KB of the start of the demo corpus (seed mode, 64 tokens, one pass; its first 24 KB give 586). */
export const DEMO_EXAMPLES_PER_KB = 24;

/** Forward FLOPs of `layers` encoder layers of the demo's shape over one example, plus the MLM head at its masked positions. */
function forwardFlops(layers: number): number {
  const { hidden, intermediate, vocab, seq, masks } = DEMO_SHAPE;
  return bertForwardFlops({ layers, hidden, intermediate, vocab, seq, masks });
}

/** The demo's model FLOPs by stage (teacher pass, training steps, held-out evaluations). */
export function demoWorkFlops(s: DemoSettings): { teacherPass: number; training: number; evaluation: number } {
  const examples = Math.round(s.corpusKB * DEMO_EXAMPLES_PER_KB);
  const heldOut = Math.min(256, Math.max(1, Math.floor(examples * 0.05)));
  const evaluations = Math.floor(s.steps / s.evalEvery) + 1;
  const student = forwardFlops(3);
  return {
    teacherPass: examples * forwardFlops(DEMO_SHAPE.layers),
    training: s.steps * s.batchSize * TRAIN_FLOPS_PER_FORWARD * student,
    evaluation: evaluations * heldOut * student,
  };
}

/**
 * How much faster the demo's model runs than the probe's tiny step, per FLOP: its matrices are
 * larger (hidden 128, 64 tokens, batch 16 against hidden 64, 32 tokens, batch 4). Measured on
 * wasm in headless Chromium on 2 cores (2026-12-02): the whole demo ran at about 2.3 model
 * GFLOP/s where the probe's step measured 0.5 in the same session.
 */
export const DEMO_STEP_SPEEDUP = 4;

/**
 * Seconds the demo should take at a measured speed: its model FLOPs over the probe's model-step
 * throughput scaled by `DEMO_STEP_SPEEDUP`, plus a fixed start-up (fetching, examples, loading
 * models: about half a minute).
 */
export function demoEstimateSeconds(s: DemoSettings, speed: DemoSpeed): number {
  const w = demoWorkFlops(s);
  const flops = w.teacherPass + w.training + w.evaluation;
  return 30 + flops / (speed.stepGflops * DEMO_STEP_SPEEDUP * 1e9);
}

/** URL parameters that override the defaults (used by the e2e test to keep SwiftShader runs short). */
const PARAMS: Record<string, keyof DemoSettings> = {
  demo_dir: 'dir',
  demo_kb: 'corpusKB',
  demo_k: 'k',
  demo_predict_batch: 'predictBatch',
  demo_steps: 'steps',
  demo_batch: 'batchSize',
  demo_eval: 'evalEvery',
  demo_lr: 'learningRate',
  demo_student: 'student',
};

/**
 * The demo settings from a page's query string (`location.search`) over `base` (the size chosen for
 * the measured speed, or the full-size defaults); bad values throw, naming the parameter.
 */
export function demoSettingsFromSearch(search: string, base: Readonly<DemoSettings> = DEMO_DEFAULTS): DemoSettings {
  const out: DemoSettings = { ...base };
  const q = new URLSearchParams(search);
  for (const [param, key] of Object.entries(PARAMS)) {
    const raw = q.get(param);
    if (raw === null) continue;
    if (key === 'dir') {
      // Only a folder of this origin, relative to the page: no scheme, no "..", no leading slash.
      if (!/^[\w-]+(\/[\w-]+)*\/?$/.test(raw))
        throw new Error(`URL parameter ${param}="${raw}" must be a folder name under the page, like demo/`);
      out.dir = raw.endsWith('/') ? raw : `${raw}/`;
      continue;
    }
    if (key === 'student') {
      if (raw !== 'layers' && raw !== 'fresh')
        throw new Error(`URL parameter ${param}="${raw}" must be "layers" (teacher layers 0,1,2) or "fresh"`);
      out.student = raw;
      continue;
    }
    const v = Number(raw);
    const real = key === 'learningRate' || key === 'corpusKB';
    const ok = real ? Number.isFinite(v) && v > 0 : Number.isInteger(v) && v >= 1;
    if (!ok)
      throw new Error(
        `URL parameter ${param}="${raw}" must be a ${real ? 'positive number' : 'positive whole number'}`,
      );
    out[key] = v as never;
  }
  return out;
}

/** The create_pretraining_data options of the demo: seed mode, whole-word masking, short sequences, one pass. */
export function demoOptions(base: PretrainingOptions): PretrainingOptions {
  return {
    ...base,
    mode: 'seed',
    doLowerCase: true,
    doWholeWordMask: true,
    maxSeqLength: 64,
    maxPredictionsPerSeq: 10,
    maskedLmProb: 0.15,
    dupeFactor: 1,
    shortSeqProb: 0.1,
    docStride: 64,
    randomSeed: 12345,
  };
}

/** The demo run: the seed's loss (soft cross-entropy + cosine against the teacher's top-k). */
export function demoRunConfig(s: DemoSettings): RunConfig {
  return {
    lossPreset: 'seed',
    loss: LOSS_PRESETS.seed,
    schedule: {
      learningRate: s.learningRate,
      numWarmupSteps: Math.max(1, Math.round(s.steps * 0.05)),
      numTrainSteps: s.steps,
    },
    batchSize: s.batchSize,
    gradientAccumulationSteps: 1,
    evalEvery: s.evalEvery,
    checkpointEvery: Math.max(s.evalEvery, 100),
    seed: 12345,
  };
}

/**
 * The 3-layer student: the teacher's layers 0, 1, 2 when it has at least three (and `mode` is
 * "layers"), otherwise a fresh 3-layer model of the teacher's width.
 */
export function demoStudentSpec(
  teacherConfig: Partial<
    Pick<BertConfig, 'num_hidden_layers' | 'hidden_size' | 'num_attention_heads' | 'intermediate_size'>
  >,
  mode: DemoSettings['student'] = 'layers',
): StudentSpec {
  const layers = teacherConfig.num_hidden_layers ?? 0;
  if (mode === 'layers' && Number.isInteger(layers) && layers >= 3) return { kind: 'layers', layers: [0, 1, 2] };
  const hidden = teacherConfig.hidden_size ?? 0;
  const heads = teacherConfig.num_attention_heads ?? 0;
  const inter = teacherConfig.intermediate_size ?? 0;
  if (!(hidden > 0 && heads > 0 && inter > 0))
    throw new Error(`the demo teacher's config.json lacks hidden_size, num_attention_heads or intermediate_size`);
  return {
    kind: 'fresh',
    num_hidden_layers: 3,
    hidden_size: hidden,
    num_attention_heads: heads,
    intermediate_size: inter,
  };
}

/** Bytes to keep of a corpus so that it is at most `maxBytes`, ending at a line end (whole when it fits). */
export function corpusCut(bytes: Uint8Array, maxBytes: number): number {
  if (bytes.length <= maxBytes) return bytes.length;
  const nl = bytes.lastIndexOf(0x0a, maxBytes - 1);
  if (nl <= 0) throw new Error(`the demo corpus has no line end in its first ${maxBytes} bytes`);
  return nl + 1;
}

/** A short content key (size and FNV-1a hash) of some byte arrays: equal keys mean equal files (core's contentKey). */
export const contentKey = bytesContentKey;

/** Whether two sets of example options are the same (an example set built with `a` can be reused for `b`). */
export function sameOptions(a: PretrainingOptions, b: PretrainingOptions): boolean {
  return (Object.keys(b) as (keyof PretrainingOptions)[]).every((k) => a[k] === b[k]);
}
