/**
 * What the cross-backend e2e check computes on ONE tfjs backend (whichever is
 * current): a tiny random BERT built with the project's own code, its sequence
 * output and masked-LM logits at masked positions, and a few training steps
 * (masked-LM cross-entropy, tf.variableGrads, the trainer's global-norm
 * clipping, a plain SGD update), counting tf.memory().numTensors before and
 * after every forward pass and every step. Everything comes back as plain
 * numbers; e2e/backends.e2e.ts compares the backends against cpu in Node.
 * No DOM: it runs in the check page's Web Worker (and in Node while developing).
 */
import * as tf from '@tensorflow/tfjs';
import { bertEncoder, mlmLogitsAtPositions } from '../../../src/core/model/bert.ts';
import type { BertConfig } from '../../../src/core/model/config.ts';
import { initWeights } from '../../../src/core/model/init.ts';
import type { Weights } from '../../../src/core/model/weights.ts';
import { clipByGlobalNorm } from '../../../src/core/run/adamw.ts';
import { Rng } from '../../../src/core/random/rng.ts';
import { randomIds, randomWeights, tinyConfig } from '../../../src/testing/tinyBert.ts';

export interface BackendRunOptions {
  seed: number;
  /** Training steps (each one forward + backward + update). */
  steps: number;
  /** Forward passes (the first one's outputs are returned; all are leak-checked). */
  forwards: number;
  learningRate: number;
}

export const DEFAULT_RUN: BackendRunOptions = { seed: 2020, steps: 3, forwards: 2, learningRate: 0.2 };

/** The tiny model: big enough for multi-tile matmuls and 4 heads, small enough for SwiftShader. */
export const CHECK_CONFIG: BertConfig = tinyConfig({
  vocab_size: 96,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 64,
  max_position_embeddings: 24,
  hidden_act: 'gelu',
});

const BATCH = 2;
const SEQ = 16;
/** Masked positions per row (the second row is padded after position 11). */
const POSITIONS = [
  [1, 4, 7, 13],
  [2, 3, 9, 11],
];

export interface StepResult {
  loss: number;
  /** Global L2 norm of all gradients before clipping, as the trainer's clipByGlobalNorm computes it. */
  gradNorm: number;
  /** The same norm from each gradient's own sum of squares, added up in JavaScript (a cross-check). */
  gradNormPerTensor: number;
  tensorsBefore: number;
  tensorsAfter: number;
}

export interface BackendRun {
  backend: string;
  /** tf.getBackend() while computing, to prove the backend really was in use. */
  activeBackend: string;
  /** Sum and sum of squares of every weight initWeights made (seeded: must match bit for bit). */
  initChecksum: { sum: number; sumSq: number; count: number };
  seqShape: number[];
  seq: number[];
  logitsShape: number[];
  logits: number[];
  forwardTensors: { before: number; after: number }[];
  steps: StepResult[];
  /** The first step's gradient of every weight, by canonical name. */
  grads: Record<string, number[]>;
  /** Weights after the last step, by canonical name. */
  finalWeights: Record<string, number[]>;
  /** numTensors before building anything and after disposing everything. */
  tensorsAtStart: number;
  tensorsAtEnd: number;
  ms: number;
}

function inputs(cfg: BertConfig, seed: number) {
  const rng = new Rng(seed + 1);
  const ids = randomIds(rng, BATCH, SEQ, cfg.vocab_size);
  const mask = [Array(SEQ).fill(1), Array.from({ length: SEQ }, (_, i) => (i < 12 ? 1 : 0))];
  const types = [
    Array.from({ length: SEQ }, (_, i) => (i < 8 ? 0 : 1)),
    Array.from({ length: SEQ }, (_, i) => (i < 5 ? 0 : 1)),
  ];
  const labels = POSITIONS.map((row) => row.map(() => rng.randint(0, cfg.vocab_size - 1)));
  return { ids, mask, types, labels };
}

async function initChecksum(cfg: BertConfig, seed: number): Promise<BackendRun['initChecksum']> {
  const w = initWeights(cfg, { pooler: true, mlmHead: true }, seed);
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (const t of Object.values(w)) {
    const d = await t.data();
    for (let i = 0; i < d.length; i++) {
      sum += d[i];
      sumSq += d[i] * d[i];
    }
    count += d.length;
  }
  tf.dispose(Object.values(w));
  return { sum, sumSq, count };
}

