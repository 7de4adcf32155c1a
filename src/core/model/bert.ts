/**
 * The whole BERT model, readable in one sitting: plain functions over a map of
 * named tensors (`Weights`, Hugging Face BertForMaskedLM names and [out, in]
 * shapes). No tfjs-layers, no classes, no hidden state.
 *
 *   embeddings  = LayerNorm(word[ids] + position[0..S) + tokenType[types]), then dropout
 *   each layer  = post-LN transformer block:
 *                   a = LayerNorm(x + dropout(Wo · attention(x)))
 *                   y = LayerNorm(a + dropout(W2 · act(W1 · a)))
 *   pooler      = tanh(Wp · y[:, 0])
 *   MLM head    = (LayerNorm(act(Wt · y))) · wordEmbeddingsᵀ + bias   (decoder tied to the word embeddings)
 *
 * Attention uses BERT's additive mask: (1 − mask) · −10000 added to the scores
 * before the softmax. Dropout happens only when `training` is set.
 *
 * Every row lookup (word / token-type embeddings, masked positions) goes through
 * `gatherRows`, whose gradient is a scatter-add (or a one-hot matmul on webgl)
 * instead of tf.gather's UnsortedSegmentSum, which wasm lacks and which is very
 * slow on cpu and webgl for a 21128-row embedding; products go through
 * `matMulPlain` / `dense`, which avoid wasm's slow transposed matmuls: the same
 * code trains on cpu, wasm, webgl and webgpu.
 */
import * as tf from '@tensorflow/tfjs';
import { matMulTransposesAreSlow } from '../backend/matMulTransposes.ts';
import { Rng } from '../random/rng.ts';
import { mean } from './reductions.ts';
import type { BertConfig } from './config.ts';
import { DropoutTables } from './dropout.ts';
import { EMBEDDING_NAMES, MLM_HEAD_NAMES, POOLER_NAMES, layerNames, type Weights } from './weights.ts';

/** Token inputs, all int32 [batch, seq]. Missing token types mean all 0; a missing mask means no padding. */
export interface BertInputs {
  inputIds: tf.Tensor2D;
  tokenTypeIds?: tf.Tensor2D;
  attentionMask?: tf.Tensor2D;
}

export interface ForwardOptions {
  /** Applies dropout (config's hidden_dropout_prob and attention_probs_dropout_prob). Default false. */
  training?: boolean;
  /**
   * Makes dropout deterministic: the same seed gives the same masks, on every backend.
   * A trainer draws a fresh one per step from its Rng. Without it the masks are random.
   */
  seed?: number;
}

/** The value BERT adds to attention scores of padding positions. */
export const ATTENTION_MASK_VALUE = -10000;

// ---------------------------------------------------------------- helpers

/** A named weight, checked against the shape the config implies; the error names the tensor. */
export function weight(weights: Weights, name: string, shape: number[]): tf.Tensor {
  const t = weights[name];
  if (t === undefined) throw new Error(`BERT weights: tensor "${name}" is missing`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(
      `BERT weights: tensor "${name}" has shape [${t.shape.join(', ')}], the config needs [${shape.join(', ')}]`,
    );
  }
  return t;
}

/**
 * a · b for 2-D or batched operands, never transposing an operand inside the
 * kernel. On wasm (tfjs-backend-wasm 4.22) a matmul with transposeA/transposeB runs 10–20× slower
 * than a plain one, and tf.matMul's own gradient uses exactly those, so there the
 * backward pass is written with explicit transposes: da = dy · bᵀ, db = aᵀ · dy.
 */
export function matMulPlain(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (!matMulTransposesAreSlow()) return tf.matMul(a, b);
  const swapLast = (t: tf.Tensor) => {
    const perm = [...t.shape.keys()];
    [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1], perm[t.rank - 2]];
    return tf.transpose(t, perm);
  };
  const op = tf.customGrad((aIn: tf.Tensor | tf.GradSaveFunc, bIn: tf.Tensor | tf.GradSaveFunc, save) => {
    const [x, y] = [aIn as tf.Tensor, bIn as tf.Tensor];
    (save as tf.GradSaveFunc)([x, y]);
    return {
      value: tf.matMul(x, y),
      gradFunc: (dy: tf.Tensor, [xs, ys]: tf.Tensor[]) => [tf.matMul(dy, swapLast(ys)), tf.matMul(swapLast(xs), dy)],
    };
  });
  return op(a, b);
}

