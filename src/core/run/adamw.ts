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

  /** β1, 1−β1, β2, 1−β2, ε, weight decay as tensors, made once: no scalar upload per weight and step */
  private constants: Record<'b1' | 'c1' | 'b2' | 'c2' | 'eps' | 'wd', tf.Scalar> | null = null;

  /**
   * Applies one update to each named variable from its gradient. `gradScale`
   * (a scalar on the backend, e.g. the global-norm clip) multiplies every
   * gradient first: m uses (1−β1)·s·g and v (1−β2)·s²·g², so no scaled copy
   * of the gradients is made. Disposes nothing it was given.
   */
  apply(
    params: Record<string, tf.Variable>,
    grads: Record<string, tf.Tensor>,
    lr: number,
    gradScale?: tf.Scalar,
  ): void {
    const { beta1, beta2, epsilon, weightDecay } = this.config;
    this.constants ??= {
      b1: tf.keep(tf.scalar(beta1)),
      c1: tf.keep(tf.scalar(1 - beta1)),
      b2: tf.keep(tf.scalar(beta2)),
      c2: tf.keep(tf.scalar(1 - beta2)),
      eps: tf.keep(tf.scalar(epsilon)),
      wd: tf.keep(tf.scalar(weightDecay)),
    };
    const k = this.constants;
    // Per step: the learning rate (one 4-byte upload) and the scaled moment factors.
    const step = tf.tidy(() => {
      const lrT = tf.scalar(lr);
      return {
        lr: lrT,
        mFactor: gradScale ? tf.mul(k.c1, gradScale) : k.c1.clone(),
        vFactor: gradScale ? tf.mul(k.c2, tf.square(gradScale)) : k.c2.clone(),
      };
    });
    try {
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
          const nextM = tf.add(tf.mul(mm, k.b1), tf.mul(g, step.mFactor));
          const nextV = tf.add(tf.mul(vv, k.b2), tf.mul(tf.square(g), step.vFactor));
          let update = tf.div(nextM, tf.add(tf.sqrt(nextV), k.eps));
          if (usesWeightDecay(name, this.config)) update = tf.add(update, tf.mul(param, k.wd));
          mm.assign(nextM);
          vv.assign(nextV);
          param.assign(tf.sub(param, tf.mul(update, step.lr)));
        });
      }
    } finally {
      tf.dispose(Object.values(step));
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
    if (this.constants) tf.dispose(Object.values(this.constants));
    this.constants = null;
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

/** The global L2 norm of all gradients, √(Σ g²) (as tf.clip_by_global_norm computes it). */
export function globalNorm(grads: Record<string, tf.Tensor>): tf.Scalar {
  return tf.tidy(() => {
    // Summed pairwise, not with tf.addN: webgpu puts every addN input in one shader,
    // and past 8 storage buffers the shader is invalid and silently yields garbage.
    const sumOfSquares = Object.values(grads)
      .map((g) => tf.sum(tf.square(g)))
      .reduce((a, b) => tf.add(a, b));
    return tf.sqrt(sumOfSquares) as tf.Scalar;
  });
}

/** The factor that brings a global norm down to at most clipNorm: clipNorm / max(norm, clipNorm). */
export function clipScale(norm: tf.Scalar, clipNorm: number): tf.Scalar {
  return tf.tidy(() => tf.div(clipNorm, tf.maximum(norm, clipNorm)) as tf.Scalar);
}

/**
 * Scales gradients so their global L2 norm is at most clipNorm (tf.clip_by_global_norm).
 * Returns new tensors and the norm before clipping; the inputs are not disposed.
 * (The trainer folds the scale into AdamW.apply instead of making these copies.)
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  clipNorm: number,
): { clipped: Record<string, tf.Tensor>; norm: tf.Scalar } {
  return tf.tidy(() => {
    const norm = globalNorm(grads);
    const scale = clipScale(norm, clipNorm);
    const clipped: Record<string, tf.Tensor> = {};
    for (const [n, g] of Object.entries(grads)) clipped[n] = tf.mul(g, scale);
    return { clipped, norm };
  });
}
