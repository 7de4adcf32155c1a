/**
 * One optimiser step, as BERT takes it: the gradients of `micro.length`
 * micro-batches summed and averaged, clipped to a global norm, then one AdamW
 * update. Each micro-batch's loss is already a mean over its own real slots,
 * so the average equals the whole-batch gradient when micro-batches hold
 * equally many real slots.
 *
 * A NaN or Inf loss or gradient norm applies no update and is reported as
 * `finite: false`; the caller decides what to keep.
 */
import * as tf from '@tensorflow/tfjs';
import { type AdamW, clipByGlobalNorm } from './adamw.ts';
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
    const grads = sum!;
    if (A > 1) {
      for (const n of Object.keys(grads)) {
        const avg = tf.div(grads[n], A);
        grads[n].dispose();
        grads[n] = avg;
      }
    }
    const { clipped, norm } = clipByGlobalNorm(grads, clipNorm);
    tf.dispose(Object.values(grads));
    sum = null;
    const totalValues = await Promise.all(totals.map((t) => t.data()));
    const total = totalValues.reduce((a, v) => a + v[0], 0) / A;
    const gradNorm = (await norm.data())[0];
    norm.dispose();
    const components: Record<string, number> = {};
    for (const p of parts) {
      for (const [k, v] of Object.entries(p)) components[k] = (components[k] ?? 0) + (await v.data())[0] / A;
    }
    const finite = Number.isFinite(total) && Number.isFinite(gradNorm);
    if (finite) optimizer.apply(vars, clipped, lr);
    tf.dispose(Object.values(clipped));
    return { finite, total, components, gradNorm, tokens: batches.reduce((a, b) => a + b.tokens, 0) };
  } finally {
    tf.dispose(totals);
    for (const p of parts) tf.dispose(Object.values(p));
    if (sum) tf.dispose(Object.values(sum as Record<string, tf.Tensor>));
  }
}