/** x · Wᵀ + b for a 2-D x [N, in] and an HF Linear weight W [out, in]. */
export function dense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') {
    return tf.fused.matMul({ a: x, b: w as tf.Tensor2D, transposeB: true, bias: b }) as tf.Tensor2D;
  }
  // wasm with a matmul kernel that handles transposes (the Node CLI's native one)
  if (!matMulTransposesAreSlow()) return tf.add(tf.matMul(x, w, false, true), b) as tf.Tensor2D;
  // wasm: no transposeB (slow, see matMulPlain) and no fused bias (tfjs-backend-wasm
  // 4.22 adds it to the wrong rows when transposeB is set). Transpose whichever is
  // cheaper: W (out·in values), or x and the result (N·(in + out)), which wins for
  // the MLM decoder (vocab × hidden) applied to a few masked positions.
  const [N, inSize] = x.shape;
  const out = w.shape[0];
  const xw =
    out * inSize <= N * (inSize + out)
      ? matMulPlain(x, tf.transpose(w))
      : tf.transpose(matMulPlain(w, tf.transpose(x)));
  return tf.add(xw, b) as tf.Tensor2D;
}

/** LayerNorm over the last axis: (x − mean) / √(var + eps) · γ + β, with the biased variance. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const centered = tf.sub(x, mean(x, -1, true));
  const variance = mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** Exact GELU as BERT defines it: 0.5 · x · (1 + erf(x / √2)). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** GELU's tanh approximation (config hidden_act "gelu_new" / "gelu_pytorch_tanh"). */
function geluTanh(x: tf.Tensor): tf.Tensor {
  const cube = tf.mul(tf.mul(x, x), x);
  const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

/** The activation named by the config's hidden_act. */
export function activation(name: string): (x: tf.Tensor) => tf.Tensor {
  switch (name) {
    case 'gelu':
      return gelu;
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return geluTanh;
    case 'relu':
      return tf.relu;
    default:
      throw new Error(`BERT config: hidden_act "${name}" is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)`);
  }
}

/**
 * How the gradient of a row lookup reaches the table:
 * - 'scatter': a scatter-add of dy into the looked-up rows (ScatterNd sums repeated
 *   ids); O(rows looked up · width) on cpu, wasm and webgpu.
 * - 'onehot': oneHot(ids)ᵀ · dy as one matmul; for webgl, whose ScatterNd and
 *   UnsortedSegmentSum both loop over every update for every table element.
 * - 'native': tf.gather's own gradient (UnsortedSegmentSum): missing on wasm and
 *   O(table rows · lookups · width) on cpu, so only for comparison in tests.
 * - 'auto': 'onehot' on webgl, 'scatter' elsewhere.
 */
export type LookupGradient = 'auto' | 'scatter' | 'onehot' | 'native';

/** Rows of a 2-D table: out[i] = table[ids[i]], with a gradient that suits every backend. */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor1D, gradient: LookupGradient = 'auto'): tf.Tensor2D {
  if (gradient === 'native') return tf.gather(table, ids);
  const how = gradient === 'auto' ? (tf.getBackend() === 'webgl' ? 'onehot' : 'scatter') : gradient;
  // ids is an input of the custom op (not a closure) and saved, so it outlives
  // any tidy around the forward pass until the backward pass has used it.
  const lookup = tf.customGrad((t: tf.Tensor | tf.GradSaveFunc, i: tf.Tensor | tf.GradSaveFunc, save) => {
    const tableIn = t as tf.Tensor2D;
    const idsIn = i as tf.Tensor1D;
    (save as tf.GradSaveFunc)([idsIn]);
    return {
      value: tf.gather(tableIn, idsIn),
      gradFunc: (dy: tf.Tensor, [savedIds]: tf.Tensor[]) => [
        how === 'scatter'
          ? tf.scatterND(tf.expandDims(savedIds, 1), dy, tableIn.shape)
          : tf.matMul(tf.oneHot(savedIds, tableIn.shape[0], 1, 0, 'float32'), dy as tf.Tensor2D, true, false),
        tf.zerosLike(savedIds),
      ],
    };
  });
  return lookup(table, ids) as tf.Tensor2D;
}

/** Dropout for one forward pass: off unless training; masks from seeded tables (see dropout.ts). */
export class Dropout {
  private tables: DropoutTables | null = null;
  constructor(
    private readonly training: boolean,
    private readonly seed: number | undefined,
  ) {}

  apply<T extends tf.Tensor>(x: T, rate: number): T {
    if (!this.training || rate <= 0) return x;
    // Unseeded dropout still goes through the project's Rng, seeded at random.
    this.tables ??= new DropoutTables(new Rng(this.seed ?? Math.floor(Math.random() * 2 ** 32)));
    return this.tables.apply(x, rate);
  }

