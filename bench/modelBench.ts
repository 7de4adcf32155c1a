/**
 * Model benchmark: BERT forward (or training-step) throughput in tokens/s on one
 * tfjs backend, next to that backend's own large-matmul throughput measured in
 * the same run, giving model FLOPs utilisation (MFU) = model FLOP/s ÷ matmul FLOP/s.
 *
 * Runs unchanged in Node (cpu, wasm) and in a browser page (webgpu, webgl): no
 * `node:` imports. The caller registers and configures backends (e.g. the wasm
 * file paths) before calling; this module only selects one with useBackend (src/core/backend/useBackend.ts).
 * Every timed step ends by reading a result back, so GPU work is really done.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/core/backend/useBackend.ts';
import { bertEncoder, mlmLogitsAtPositions } from '../src/core/model/bert.ts';
import { BERT_CONFIG_DEFAULTS, type BertConfig } from '../src/core/model/config.ts';
import { initWeights } from '../src/core/model/init.ts';
import { EMBEDDING_NAMES, type Weights } from '../src/core/model/weights.ts';
import { Rng } from '../src/core/random/rng.ts';

export interface ModelBenchCase {
  name: string;
  cfg: BertConfig;
  batch: number;
  seq: number;
}

export interface ModelBenchOptions {
  backend: string;
  configs: ModelBenchCase[];
  mode: 'forward' | 'train-step';
  /** Masked positions per sequence whose MLM logits are computed (the distillation's max_predictions_per_seq). Default 20. */
  maskedPositions?: number;
  /** Side of the square matmul used as the backend's peak. Default 1024. */
  matmulSize?: number;
  /** Keep repeating a measurement until this many seconds have passed (after one warm-up). Default 1. */
  minSeconds?: number;
  /** At most this many timed repetitions. Default 50. */
  maxReps?: number;
  /** Progress lines (e.g. console.log). */
  log?: (line: string) => void;
}

export interface MatmulThroughput {
  size: number;
  reps: number;
  msPerMatmul: number;
  gflops: number;
}

export interface ModelBenchRow {
  name: string;
  mode: 'forward' | 'train-step';
  batch: number;
  seq: number;
  layers: number;
  hidden: number;
  vocab: number;
  maskedPositions: number;
  reps: number;
  msPerStep: number;
  tokensPerSecond: number;
  /** Model FLOPs of one step (forward, or ×3 for forward + backward). */
  gflopPerStep: number;
  modelGflops: number;
  /** modelGflops / matmul.gflops */
  mfu: number;
}

export interface ModelBenchResult {
  backend: string;
  mode: 'forward' | 'train-step';
  /** The better of the matmul measurements taken before and after the model runs. */
  matmul: MatmulThroughput;
  rows: ModelBenchRow[];
}

/**
 * FLOPs of a BERT forward pass (a multiply-add counts 2; only matrix products,
 * which dominate): per layer the Q, K, V and output projections (4·2·N·H²), the
 * feed-forward (2·2·N·H·I), attention scores and context (2·2·B·S²·H), with
 * N = B·S tokens; plus the MLM head at P positions per sequence
 * (transform 2·B·P·H² and tied decoder 2·B·P·H·V). The pooler is not counted.
 */
export function bertForwardFlops(cfg: BertConfig, batch: number, seq: number, maskedPositions = 0): number {
  const H = cfg.hidden_size;
  const I = cfg.intermediate_size;
  const N = batch * seq;
  const perLayer = 8 * N * H * H + 4 * N * H * I + 4 * batch * seq * seq * H;
  const head = 2 * batch * maskedPositions * H * (H + cfg.vocab_size);
  return cfg.num_hidden_layers * perLayer + head;
}

/** A training step's FLOPs: forward + backward ≈ 3 × forward. */
export function bertTrainStepFlops(cfg: BertConfig, batch: number, seq: number, maskedPositions = 0): number {
  return 3 * bertForwardFlops(cfg, batch, seq, maskedPositions);
}

const now = () => performance.now();