/** Runs the whole check on the current backend; disposes everything it made. */
export async function runOnCurrentBackend(opts: BackendRunOptions = DEFAULT_RUN): Promise<BackendRun> {
  const started = performance.now();
  const cfg = CHECK_CONFIG;
  const tensorsAtStart = tf.memory().numTensors;
  const checksum = await initChecksum(cfg, opts.seed);
  // Every weight random (biases and LayerNorm too), so every term of the model is compared.
  const init = randomWeights(cfg, { pooler: false, mlmHead: true }, opts.seed, 0.25);
  const names = Object.keys(init);
  const params: Record<string, tf.Variable> = {};
  for (const n of names) params[n] = tf.variable(init[n], true, `${tf.getBackend()}:${n}`);
  tf.dispose(Object.values(init));
  const weights: Weights = params;
  const data = inputs(cfg, opts.seed);
  const x = {
    inputIds: tf.tensor2d(data.ids, undefined, 'int32'),
    tokenTypeIds: tf.tensor2d(data.types, undefined, 'int32'),
    attentionMask: tf.tensor2d(data.mask, undefined, 'int32'),
  };
  const positions = tf.tensor2d(POSITIONS, undefined, 'int32');
  const labels = tf.tidy(() => tf.oneHot(tf.tensor2d(data.labels, undefined, 'int32'), cfg.vocab_size));
  const lr = tf.scalar(opts.learningRate);

  const out: Omit<BackendRun, 'backend' | 'tensorsAtStart' | 'tensorsAtEnd' | 'ms'> = {
    activeBackend: tf.getBackend(),
    initChecksum: checksum,
    seqShape: [],
    seq: [],
    logitsShape: [],
    logits: [],
    forwardTensors: [],
    steps: [],
    grads: {},
    finalWeights: {},
  };
  try {
    for (let f = 0; f < opts.forwards; f++) {
      const before = tf.memory().numTensors;
      const [seq, logits] = tf.tidy(() => {
        const s = bertEncoder(weights, cfg, x);
        return [s, mlmLogitsAtPositions(weights, cfg, s, positions)];
      });
      const seqValues = Array.from(await seq.data());
      const logitValues = Array.from(await logits.data());
      if (f === 0) {
        out.seqShape = seq.shape;
        out.seq = seqValues;
        out.logitsShape = logits.shape;
        out.logits = logitValues;
      }
      tf.dispose([seq, logits]);
      out.forwardTensors.push({ before, after: tf.memory().numTensors });
    }

    for (let step = 0; step < opts.steps; step++) {
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => {
        // Dropout on, seeded per step: the masks are the same on every backend.
        const s = bertEncoder(weights, cfg, x, { training: true, seed: opts.seed * 100 + step });
        return tf.losses.softmaxCrossEntropy(labels, mlmLogitsAtPositions(weights, cfg, s, positions)) as tf.Scalar;
      }, Object.values(params));
      // variableGrads names gradients by variable name; back to canonical names.
      const byName: Record<string, tf.Tensor> = {};
      for (const n of names) if (grads[params[n].name]) byName[n] = grads[params[n].name];
      const { clipped, norm } = clipByGlobalNorm(byName, 1.0);
      if (step === 0) {
        for (const n of Object.keys(byName)) out.grads[n] = Array.from(await byName[n].data());
      }
      for (const n of Object.keys(clipped)) {
        const p = params[n];
        const g = clipped[n];
        tf.tidy(() => p.assign(tf.sub(p, tf.mul(g, lr))));
      }
      const loss = (await value.data())[0];
      const gradNorm = (await norm.data())[0];
      let sumSq = 0;
      for (const g of Object.values(byName)) {
        const s = tf.tidy(() => tf.sum(tf.square(g)));
        sumSq += (await s.data())[0];
        s.dispose();
      }
      tf.dispose([value, norm, ...Object.values(grads), ...Object.values(clipped)]);
      out.steps.push({
        loss,
        gradNorm,
        gradNormPerTensor: Math.sqrt(sumSq),
        tensorsBefore: before,
        tensorsAfter: tf.memory().numTensors,
      });
    }
    for (const n of names) out.finalWeights[n] = Array.from(await params[n].data());
  } finally {
    tf.dispose([...Object.values(params), ...Object.values(x), positions, labels, lr]);
  }
  return {
    backend: tf.getBackend(),
    ...out,
    tensorsAtStart,
    tensorsAtEnd: tf.memory().numTensors,
    ms: performance.now() - started,
  };
}
