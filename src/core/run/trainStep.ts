/**
 * One optimiser step, as BERT takes it: the gradients of `micro.length`
 * micro-batches summed and averaged, clipped to a global norm, then one AdamW
 * update. Each micro-batch's loss is already a mean over its own real slots,
 * so the average equals the whole-batch gradient when micro-batches hold
 * equally many real slots.
 *
 * A NaN or Inf loss or gradient norm applies no update and is reported as
 * `finite: false`; the caller decides what to keep.
 *
 * Round trips: the step's numbers (each micro-batch's loss, each loss part,
 * the gradient norm) are stacked on the backend and read back in ONE read;
 * clipping and the 1/A of the mean are folded into the AdamW update as one
 * scale, computed on the backend.
 */
import * as tf from '@tensorflow/tfjs';
import { type AdamW, clipScale, globalNorm } from './adamw.ts';
import type { ForwardOptions, PreparedBatch } from './task.ts';

export interface StepResult {
  finite: boolean;
  /** mean of the micro-batch losses */
  total: number;
  /** mean of each named loss part */
  components: Record<string, number>;
  /** global gradient norm before clipping */
  gradNorm: number;
  tokens: number;
}

/** Adds b into a (by name), freeing what is replaced. */
function accumulate(a: Record<string, tf.Tensor> | null, b: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  if (a === null) return b;
  for (const [name, g] of Object.entries(b)) {
    if (a[name]) {
      const sum = tf.add(a[name], g);
      a[name].dispose();
      g.dispose();
      a[name] = sum;
    } else {
      a[name] = g;
    }
  }
  return a;
}

/**
 * Computes, checks and (when finite) applies one update to `vars`.
 * `batches` are prepared by the task; this function does not dispose them.
 */
export async function optimiserStep(
  vars: Record<string, tf.Variable>,
  optimizer: AdamW,
  batches: PreparedBatch[],
  forward: (micro: number) => ForwardOptions,
  lr: number,
  clipNorm: number,
): Promise<StepResult> {
  const A = batches.length;
  const varList = Object.values(vars);
  const nameOf = new Map(Object.entries(vars).map(([n, v]) => [v.name, n]));
  let sum: Record<string, tf.Tensor> | null = null;
  const totals: tf.Scalar[] = [];
  const parts: Record<string, tf.Scalar>[] = [];
  let norm: tf.Scalar | null = null;
  try {
    for (let m = 0; m < A; m++) {
      let kept: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const out = batches[m].loss(vars, forward(m));
        kept = Object.fromEntries(Object.entries(out.components).map(([k, v]) => [k, tf.keep(v)]));
        return out.total;
      }, varList);
      totals.push(value);
      parts.push(kept);
      const named: Record<string, tf.Tensor> = {};
      for (const [vn, g] of Object.entries(grads)) named[nameOf.get(vn) ?? vn] = g;
      sum = accumulate(sum, named);
    }
    // The gradient is the micro-batches' mean: sum / A, with the 1/A folded into the update's scale.
    const grads = sum!;
    const meanNorm = tf.tidy(() => {
      const sumNorm = globalNorm(grads);
      return A > 1 ? (tf.div(sumNorm, A) as tf.Scalar) : sumNorm;
    });
    norm = meanNorm;
    // Everything the step reports, in one tensor: [loss of each micro-batch..., each part of each..., norm].
    const names = Object.keys(parts[0] ?? {});
    const packed = tf.tidy(() => tf.stack([...totals, ...parts.flatMap((p) => names.map((k) => p[k])), meanNorm]));
    let values: Float32Array;
    try {
      values = (await packed.data()) as Float32Array;
    } finally {
      packed.dispose();
    }
    const total = values.subarray(0, A).reduce((a, v) => a + v, 0) / A;
    const components: Record<string, number> = {};
    names.forEach((k, j) => {
      let s = 0;
      for (let m = 0; m < A; m++) s += values[A + m * names.length + j];
      components[k] = s / A;
    });
    const gradNorm = values[values.length - 1];
    const finite = Number.isFinite(total) && Number.isFinite(gradNorm);
    if (finite) {
      const scale = tf.tidy(
        () => (A > 1 ? tf.div(clipScale(meanNorm, clipNorm), A) : clipScale(meanNorm, clipNorm)) as tf.Scalar,
      );
      optimizer.apply(vars, grads, lr, scale);
      scale.dispose();
    }
    return { finite, total, components, gradNorm, tokens: batches.reduce((a, b) => a + b.tokens, 0) };
  } finally {
    tf.dispose(totals);
    for (const p of parts) tf.dispose(Object.values(p));
    if (sum) tf.dispose(Object.values(sum as Record<string, tf.Tensor>));
    norm?.dispose();
  }
}