  dispose(): void {
    this.tables?.dispose();
  }
}

export function checkInputs(cfg: BertConfig, inputs: BertInputs): [number, number] {
  const ids = inputs.inputIds;
  if (ids.rank !== 2)
    throw new Error(`BERT inputs: inputIds must be [batch, seq], got shape [${ids.shape.join(', ')}]`);
  if (ids.dtype !== 'int32') throw new Error(`BERT inputs: inputIds must be int32, got ${ids.dtype}`);
  const [batch, seq] = ids.shape;
  if (seq > cfg.max_position_embeddings) {
    throw new Error(
      `BERT inputs: sequence length ${seq} exceeds max_position_embeddings ${cfg.max_position_embeddings}`,
    );
  }
  for (const key of ['tokenTypeIds', 'attentionMask'] as const) {
    const t = inputs[key];
    if (t === undefined) continue;
    if (t.rank !== 2 || t.shape[0] !== batch || t.shape[1] !== seq) {
      throw new Error(`BERT inputs: ${key} has shape [${t.shape.join(', ')}], inputIds has [${batch}, ${seq}]`);
    }
  }
  return [batch, seq];
}

// ---------------------------------------------------------------- the model

/**
 * Word + position + token-type embeddings, LayerNorm, dropout: [batch·seq, hidden].
 * `wordRows`, when given, are the word embeddings of the flattened input ids already looked up
 * (a teacher whose table is stored in blocks, see distill/heldTeacher.ts); else they are
 * gathered from the weights' word embeddings.
 */
export function embeddings(
  weights: Weights,
  cfg: BertConfig,
  inputs: BertInputs,
  batch: number,
  seq: number,
  drop: Dropout,
  wordRows?: tf.Tensor2D,
): tf.Tensor2D {
  const H = cfg.hidden_size;
  const position = weight(weights, EMBEDDING_NAMES.position, [cfg.max_position_embeddings, H]);
  const tokenType = weight(weights, EMBEDDING_NAMES.tokenType, [cfg.type_vocab_size, H]) as tf.Tensor2D;

  const flatIds = tf.reshape(inputs.inputIds, [-1]) as tf.Tensor1D;
  const typeIds = inputs.tokenTypeIds
    ? (tf.reshape(tf.cast(inputs.tokenTypeIds, 'int32'), [-1]) as tf.Tensor1D)
    : (tf.zeros([batch * seq], 'int32') as tf.Tensor1D);

  const words =
    wordRows ?? gatherRows(weight(weights, EMBEDDING_NAMES.word, [cfg.vocab_size, H]) as tf.Tensor2D, flatIds);
  const wordAndType = tf.add(words, gatherRows(tokenType, typeIds));
  const positions = tf.slice(position, [0, 0], [seq, H]); // position ids are 0..seq-1
  const summed = tf.reshape(tf.add(tf.reshape(wordAndType, [batch, seq, H]), positions), [batch * seq, H]);
  const normed = layerNorm(
    summed,
    weight(weights, EMBEDDING_NAMES.lnWeight, [H]),
    weight(weights, EMBEDDING_NAMES.lnBias, [H]),
    cfg.layer_norm_eps,
  );
  return drop.apply(normed as tf.Tensor2D, cfg.hidden_dropout_prob);
}

/** One post-LN encoder layer over x [batch·seq, hidden]; maskAdd is [batch, 1, 1, seq] or null. */
export function encoderLayer(
  weights: Weights,
  cfg: BertConfig,
  index: number,
  x: tf.Tensor2D,
  maskAdd: tf.Tensor | null,
  batch: number,
  seq: number,
  drop: Dropout,
): tf.Tensor2D {
  const a = attentionBlock(weights, cfg, index, x, maskAdd, batch, seq, drop);
  return feedForwardBlock(weights, cfg, index, a, drop);
}

/** The weights of a layer's first half (attentionBlock) and second half (feedForwardBlock). */
export function layerHalves(index: number): { attention: string[]; feedForward: string[] } {
  const n = layerNames(index);
  return {
    attention: [n.qW, n.qB, n.kW, n.kB, n.vW, n.vB, n.attnOutW, n.attnOutB, n.attnLnW, n.attnLnB],
    feedForward: [n.interW, n.interB, n.outW, n.outB, n.outLnW, n.outLnB],
  };
}

