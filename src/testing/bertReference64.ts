/**
 * Test helper: an independent float64 BERT forward pass written from BERT's
 * published equations (Devlin et al. 2019; Vaswani et al. 2017) with plain
 * JavaScript numbers — no tfjs — to check src/core/model/bert.ts against.
 * Deliberately naive: loops over tokens, heads and features.
 *
 * Weights use the same Hugging Face names and [out, in] Linear shapes.
 */
import type { BertConfig } from '../core/model/config.ts';

export interface RefTensor {
  shape: number[];
  data: Float64Array;
}
export type RefWeights = Record<string, RefTensor>;
/** A vector per token: [batch][seq] → Float64Array(hidden). */
export type RefSequence = Float64Array[][];

function get(w: RefWeights, name: string): RefTensor {
  const t = w[name];
  if (!t) throw new Error(`reference: missing weight ${name}`);
  return t;
}

/** y = W·x + b with W [out, in] stored row-major. */
function linear(w: RefTensor, b: RefTensor, x: Float64Array): Float64Array {
  const [out, inn] = w.shape;
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b.data[o];
    const row = o * inn;
    for (let i = 0; i < inn; i++) s += w.data[row + i] * x[i];
    y[o] = s;
  }
  return y;
}

function layerNorm(x: Float64Array, g: RefTensor, b: RefTensor, eps: number): Float64Array {
  const n = x.length;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  let variance = 0;
  for (const v of x) variance += (v - mean) * (v - mean);
  variance /= n;
  const inv = 1 / Math.sqrt(variance + eps);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = (x[i] - mean) * inv * g.data[i] + b.data[i];
  return y;
}

/** erf in double precision: Maclaurin series for |x| < 3, continued fraction for erfc beyond. */
export function erf64(x: number): number {
  if (x < 0) return -erf64(-x);
  if (x < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return 1 - Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

function act(name: string, x: number): number {
  switch (name) {
    case 'gelu':
      return 0.5 * x * (1 + erf64(x / Math.SQRT2));
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    case 'relu':
      return Math.max(0, x);
    default:
      throw new Error(`reference: activation ${name}`);
  }
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  const y = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = a[i] + b[i];
  return y;
}

function row(t: RefTensor, r: number): Float64Array {
  const w = t.shape[1];
  return t.data.slice(r * w, (r + 1) * w);
}

/** The sequence output of the encoder, [batch][seq] → Float64Array(hidden). */
export function refEncoder(
  w: RefWeights,
  cfg: BertConfig,
  inputIds: number[][],
  tokenTypeIds?: number[][],
  attentionMask?: number[][],
): RefSequence {
  const H = cfg.hidden_size;
  const heads = cfg.num_attention_heads;
  const d = H / heads;
  const eps = cfg.layer_norm_eps;
  return inputIds.map((ids, b) => {
    const S = ids.length;
    // Embeddings: E_word[id] + E_pos[s] + E_type[t], then LayerNorm.
    let x = ids.map((id, s) => {
      const t = tokenTypeIds ? tokenTypeIds[b][s] : 0;
      const e = add(
        add(
          row(get(w, 'bert.embeddings.word_embeddings.weight'), id),
          row(get(w, 'bert.embeddings.position_embeddings.weight'), s),
        ),
        row(get(w, 'bert.embeddings.token_type_embeddings.weight'), t),
      );
      return layerNorm(e, get(w, 'bert.embeddings.LayerNorm.weight'), get(w, 'bert.embeddings.LayerNorm.bias'), eps);
    });
    const maskAdd = ids.map((_, s) => (attentionMask ? (1 - attentionMask[b][s]) * -10000 : 0));
    for (let l = 0; l < cfg.num_hidden_layers; l++) {
      const p = `bert.encoder.layer.${l}`;
      const W = (n: string) => get(w, `${p}.${n}`);
      const q = x.map((v) => linear(W('attention.self.query.weight'), W('attention.self.query.bias'), v));
      const k = x.map((v) => linear(W('attention.self.key.weight'), W('attention.self.key.bias'), v));
      const vv = x.map((v) => linear(W('attention.self.value.weight'), W('attention.self.value.bias'), v));
      // Attention(Q, K, V) = softmax(QKᵀ/√d + M) V, head by head, heads concatenated.
      const ctx = x.map(() => new Float64Array(H));
      for (let h = 0; h < heads; h++) {
        for (let i = 0; i < S; i++) {
          const scores = new Float64Array(S);
          for (let j = 0; j < S; j++) {
            let dot = 0;
            for (let c = 0; c < d; c++) dot += q[i][h * d + c] * k[j][h * d + c];
            scores[j] = dot / Math.sqrt(d) + maskAdd[j];
          }
          const max = Math.max(...scores);
          let z = 0;
          for (let j = 0; j < S; j++) {
            scores[j] = Math.exp(scores[j] - max);
            z += scores[j];
          }
          for (let j = 0; j < S; j++) {
            const pr = scores[j] / z;
            for (let c = 0; c < d; c++) ctx[i][h * d + c] += pr * vv[j][h * d + c];
          }
        }
      }
      const a = x.map((v, i) =>
        layerNorm(
          add(linear(W('attention.output.dense.weight'), W('attention.output.dense.bias'), ctx[i]), v),
          W('attention.output.LayerNorm.weight'),
          W('attention.output.LayerNorm.bias'),
          eps,
        ),
      );
      x = a.map((v) => {
        const inter = linear(W('intermediate.dense.weight'), W('intermediate.dense.bias'), v).map((u) =>
          act(cfg.hidden_act, u),
        );
        return layerNorm(
          add(linear(W('output.dense.weight'), W('output.dense.bias'), inter), v),
          W('output.LayerNorm.weight'),
          W('output.LayerNorm.bias'),
          eps,
        );
      });
    }
    return x;
  });
}

/** The pooler: tanh(W·h[CLS] + b) per sequence. */
export function refPooler(w: RefWeights, seq: RefSequence): Float64Array[] {
  return seq.map((tokens) =>
    linear(get(w, 'bert.pooler.dense.weight'), get(w, 'bert.pooler.dense.bias'), tokens[0]).map(Math.tanh),
  );
}

/** MLM logits of one hidden vector: E_word · LayerNorm(act(W_t·h + b_t)) + bias. */
export function refMlmLogits(w: RefWeights, cfg: BertConfig, h: Float64Array): Float64Array {
  const t = linear(
    get(w, 'cls.predictions.transform.dense.weight'),
    get(w, 'cls.predictions.transform.dense.bias'),
    h,
  ).map((u) => act(cfg.hidden_act, u));
  const n = layerNorm(
    t,
    get(w, 'cls.predictions.transform.LayerNorm.weight'),
    get(w, 'cls.predictions.transform.LayerNorm.bias'),
    cfg.layer_norm_eps,
  );
  return linear(get(w, 'bert.embeddings.word_embeddings.weight'), get(w, 'cls.predictions.bias'), n);
}
