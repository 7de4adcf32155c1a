/**
 * A minimal BERT masked-LM forward pass used ONLY to train the demo teacher
 * while the project's model (src/core/model/bert.ts) was being written. It follows
 * Hugging Face BertForMaskedLM's equations and canonical weight names (post-LN,
 * LayerNorm eps from the config, exact erf GELU, tied decoder), so its weights
 * load into the project's model unchanged. Embedding lookups use a gather whose
 * gradient is a scatter-add, because tfjs' wasm backend has no UnsortedSegmentSum.
 */
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from '../../src/core/model/config.ts';
import { EMBEDDING_NAMES, MLM_HEAD_NAMES, expectedShapes, layerNames } from '../../src/core/model/weights.ts';
import type { Rng } from '../../src/core/random/rng.ts';

export type VarMap = Record<string, tf.Variable>;

/** Fresh weights: truncated normal(0, initializer_range) for matrices, zeros for biases, ones for LayerNorm gains. */
export interface InitScales {
  /** std of the attention query/key weights (default: initializer_range) */
  queryKey?: number;
  /** std of the position embeddings (default: initializer_range) */
  position?: number;
  /** start the position embeddings as sinusoids (Transformer-style) of this std instead of noise */
  sinusoidalPosition?: number;
}

export function initWeights(cfg: BertConfig, rng: Rng, scales: InitScales = {}): VarMap {
  const out: VarMap = {};
  for (const [name, shape] of expectedShapes(cfg, { pooler: false, mlmHead: true })) {
    let std = cfg.initializer_range;
    if (/attention\.self\.(query|key)\.weight$/.test(name) && scales.queryKey !== undefined) std = scales.queryKey;
    if (name === EMBEDDING_NAMES.position && scales.position !== undefined) std = scales.position;
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.endsWith('LayerNorm.weight')) data.fill(1);
    else if (name.endsWith('.bias')) data.fill(0);
    else {
      for (let i = 0; i < n; i++) {
        let v = rng.normal();
        while (Math.abs(v) > 2) v = rng.normal();
        data[i] = v * std;
      }
    }
    if (name === EMBEDDING_NAMES.position && scales.sinusoidalPosition !== undefined) {
      // Sinusoids make "attend to the neighbour" a linear function of the position embeddings,
      // which shortens masked-LM's long initial plateau (predicting only unigram frequencies).
      const [P, H] = shape;
      for (let p = 0; p < P; p++) {
        for (let i = 0; i < H; i += 2) {
          const f = 1 / 10000 ** (i / H);
          data[p * H + i] = Math.sin(p * f) * scales.sinusoidalPosition * Math.SQRT2;
          if (i + 1 < H) data[p * H + i + 1] = Math.cos(p * f) * scales.sinusoidalPosition * Math.SQRT2;
        }
      }
    }
    out[name] = tf.variable(tf.tensor(data, shape), true, name);
  }
  return out;
}