/** A layer's first half: self-attention, its output dense, the residual and LayerNorm. */
export function attentionBlock(
  weights: Weights,
  cfg: BertConfig,
  index: number,
  x: tf.Tensor2D,
  maskAdd: tf.Tensor | null,
  batch: number,
  seq: number,
  drop: Dropout,
): tf.Tensor2D {
  const H = cfg.hidden_size;
  const heads = cfg.num_attention_heads;
  const headSize = H / heads;
  const n = layerNames(index);
  const w = (name: string, shape: number[]) => weight(weights, name, shape);

  // [batch·seq, hidden] → [batch, seq, heads, headSize] → permuted per head.
  const splitHeads = (t: tf.Tensor2D, perm: number[]) =>
    tf.transpose(tf.reshape(t, [batch, seq, heads, headSize]), perm);

  // Self-attention: softmax(q·kᵀ / √d + mask) · v, per head.
  const q = splitHeads(dense(x, w(n.qW, [H, H]), w(n.qB, [H])), [0, 2, 1, 3]); // [batch, heads, seq, d]
  const kT = splitHeads(dense(x, w(n.kW, [H, H]), w(n.kB, [H])), [0, 2, 3, 1]); // [batch, heads, d, seq]
  const v = splitHeads(dense(x, w(n.vW, [H, H]), w(n.vB, [H])), [0, 2, 1, 3]); // [batch, heads, seq, d]
  let scores = matMulPlain(tf.mul(q, 1 / Math.sqrt(headSize)), kT); // [batch, heads, seq, seq]
  if (maskAdd) scores = tf.add(scores, maskAdd);
  const probs = drop.apply(tf.softmax(scores), cfg.attention_probs_dropout_prob);
  const context = tf.reshape(tf.transpose(matMulPlain(probs, v), [0, 2, 1, 3]), [batch * seq, H]) as tf.Tensor2D;

  const attnOut = dense(context, w(n.attnOutW, [H, H]), w(n.attnOutB, [H]));
  return layerNorm(
    tf.add(drop.apply(attnOut, cfg.hidden_dropout_prob), x),
    w(n.attnLnW, [H]),
    w(n.attnLnB, [H]),
    cfg.layer_norm_eps,
  ) as tf.Tensor2D;
}

/** A layer's second half: W2 · act(W1 · a), the residual and LayerNorm; a is attentionBlock's output. */
export function feedForwardBlock(
  weights: Weights,
  cfg: BertConfig,
  index: number,
  a: tf.Tensor2D,
  drop: Dropout,
): tf.Tensor2D {
  const H = cfg.hidden_size;
  const I = cfg.intermediate_size;
  const n = layerNames(index);
  const w = (name: string, shape: number[]) => weight(weights, name, shape);
  const inter = activation(cfg.hidden_act)(dense(a, w(n.interW, [I, H]), w(n.interB, [I]))) as tf.Tensor2D;
  const out = dense(inter, w(n.outW, [H, I]), w(n.outB, [H]));
  return layerNorm(
    tf.add(drop.apply(out, cfg.hidden_dropout_prob), a),
    w(n.outLnW, [H]),
    w(n.outLnB, [H]),
    cfg.layer_norm_eps,
  ) as tf.Tensor2D;
}

/** (1 − mask) · −10000 as [batch, 1, 1, seq], broadcast over heads and query positions; null without a mask. */
export function attentionMaskAdd(inputs: BertInputs, batch: number, seq: number): tf.Tensor4D | null {
  return inputs.attentionMask
    ? (tf.reshape(tf.mul(tf.sub(1, tf.cast(inputs.attentionMask, 'float32')), ATTENTION_MASK_VALUE), [
        batch,
        1,
        1,
        seq,
      ]) as tf.Tensor4D)
    : null;
}

/** The encoder's sequence output [batch, seq, hidden]. */
export function bertEncoder(
  weights: Weights,
  cfg: BertConfig,
  inputs: BertInputs,
  opts: ForwardOptions = {},
): tf.Tensor3D {
  const [batch, seq] = checkInputs(cfg, inputs);
  activation(cfg.hidden_act); // fail early on an unsupported activation
  return tf.tidy(() => {
    const drop = new Dropout(opts.training === true, opts.seed);
    const maskAdd = attentionMaskAdd(inputs, batch, seq);
    let x: tf.Tensor2D;
    try {
      x = embeddings(weights, cfg, inputs, batch, seq, drop);
      for (let i = 0; i < cfg.num_hidden_layers; i++) {
        x = encoderLayer(weights, cfg, i, x, maskAdd, batch, seq, drop);
      }
    } finally {
      drop.dispose();
    }
    return tf.reshape(x, [batch, seq, cfg.hidden_size]) as tf.Tensor3D;
  });
}

