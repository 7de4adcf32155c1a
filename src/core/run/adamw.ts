/**
 * BERT's AdamWeightDecayOptimizer (optimization.py), the seed's optimiser:
 *   m ← β1·m + (1−β1)·g
 *   v ← β2·v + (1−β2)·g²
 *   update = m / (√v + ε)  (+ weightDecay·θ unless θ is a LayerNorm or bias weight)
 *   θ ← θ − lr·update
 * No bias correction (as BERT's). Decay is decoupled from the gradient (AdamW).
 * Defaults: β1 0.9, β2 0.98 (the seed's), ε 1e-6, weight decay 0.01.
 * Also here: global-norm gradient clipping (BERT clips at 1.0 before the update).
 * The state (m, v per weight) can be exported to bytes and restored exactly.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** substrings of weight names that get no weight decay */
  excludeFromWeightDecay: string[];
}

export const BERT_ADAMW: AdamWConfig = {
  beta1: 0.9,
  beta2: 0.98,
  epsilon: 1e-6,
  weightDecay: 0.01,
  excludeFromWeightDecay: ['LayerNorm', 'layer_norm', 'bias'],
};

export function usesWeightDecay(name: string, cfg: AdamWConfig): boolean {
  return cfg.weightDecay > 0 && !cfg.excludeFromWeightDecay.some((s) => name.includes(s));
}

/** Saved optimiser state: per weight name, its m and v as float32 arrays. */
export interface AdamWState {
  names: string[];
  shapes: number[][];
  m: Float32Array[];
  v: Float32Array[];
}

export class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(readonly config: AdamWConfig = BERT_ADAMW) {}

  /** Applies one update to each named variable from its gradient. Disposes nothing it was given. */
  apply(params: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, epsilon, weightDecay } = this.config;
    for (const [name, param] of Object.entries(params)) {
      const g = grads[name];
      if (!g) continue; // a weight the loss does not reach (e.g. the pooler) is left alone
      let m = this.m.get(name);
      let v = this.v.get(name);
      if (!m || !v) {
        m = ownedVariable(tf.zerosLike(param));
        v = ownedVariable(tf.zerosLike(param));
        this.m.set(name, m);
        this.v.set(name, v);
      }
      const mm = m;
      const vv = v;
      tf.tidy(() => {
        const nextM = tf.add(tf.mul(mm, beta1), tf.mul(g, 1 - beta1));
        const nextV = tf.add(tf.mul(vv, beta2), tf.mul(tf.square(g), 1 - beta2));
        let update = tf.div(nextM, tf.add(tf.sqrt(nextV), epsilon));
        if (usesWeightDecay(name, this.config)) update = tf.add(update, tf.mul(param, weightDecay));
        mm.assign(nextM);
        vv.assign(nextV);
        param.assign(tf.sub(param, tf.mul(update, lr)));
      });
    }
  }

  async getState(): Promise<AdamWState> {
    const names = [...this.m.keys()].sort();
    const state: AdamWState = { names, shapes: [], m: [], v: [] };
    for (const n of names) {
      state.shapes.push(this.m.get(n)!.shape);
      state.m.push((await this.m.get(n)!.data()) as Float32Array);
      state.v.push((await this.v.get(n)!.data()) as Float32Array);
    }
    return state;
  }

  setState(state: AdamWState): void {
    this.dispose();
    state.names.forEach((n, i) => {
      this.m.set(n, ownedVariable(tf.tensor(state.m[i], state.shapes[i])));
      this.v.set(n, ownedVariable(tf.tensor(state.v[i], state.shapes[i])));
    });
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** A non-trainable variable holding t's values; t itself is disposed. */
function ownedVariable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t, false);
  t.dispose();
  return v;
}

/**
 * Scales gradients so their global L2 norm is at most clipNorm (tf.clip_by_global_norm).
 * Returns new tensors and the norm before clipping; the inputs are not disposed.
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  clipNorm: number,
): { clipped: Record<string, tf.Tensor>; norm: tf.Scalar } {
  return tf.tidy(() => {
    const list = Object.values(grads);
    // Summed pairwise, not with tf.addN: webgpu puts every addN input in one shader,
    // and past 8 storage buffers the shader is invalid and silently yields garbage.
    const sumOfSquares = list.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b));
    const norm = tf.sqrt(sumOfSquares) as tf.Scalar;
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    const clipped: Record<string, tf.Tensor> = {};
    for (const [n, g] of Object.entries(grads)) clipped[n] = tf.mul(g, scale);
    return { clipped, norm };
  });
}