/** Runs `step` once to warm up, then repeatedly until minSeconds (at least once). Returns ms per step. */
export async function timeRepeated(step: () => Promise<void>, minSeconds: number, maxReps: number) {
  await step();
  let reps = 0;
  const start = now();
  do {
    await step();
    reps++;
  } while (now() - start < minSeconds * 1000 && reps < maxReps);
  return { reps, ms: (now() - start) / reps };
}

/** The backend's throughput on [n×n]·[n×n] products, in GFLOP/s. */
export async function benchMatmul(size: number, minSeconds: number, maxReps: number): Promise<MatmulThroughput> {
  const rng = new Rng(1);
  const fill = () => Float32Array.from({ length: size * size }, () => rng.random() - 0.5);
  const a = tf.tensor2d(fill(), [size, size]);
  const b = tf.tensor2d(fill(), [size, size]);
  const { reps, ms } = await timeRepeated(
    async () => {
      // Chain a few products so that one read-back covers several kernels.
      const out = tf.tidy(() => tf.slice(tf.matMul(tf.matMul(a, b), b), [0, 0], [1, 1]));
      await out.data();
      out.dispose();
    },
    minSeconds,
    maxReps,
  );
  tf.dispose([a, b]);
  const msPerMatmul = ms / 2;
  return { size, reps: reps * 2, msPerMatmul, gflops: (2 * size ** 3) / (msPerMatmul * 1e6) };
}

function randomInts(rng: Rng, shape: [number, number], max: number): tf.Tensor2D {
  const data = Int32Array.from({ length: shape[0] * shape[1] }, () => rng.randint(0, max - 1));
  return tf.tensor2d(data, shape, 'int32');
}

async function benchCase(c: ModelBenchCase, opts: Required<Omit<ModelBenchOptions, 'log' | 'configs' | 'backend'>>) {
  const { cfg, batch, seq } = c;
  const P = Math.min(opts.maskedPositions, seq);
  const rng = new Rng(7);
  const initial = initWeights(cfg, { pooler: false, mlmHead: true }, 1);
  const weights: Weights = {};
  for (const [name, t] of Object.entries(initial))
    weights[name] = opts.mode === 'train-step' ? tf.variable(t, true, `bench/${c.name}/${name}`) : t;
  if (opts.mode === 'train-step') tf.dispose(Object.values(initial));
  const inputs = {
    inputIds: randomInts(rng, [batch, seq], cfg.vocab_size),
    tokenTypeIds: randomInts(rng, [batch, seq], cfg.type_vocab_size),
    attentionMask: tf.ones([batch, seq], 'int32') as tf.Tensor2D,
  };
  const positions = randomInts(rng, [batch, P], seq);
  const labels = randomInts(rng, [batch, P], cfg.vocab_size);

  const forward = async () => {
    const logits = tf.tidy(() => mlmLogitsAtPositions(weights, cfg, bertEncoder(weights, cfg, inputs), positions));
    await logits.data();
    logits.dispose();
  };
  let seed = 0;
  const trainStep = async () => {
    const { value, grads } = tf.variableGrads(() => {
      const seqOut = bertEncoder(weights, cfg, inputs, { training: true, seed: seed++ });
      const logits = mlmLogitsAtPositions(weights, cfg, seqOut, positions);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, cfg.vocab_size), logits) as tf.Scalar;
    });
    // Plain SGD: every gradient is used, and the word-embedding gradient (the last one
    // the backward pass produces) is read back so the whole step has finished.
    const check = tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        const v = weights[name.slice(`bench/${c.name}/`.length)] as tf.Variable;
        v.assign(tf.sub(v, tf.mul(g, 1e-4)));
      }
      return tf.sum(grads[`bench/${c.name}/${EMBEDDING_NAMES.word}`]);
    });
    await Promise.all([value.data(), check.data()]);
    tf.dispose([value, check, ...Object.values(grads)]);
  };

  const { reps, ms } = await timeRepeated(opts.mode === 'forward' ? forward : trainStep, opts.minSeconds, opts.maxReps);
  tf.dispose([...Object.values(weights), positions, labels, ...Object.values(inputs)]);
  const flops = opts.mode === 'forward' ? bertForwardFlops(cfg, batch, seq, P) : bertTrainStepFlops(cfg, batch, seq, P);
  return { reps, ms, flops, P };
}