/** The pooler: tanh(dense(hidden state of the first token, [CLS])) → [batch, hidden]. */
export function bertPooler(weights: Weights, cfg: BertConfig, sequenceOutput: tf.Tensor3D): tf.Tensor2D {
  const H = cfg.hidden_size;
  return tf.tidy(() => {
    const [batch] = sequenceOutput.shape;
    const first = tf.reshape(tf.slice(sequenceOutput, [0, 0, 0], [batch, 1, H]), [batch, H]) as tf.Tensor2D;
    return tf.tanh(dense(first, weight(weights, POOLER_NAMES.W, [H, H]), weight(weights, POOLER_NAMES.B, [H])));
  });
}

/** Whether the weights include the masked-LM head (cls.predictions.*). */
export function hasMlmHead(weights: Weights): boolean {
  return Object.values(MLM_HEAD_NAMES).every((name) => weights[name] !== undefined);
}

/**
 * The masked-LM head over hidden states of any leading shape [..., hidden] →
 * logits [..., vocab]. Feed it only the positions you need (see mlmLogitsAtPositions).
 */
export function mlmLogits(weights: Weights, cfg: BertConfig, hidden: tf.Tensor): tf.Tensor {
  const H = cfg.hidden_size;
  const V = cfg.vocab_size;
  if (!hasMlmHead(weights)) {
    throw new Error(
      'BERT weights: no masked-LM head (cls.predictions.*): an encoder-only checkpoint has no MLM logits',
    );
  }
  if (hidden.shape[hidden.rank - 1] !== H) {
    throw new Error(`mlmLogits: hidden states have shape [${hidden.shape.join(', ')}], the last axis must be ${H}`);
  }
  return tf.tidy(() => {
    const transformed = mlmTransform(weights, cfg, tf.reshape(hidden, [-1, H]) as tf.Tensor2D);
    // The decoder is the word-embedding matrix itself ([vocab, hidden] = an [out, in] Linear weight).
    const logits = dense(
      transformed,
      weight(weights, EMBEDDING_NAMES.word, [V, H]),
      weight(weights, MLM_HEAD_NAMES.bias, [V]),
    );
    return tf.reshape(logits, [...hidden.shape.slice(0, -1), V]);
  });
}

/** The masked-LM head's transform, before the decoder: LayerNorm(act(Wt · h + bt)) over rows [N, hidden]. */
export function mlmTransform(weights: Weights, cfg: BertConfig, flat: tf.Tensor2D): tf.Tensor2D {
  const H = cfg.hidden_size;
  return tf.tidy(
    () =>
      layerNorm(
        activation(cfg.hidden_act)(
          dense(
            flat,
            weight(weights, MLM_HEAD_NAMES.transformW, [H, H]),
            weight(weights, MLM_HEAD_NAMES.transformB, [H]),
          ),
        ),
        weight(weights, MLM_HEAD_NAMES.lnW, [H]),
        weight(weights, MLM_HEAD_NAMES.lnB, [H]),
        cfg.layer_norm_eps,
      ) as tf.Tensor2D,
  );
}

/** The hidden states at given positions: out[b, p] = sequenceOutput[b, positions[b, p]] → [batch, P, hidden]. */
export function gatherPositions(sequenceOutput: tf.Tensor3D, positions: tf.Tensor2D): tf.Tensor3D {
  const [batch, seq, H] = sequenceOutput.shape;
  if (positions.rank !== 2 || positions.shape[0] !== batch) {
    throw new Error(
      `gatherPositions: positions must be [batch=${batch}, P], got shape [${positions.shape.join(', ')}]`,
    );
  }
  const P = positions.shape[1];
  return tf.tidy(() => {
    // Row b·seq + p of the flattened [batch·seq, hidden] output.
    const rowStarts = tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(seq, 'int32'));
    const rows = tf.reshape(tf.add(tf.cast(positions, 'int32'), tf.expandDims(rowStarts, 1)), [-1]) as tf.Tensor1D;
    const flat = tf.reshape(sequenceOutput, [batch * seq, H]) as tf.Tensor2D;
    return tf.reshape(gatherRows(flat, rows), [batch, P, H]) as tf.Tensor3D;
  });
}

/** MLM logits only at the given positions [batch, P] → [batch, P, vocab]; never the full seq × vocab. */
export function mlmLogitsAtPositions(
  weights: Weights,
  cfg: BertConfig,
  sequenceOutput: tf.Tensor3D,
  positions: tf.Tensor2D,
): tf.Tensor3D {
  return tf.tidy(() => mlmLogits(weights, cfg, gatherPositions(sequenceOutput, positions)) as tf.Tensor3D);
}
