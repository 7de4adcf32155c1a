/**
 * Fresh random weights for a BERT config, initialised as Google's BERT does:
 * truncated normal (mean 0, stddev initializer_range, cut at 2 stddev) for
 * dense kernels and embeddings, zeros for biases, LayerNorm γ = 1 and β = 0,
 * and a zero masked-LM output bias. Seeded: the same seed gives the same weights
 * on every backend (the numbers are drawn on the CPU, in JavaScript).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../random/rng.ts';
import type { BertConfig } from './config.ts';
import { expectedShapes, type WeightParts, type Weights } from './weights.ts';

/** How a weight of this name is initialised. */
export function initKind(name: string): 'normal' | 'zeros' | 'ones' {
  if (name.endsWith('LayerNorm.weight')) return 'ones';
  if (name.endsWith('.bias') || name === 'cls.predictions.bias') return 'zeros';
  return 'normal';
}

/**
 * `only` limits the tensors made to some names (each gets the values it would
 * have in the whole model): fresh parts for an existing model, without
 * initialising and dropping the rest.
 */
export function initWeights(
  cfg: BertConfig,
  parts: WeightParts,
  seed: number,
  only?: (name: string) => boolean,
): Weights {
  // One derived seed per tensor, in the fixed order of expectedShapes, so that
  // adding a part (pooler, head) does not change the other tensors' values.
  const weights: Weights = {};
  for (const [name, shape] of expectedShapes(cfg, parts)) {
    if (only && !only(name)) continue;
    const tensorSeed = new Rng(hashName(name) ^ (seed >>> 0)).nextUint32();
    switch (initKind(name)) {
      case 'ones':
        weights[name] = tf.ones(shape);
        break;
      case 'zeros':
        weights[name] = tf.zeros(shape);
        break;
      case 'normal':
        weights[name] = tf.truncatedNormal(shape, 0, cfg.initializer_range, 'float32', tensorSeed);
        break;
    }
  }
  return weights;
}

/** FNV-1a hash of a weight name, to give each tensor its own stream. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