export async function benchModel(opts: ModelBenchOptions): Promise<ModelBenchResult> {
  const log = opts.log ?? (() => {});
  const settings = {
    mode: opts.mode,
    maskedPositions: opts.maskedPositions ?? 20,
    matmulSize: opts.matmulSize ?? 1024,
    minSeconds: opts.minSeconds ?? 1,
    maxReps: opts.maxReps ?? 50,
  };
  await useBackend(opts.backend, { who: 'modelBench' });
  const before = tf.memory().numTensors;

  const mm1 = await benchMatmul(settings.matmulSize, settings.minSeconds, settings.maxReps);
  log(`[${opts.backend}] matmul ${mm1.size}³: ${mm1.gflops.toFixed(1)} GFLOP/s`);
  const measured: { c: ModelBenchCase; reps: number; ms: number; flops: number; P: number }[] = [];
  for (const c of opts.configs) {
    const r = await benchCase(c, settings);
    measured.push({ c, ...r });
    log(`[${opts.backend}] ${c.name} ${opts.mode} b${c.batch} s${c.seq}: ${r.ms.toFixed(1)} ms/step (${r.reps} reps)`);
  }
  const mm2 = await benchMatmul(settings.matmulSize, settings.minSeconds, settings.maxReps);
  log(`[${opts.backend}] matmul again: ${mm2.gflops.toFixed(1)} GFLOP/s`);
  const matmul = mm2.gflops > mm1.gflops ? mm2 : mm1;

  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`modelBench: ${leaked} tensors leaked on ${opts.backend}`);

  const rows = measured.map(({ c, reps, ms, flops, P }): ModelBenchRow => {
    const modelGflops = flops / (ms * 1e6);
    return {
      name: c.name,
      mode: opts.mode,
      batch: c.batch,
      seq: c.seq,
      layers: c.cfg.num_hidden_layers,
      hidden: c.cfg.hidden_size,
      vocab: c.cfg.vocab_size,
      maskedPositions: P,
      reps,
      msPerStep: ms,
      tokensPerSecond: (c.batch * c.seq) / (ms / 1000),
      gflopPerStep: flops / 1e9,
      modelGflops,
      mfu: modelGflops / matmul.gflops,
    };
  });
  return { backend: opts.backend, mode: opts.mode, matmul, rows };
}

/** A plain-text table of a result. */
export function formatModelBench(r: ModelBenchResult): string {
  const lines = [
    `backend ${r.backend}, ${r.mode}; matmul ${r.matmul.size}x${r.matmul.size}: ${r.matmul.gflops.toFixed(2)} GFLOP/s (${r.matmul.msPerMatmul.toFixed(1)} ms)`,
    'name | batch x seq | ms/step | tokens/s | model GFLOP/s | MFU',
  ];
  for (const row of r.rows) {
    lines.push(
      `${row.name} | ${row.batch}x${row.seq} | ${row.msPerStep.toFixed(1)} | ${row.tokensPerSecond.toFixed(0)} | ${row.modelGflops.toFixed(2)} | ${(100 * row.mfu).toFixed(1)}%`,
    );
  }
  return lines.join('\n');
}

/** Chinese BERT's shape (vocab 21128) with a given depth and width. */
export function chineseBertConfig(layers: number, hidden = 768): BertConfig {
  return {
    ...BERT_CONFIG_DEFAULTS,
    vocab_size: 21128,
    hidden_size: hidden,
    num_hidden_layers: layers,
    num_attention_heads: hidden / 64,
    intermediate_size: 4 * hidden,
  };
}

/** A tiny config for quick runs. */
export const TINY_BENCH_CONFIG: BertConfig = { ...chineseBertConfig(2, 128), vocab_size: 1000 };

/** The cases: the 12-layer base model and the 3-layer student at seq 128, plus a tiny one. */
export function standardBenchCases(batch: number): ModelBenchCase[] {
  return [
    { name: 'base-12L-768', cfg: chineseBertConfig(12), batch, seq: 128 },
    { name: 'student-3L-768', cfg: chineseBertConfig(3), batch, seq: 128 },
    { name: 'tiny-2L-128', cfg: TINY_BENCH_CONFIG, batch, seq: 128 },
  ];
}