/** Row gather whose gradient is a scatter-add (works on every backend). */
const gatherRows = tf.customGrad(((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids]);
  const value = tf.gather(table as tf.Tensor2D, ids as tf.Tensor1D);
  return {
    value,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor;
      const idx = saved[0].reshape([-1, 1]);
      const table2 = table as tf.Tensor2D;
      return [tf.scatterND(idx, g.reshape([-1, table2.shape[1]]), table2.shape), tf.zerosLike(saved[0])];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (table: tf.Tensor, ids: tf.Tensor) => tf.Tensor;

/**
 * x·Wᵀ + b with w in [out, in] layout. The wasm backend's matmul is fast only
 * without transposed operands, so the transposes are explicit, in the forward
 * pass and in the hand-written gradient alike.
 */
const matMulWT = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  const value = tf.matMul(x as tf.Tensor2D, tf.transpose(w as tf.Tensor2D));
  return {
    value,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor2D;
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      // dx = g·W ; dW = gᵀ·x
      return [tf.matMul(g, ws), tf.matMul(tf.transpose(g), xs)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const x2 = x.reshape([-1, shape[shape.length - 1]]);
  const y = tf.add(matMulWT(x2, w), b);
  return y.reshape([...shape.slice(0, -1), w.shape[0]]);
}

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const c = tf.sub(x, mean);
  const variance = tf.mean(tf.square(c), -1, true);
  return tf.add(tf.mul(tf.mul(c, tf.rsqrt(tf.add(variance, eps))), g), b);
}

function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

export interface MiniBatch {
  inputIds: tf.Tensor2D; // [B, L] int32
  segmentIds: tf.Tensor2D; // [B, L] int32
  inputMask: tf.Tensor2D; // [B, L] float32
  /** Flat positions b*L + p of the prediction slots, [B*P] int32. */
  flatPositions: tf.Tensor1D;
}

/** Masked-LM logits at the prediction slots only: [B*P, vocab]. */
export function mlmLogits(w: Record<string, tf.Tensor>, cfg: BertConfig, batch: MiniBatch, dropout: ((x: tf.Tensor) => tf.Tensor) | null): tf.Tensor2D {
  const [B, L] = batch.inputIds.shape;
  const H = cfg.hidden_size;
  const nh = cfg.num_attention_heads;
  const dh = H / nh;
  const drop = (x: tf.Tensor) => (dropout ? dropout(x) : x);
  const words = gatherRows(w[EMBEDDING_NAMES.word], batch.inputIds.reshape([-1])).reshape([B, L, H]);
  const pos = w[EMBEDDING_NAMES.position].slice([0, 0], [L, H]).reshape([1, L, H]);
  const types = gatherRows(w[EMBEDDING_NAMES.tokenType], batch.segmentIds.reshape([-1])).reshape([B, L, H]);
  let x = drop(layerNorm(tf.add(tf.add(words, pos), types), w[EMBEDDING_NAMES.lnWeight], w[EMBEDDING_NAMES.lnBias], cfg.layer_norm_eps));
  const maskBias = tf.mul(tf.sub(1, batch.inputMask), -10000).reshape([B, 1, 1, L]);
  const heads = (t: tf.Tensor) => t.reshape([B, L, nh, dh]).transpose([0, 2, 1, 3]);
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const n = layerNames(i);
    const q = heads(dense(x, w[n.qW], w[n.qB]));
    const k = heads(dense(x, w[n.kW], w[n.kB]));
    const v = heads(dense(x, w[n.vW], w[n.vB]));
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), maskBias);
    const probs = tf.softmax(scores, -1); // no attention-probability dropout (see demo-teacher.ts)
    const ctx = tf.matMul(probs, v).transpose([0, 2, 1, 3]).reshape([B, L, H]);
    const attn = layerNorm(tf.add(x, drop(dense(ctx, w[n.attnOutW], w[n.attnOutB]))), w[n.attnLnW], w[n.attnLnB], cfg.layer_norm_eps);
    const inter = gelu(dense(attn, w[n.interW], w[n.interB]));
    x = layerNorm(tf.add(attn, drop(dense(inter, w[n.outW], w[n.outB]))), w[n.outLnW], w[n.outLnB], cfg.layer_norm_eps);
  }
  const picked = gatherRows(x.reshape([B * L, H]), batch.flatPositions);
  const t = layerNorm(gelu(dense(picked, w[MLM_HEAD_NAMES.transformW], w[MLM_HEAD_NAMES.transformB])), w[MLM_HEAD_NAMES.lnW], w[MLM_HEAD_NAMES.lnB], cfg.layer_norm_eps);
  return tf.add(matMulWT(t, w[EMBEDDING_NAMES.word]), w[MLM_HEAD_NAMES.bias]) as tf.Tensor2D;
}

/**
 * Weighted mean cross-entropy of logits [N, V] against gold ids [N], with a
 * hand-written gradient ((softmax − one-hot)·w / Σw): wasm has no LogSoftmax
 * kernel and the generic max/logsumexp gradient costs more than the loss itself.
 */
export function maskedLmLoss(logits: tf.Tensor2D, goldIds: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  const f = tf.customGrad(((lg: tf.Tensor, save: tf.GradSaveFunc) => {
    const l2 = lg as tf.Tensor2D;
    const max = tf.max(l2, -1, true);
    const shifted = tf.sub(l2, max);
    const expd = tf.exp(shifted);
    const sumExp = tf.sum(expd, -1, true);
    const oneHot = tf.oneHot(goldIds, l2.shape[1]);
    const nll = tf.sub(tf.log(sumExp).reshape([-1]), tf.sum(tf.mul(shifted, oneHot), -1));
    const denom = tf.add(tf.sum(weights), 1e-5);
    const value = tf.div(tf.sum(tf.mul(nll, weights)), denom);
    save([expd, sumExp, oneHot, denom]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [e, s, oh, d] = saved;
        const scale = tf.div(tf.mul(weights, dy as tf.Tensor), d).reshape([-1, 1]);
        return [tf.mul(tf.sub(tf.div(e, s), oh), scale)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (lg: tf.Tensor) => tf.Tensor;
  return f(logits) as tf.Scalar;
}
