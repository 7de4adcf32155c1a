/**
 * The probe's two workloads on the current tfjs backend (probe.ts times and
 * compares them): a 256×256 by 256×256 matmul, and one step (forward and
 * backward) of a tiny BERT encoder built by the project's own bert.ts, the
 * kind of work the workbench does (gathers, attention, softmax, LayerNorm,
 * GELU and their gradients). Inputs are fixed (no randomness at run time), so
 * every backend computes the same numbers and they can be compared with cpu's.
 */
import * as tf from '@tensorflow/tfjs';
import { bertEncoder } from '../model/bert.ts';
import { BERT_CONFIG_DEFAULTS, type BertConfig } from '../model/config.ts';
import { initWeights } from '../model/init.ts';
import type { Weights } from '../model/weights.ts';
import type { WorkloadOutput } from './probe.ts';

/** The matmul's size: n×n by n×n. */
export const PROBE_MATMUL_N = 256;

/** The tiny model: 2 layers of hidden 64, 4 sequences of 32 tokens. */
export const PROBE_MODEL: BertConfig = {
  ...BERT_CONFIG_DEFAULTS,
  vocab_size: 128,
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 256,
  max_position_embeddings: 32,
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
};
const BATCH = 4;
const SEQ = 32;

/** FLOPs of one probe matmul (a multiply and an add per term). */
export const PROBE_MATMUL_FLOPS = 2 * PROBE_MATMUL_N ** 3;

/** Model FLOPs of one tiny step: the encoder's matmuls (dense layers and attention), backward counted as twice forward. */
export function encoderStepFlops(cfg: BertConfig, batch: number, seq: number): number {
  const tokens = batch * seq;
  const H = cfg.hidden_size;
  const dense = 2 * tokens * (4 * H * H + 2 * H * cfg.intermediate_size);
  const attention = 2 * 2 * batch * seq * seq * H; // q·kᵀ and probs·v
  return 3 * cfg.num_hidden_layers * (dense + attention);
}

export const PROBE_STEP_FLOPS = encoderStepFlops(PROBE_MODEL, BATCH, SEQ);

/** A smooth fixed pattern in [−1, 1]: the same numbers on every backend. */
function pattern(n: number, a: number, b: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * a + b);
  return out;
}

/** The workloads for the backend tfjs is on now; `dispose` frees their tensors (call before switching backends). */
export interface ProbeWorkloads {
  matmul(): Promise<WorkloadOutput>;
  step(): Promise<WorkloadOutput>;
  dispose(): void;
}

export function probeWorkloads(): ProbeWorkloads {
  const n = PROBE_MATMUL_N;
  const a = tf.tensor2d(pattern(n * n, 0.37, 0.1), [n, n]);
  const b = tf.tensor2d(pattern(n * n, 0.11, 0.7), [n, n]);
  const weights: Weights = initWeights(PROBE_MODEL, { pooler: false, mlmHead: false }, 20260101);
  const names = Object.keys(weights).sort();
  const ids = tf.tensor2d(
    Array.from({ length: BATCH * SEQ }, (_, i) => (i * 7 + 3) % PROBE_MODEL.vocab_size),
    [BATCH, SEQ],
    'int32',
  );
  const target = tf.tensor3d(pattern(BATCH * SEQ * PROBE_MODEL.hidden_size, 0.013, 0.3), [
    BATCH,
    SEQ,
    PROBE_MODEL.hidden_size,
  ]);
  // loss = mean(sequence output · a fixed target): every weight gets a gradient.
  const lossOf = tf.valueAndGrads((...ws: tf.Tensor[]) => {
    const w: Weights = {};
    names.forEach((name, i) => {
      w[name] = ws[i];
    });
    return tf.mean(tf.mul(bertEncoder(w, PROBE_MODEL, { inputIds: ids }), target)) as tf.Scalar;
  });
  return {
    async matmul() {
      const c = tf.matMul(a, b);
      const values = await c.data<'float32'>();
      c.dispose();
      return { values };
    },
    async step() {
      const out = tf.tidy(() => {
        const { value, grads } = lossOf(names.map((k) => weights[k]));
        // Summed pairwise, not with addN: one WebGPU shader may bind only a few buffers.
        const squares = grads.map((g) => tf.sum(tf.square(g)));
        const norm = tf.sqrt(squares.reduce((a, b) => tf.add(a, b)));
        return tf.concat([tf.reshape(tf.mul(value, 1000), [1]), tf.reshape(tf.mul(norm, 1000), [1])]);
      });
      const values = Array.from(await out.data());
      out.dispose();
      return { values };
    },
    dispose() {
      tf.dispose([a, b, ids, target, ...Object.values(weights)]);
    },
  };
}
