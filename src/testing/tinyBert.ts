/**
 * Test helper: tiny random BERT models and inputs for fast tests. Unlike
 * initWeights (BERT's init: zero biases, unit LayerNorm), every tensor here —
 * biases and LayerNorm parameters included — gets random values of a useful
 * size, so that a test comparing two implementations exercises every weight.
 */
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from '../core/model/config.ts';
import { expectedShapes, type WeightParts, type Weights } from '../core/model/weights.ts';
import { Rng } from '../core/random/rng.ts';
import type { RefWeights } from './bertReference64.ts';

export function tinyConfig(overrides: Partial<BertConfig> = {}): BertConfig {
  return {
    vocab_size: 50,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 32,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    max_position_embeddings: 20,
    type_vocab_size: 2,
    initializer_range: 0.02,
    layer_norm_eps: 1e-12,
    ...overrides,
  };
}

/** Every tensor random: normal(0, scale) for matrices, biases normal(0, 0.1·…), LayerNorm γ around 1. */
export function randomWeights(cfg: BertConfig, parts: WeightParts, seed: number, scale = 0.3): Weights {
  const rng = new Rng(seed);
  const w: Weights = {};
  for (const [name, shape] of expectedShapes(cfg, parts)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const isLnWeight = name.endsWith('LayerNorm.weight');
    for (let i = 0; i < n; i++) {
      data[i] = isLnWeight ? 1 + 0.2 * rng.normal() : (shape.length === 1 ? 0.3 : 1) * scale * rng.normal();
    }
    w[name] = tf.tensor(data, shape);
  }
  return w;
}

/** Random int32 [batch, seq] values in [0, max). */
export function randomIds(rng: Rng, batch: number, seq: number, max: number): number[][] {
  return Array.from({ length: batch }, () => Array.from({ length: seq }, () => rng.randint(0, max - 1)));
}

/** The same weights as float64 arrays for the reference implementation. */
export async function toRefWeights(w: Weights): Promise<RefWeights> {
  const out: RefWeights = {};
  for (const [name, t] of Object.entries(w))
    out[name] = { shape: t.shape.slice(), data: Float64Array.from(await t.data()) };
  return out;
}
