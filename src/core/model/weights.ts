/**
 * Weight names and shapes. The canonical names are Hugging Face
 * BertForMaskedLM's, and so are the shapes: a Linear weight is [out, in].
 * Safetensors import/export is therefore a copy with no renaming or transposing.
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { BertConfig } from './config.ts';

/** A model is a plain map from canonical name to tensor. */
export type Weights = Record<string, Tensor>;

export interface WeightParts {
  /** bert.pooler.dense.* */
  pooler: boolean;
  /** cls.predictions.* (the masked-LM head; the decoder is tied to the word embeddings) */
  mlmHead: boolean;
}

export const EMBEDDING_NAMES = {
  word: 'bert.embeddings.word_embeddings.weight',
  position: 'bert.embeddings.position_embeddings.weight',
  tokenType: 'bert.embeddings.token_type_embeddings.weight',
  lnWeight: 'bert.embeddings.LayerNorm.weight',
  lnBias: 'bert.embeddings.LayerNorm.bias',
} as const;

/** Names of one encoder layer's weights. */
export function layerNames(i: number) {
  const p = `bert.encoder.layer.${i}`;
  return {
    qW: `${p}.attention.self.query.weight`,
    qB: `${p}.attention.self.query.bias`,
    kW: `${p}.attention.self.key.weight`,
    kB: `${p}.attention.self.key.bias`,
    vW: `${p}.attention.self.value.weight`,
    vB: `${p}.attention.self.value.bias`,
    attnOutW: `${p}.attention.output.dense.weight`,
    attnOutB: `${p}.attention.output.dense.bias`,
    attnLnW: `${p}.attention.output.LayerNorm.weight`,
    attnLnB: `${p}.attention.output.LayerNorm.bias`,
    interW: `${p}.intermediate.dense.weight`,
    interB: `${p}.intermediate.dense.bias`,
    outW: `${p}.output.dense.weight`,
    outB: `${p}.output.dense.bias`,
    outLnW: `${p}.output.LayerNorm.weight`,
    outLnB: `${p}.output.LayerNorm.bias`,
  };
}

export const POOLER_NAMES = { W: 'bert.pooler.dense.weight', B: 'bert.pooler.dense.bias' } as const;

export const MLM_HEAD_NAMES = {
  transformW: 'cls.predictions.transform.dense.weight',
  transformB: 'cls.predictions.transform.dense.bias',
  lnW: 'cls.predictions.transform.LayerNorm.weight',
  lnB: 'cls.predictions.transform.LayerNorm.bias',
  bias: 'cls.predictions.bias',
} as const;

/** Every canonical weight of a model with this config and these parts, with its [HF] shape. */
export function expectedShapes(cfg: BertConfig, parts: WeightParts): Map<string, number[]> {
  const H = cfg.hidden_size;
  const I = cfg.intermediate_size;
  const m = new Map<string, number[]>();
  m.set(EMBEDDING_NAMES.word, [cfg.vocab_size, H]);
  m.set(EMBEDDING_NAMES.position, [cfg.max_position_embeddings, H]);
  m.set(EMBEDDING_NAMES.tokenType, [cfg.type_vocab_size, H]);
  m.set(EMBEDDING_NAMES.lnWeight, [H]);
  m.set(EMBEDDING_NAMES.lnBias, [H]);
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const n = layerNames(i);
    for (const [w, b] of [
      [n.qW, n.qB],
      [n.kW, n.kB],
      [n.vW, n.vB],
      [n.attnOutW, n.attnOutB],
    ]) {
      m.set(w, [H, H]);
      m.set(b, [H]);
    }
    m.set(n.attnLnW, [H]);
    m.set(n.attnLnB, [H]);
    m.set(n.interW, [I, H]);
    m.set(n.interB, [I]);
    m.set(n.outW, [H, I]);
    m.set(n.outB, [H]);
    m.set(n.outLnW, [H]);
    m.set(n.outLnB, [H]);
  }
  if (parts.pooler) {
    m.set(POOLER_NAMES.W, [H, H]);
    m.set(POOLER_NAMES.B, [H]);
  }
  if (parts.mlmHead) {
    m.set(MLM_HEAD_NAMES.transformW, [H, H]);
    m.set(MLM_HEAD_NAMES.transformB, [H]);
    m.set(MLM_HEAD_NAMES.lnW, [H]);
    m.set(MLM_HEAD_NAMES.lnB, [H]);
    m.set(MLM_HEAD_NAMES.bias, [cfg.vocab_size]);
  }
  return m;
}

/** Which optional parts a weight map has. */
export function detectParts(names: Iterable<string>): WeightParts {
  const set = new Set(names);
  return { pooler: set.has(POOLER_NAMES.W), mlmHead: set.has(MLM_HEAD_NAMES.bias) };
}

/** Number of scalars in a config's weights (tied decoder counted once). */
export function parameterCount(cfg: BertConfig, parts: WeightParts): number {
  let n = 0;
  for (const shape of expectedShapes(cfg, parts).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}
