/**
 * The distillation loss, every formula in this one file.
 *
 * Inputs, per example b and prediction slot s (P slots, padding has weight 0):
 *   logits  [B,P,V]  the student's MLM logits at the masked positions (full vocabulary)
 *   p       [B,P,K]  the teacher's stored top-K probabilities (softmax at T=1, NOT renormalised)
 *   ids     [B,P,K]  their vocabulary ids
 *   w       [B,P]    masked_lm_weights
 *   gold    [B,P]    masked_lm_ids (the original tokens)
 * Every term is a weighted mean over slots: Σ_slots w·term / (Σ w + 1e-5), as BERT does.
 * Sums go through ../model/reductions.ts (tf.sum's numbers, a gradient that uploads nothing).
 *
 * Components (each reported separately, unweighted):
 *   ce   = −Σ_k p_k · log q(id_k)             q = softmax(logits / T) over the FULL vocabulary,
 *                                             computed as logSoftmax then gather (stable)
 *   cos  = 1 − cos(p, q_gathered)            on the K-dim probability vectors
 *   kl   = KL(p̂ ‖ q̂), p̂ = p/Σp, q̂ = q/Σq   both renormalised over the top K
 *   missingMass = −(1 − Σp) · log(1 − Σq)     the mass outside the top K as one extra bucket;
 *                                             with ce this is the cross-entropy over K+1 buckets
 *   mlm  = −log softmax(logits)[gold]         hard-label MLM at T=1 (plain MLM pre-training alone)
 * total = α_ce·T²·ce + α_cos·cos + α_kl·T²·kl + α_mm·T²·missingMass + α_mlm·mlm.
 *
 * Temperature T ≠ 1: the teacher's stored probabilities are re-tempered as
 *   p_T,k = m · p_k^(1/T) / Σ_j p_j^(1/T),  m = Σ_j p_j
 * i.e. sharpened or flattened within the top K and renormalised to the same top-K
 * mass m (so T = 1 gives back the stored p exactly, and the missing mass is kept),
 * and the student logits are divided by T. The soft-target terms (ce, kl,
 * missingMass) are multiplied by T² so their gradients keep their size (Hinton et
 * al.; DistilBERT); cos is scale-free and mlm uses T = 1, so neither is scaled.
 *
 * Presets (./lossConfig.ts):
 *   seed        α_ce 1, α_cos 1, T 1: the original run_distill.py exactly.
 *   distilbert  α_ce 5, α_mlm 2, α_cos 1, T 2: DistilBERT's weights (Sanh et al. 2019).
 *               DistilBERT's cosine term aligned hidden states; here, as in the seed,
 *               it compares the top-K probability vectors.
 *   mlm         α_mlm 1 only: plain masked-LM training, needs no teacher (makes a teacher).
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows as lookupRows } from '../model/bert.ts';
import { sum } from '../model/reductions.ts';
import { type LossConfig, needsTeacher } from './lossConfig.ts';

export {
  LOSS_PRESETS,
  type LossConfig,
  lossConfig,
  type LossPresetName,
  needsTeacher,
} from './lossConfig.ts';

export interface LossInputs {
  /** [B,P,V] student logits at the masked positions */
  logits: tf.Tensor3D;
  /** [B,P] masked_lm_weights */
  weights: tf.Tensor2D;
  /** [B,P] int32 masked_lm_ids (needed when alphaMlm > 0) */
  goldIds?: tf.Tensor2D;
  /** [B,P,K] stored teacher probabilities (needed for the teacher terms) */
  teacherProbs?: tf.Tensor3D;
  /** [B,P,K] int32 their vocabulary ids */
  teacherIds?: tf.Tensor3D;
}

export type LossComponentName = 'ce' | 'cos' | 'kl' | 'missingMass' | 'mlm';

export interface LossTensors {
  /** the scalar to minimise */
  total: tf.Scalar;
  /** each active component, unweighted (before α and T²) */
  components: Partial<Record<LossComponentName, tf.Scalar>>;
}

const EPS_DENOM = 1e-5; // BERT's / the seed's denominator epsilon
const EPS_NORM = 1e-12; // l2-normalise epsilon (as tf.nn.l2_normalize)

/** Σ w·x / (Σ w + 1e-5) over the [B,P] slots. */
function weightedMean(perSlot: tf.Tensor, w: tf.Tensor): tf.Scalar {
  return tf.div(sum(tf.mul(perSlot, w)), tf.add(sum(w), EPS_DENOM));
}

/** Re-tempers stored top-K probabilities, keeping their total mass (see the file comment). */
export function retemperProbs(p: tf.Tensor3D, temperature: number): tf.Tensor3D {
  if (temperature === 1) return p;
  return tf.tidy(() => {
    const mass = sum(p, -1, true);
    const powered = tf.pow(p, 1 / temperature);
    const z = tf.maximum(sum(powered, -1, true), EPS_NORM);
    return tf.mul(mass, tf.div(powered, z)) as tf.Tensor3D;
  });
}

/**
 * x[b,s,ids[b,s,k]] for x [B,P,V] and ids [B,P,K] (or [B,P] when K = 1), as [B,P,K].
 * A row lookup on the flattened tensor: its gradient is one scatter-add (which
 * every backend has), where a batched gather's gradient would split into B·P pieces.
 */
function gatherRows(x: tf.Tensor, ids: tf.Tensor, B: number, P: number, V: number, K: number): tf.Tensor {
  const rowStart = tf.reshape(tf.mul(tf.range(0, B * P, 1, 'int32'), tf.scalar(V, 'int32')), [B * P, 1]);
  const flatIdx = tf.add(tf.reshape(tf.cast(ids, 'int32'), [B * P, K]), rowStart);
  const table = tf.reshape(x, [B * P * V, 1]) as tf.Tensor2D;
  return tf.reshape(lookupRows(table, tf.reshape(flatIdx, [B * P * K]) as tf.Tensor1D), [B, P, K]);
}

/** Computes every active component and the total. Call inside tf.tidy / a gradient function. */
export function distillLoss(inputs: LossInputs, cfg: LossConfig): LossTensors {
  const { logits, weights: w } = inputs;
  const T = cfg.temperature;
  const components: LossTensors['components'] = {};
  const terms: tf.Scalar[] = [];
  // log-softmax over the full vocabulary at T = 1, computed once when two terms need it
  let logAllT1: tf.Tensor | undefined;
  const logSoftmaxT1 = () => (logAllT1 ??= tf.logSoftmax(logits, -1));

  if (needsTeacher(cfg)) {
    if (!inputs.teacherProbs || !inputs.teacherIds) {
      throw new Error(
        'loss: this loss configuration needs the teacher outputs (probabilities and ids), which are missing',
      );
    }
    const [B, P, K] = inputs.teacherProbs.shape;
    const V = logits.shape[2];
    const p = retemperProbs(inputs.teacherProbs, T);
    const logAll = T === 1 ? logSoftmaxT1() : tf.logSoftmax(tf.div(logits, T), -1); // [B,P,V]
    const logq = gatherRows(logAll, inputs.teacherIds, B, P, V, K) as tf.Tensor3D; // log q at the teacher's ids
    const T2 = T * T;

    if (cfg.alphaCe > 0) {
      const ce = weightedMean(tf.neg(sum(tf.mul(p, logq), -1)), w);
      components.ce = ce;
      terms.push(tf.mul(ce, cfg.alphaCe * T2));
    }
    if (cfg.alphaCos > 0) {
      const q = tf.exp(logq);
      const dot = sum(tf.mul(p, q), -1);
      const np = tf.sqrt(tf.maximum(sum(tf.square(p), -1), EPS_NORM));
      const nq = tf.sqrt(tf.maximum(sum(tf.square(q), -1), EPS_NORM));
      const cos = weightedMean(tf.sub(1, tf.div(dot, tf.mul(np, nq))), w);
      components.cos = cos;
      terms.push(tf.mul(cos, cfg.alphaCos));
    }
    if (cfg.alphaKl > 0) {
      const pMass = tf.maximum(sum(p, -1, true), EPS_NORM);
      const pHat = tf.div(p, pMass);
      const logPHat = tf.log(tf.maximum(pHat, 1e-30));
      const logQHat = tf.sub(logq, tf.logSumExp(logq, -1, true));
      // p̂·(log p̂ − log q̂), with 0·log 0 = 0
      const perK = tf.where(tf.greater(pHat, 0), tf.mul(pHat, tf.sub(logPHat, logQHat)), tf.zerosLike(pHat));
      const kl = weightedMean(sum(perK, -1), w);
      components.kl = kl;
      terms.push(tf.mul(kl, cfg.alphaKl * T2));
    }
    if (cfg.alphaMissingMass > 0) {
      const teacherOut = tf.relu(tf.sub(1, sum(p, -1))); // 1 − Σp, clipped at 0
      const studentIn = tf.minimum(tf.exp(tf.logSumExp(logq, -1)), 1 - 1e-6); // Σq
      const mm = weightedMean(tf.neg(tf.mul(teacherOut, tf.log1p(tf.neg(studentIn)))), w);
      components.missingMass = mm;
      terms.push(tf.mul(mm, cfg.alphaMissingMass * T2));
    }
  }

  if (cfg.alphaMlm > 0) {
    if (!inputs.goldIds) throw new Error('loss: alphaMlm > 0 needs the gold masked_lm_ids, which are missing');
    const [B, P, V] = logits.shape;
    const logGold = tf.reshape(gatherRows(logSoftmaxT1(), inputs.goldIds, B, P, V, 1), [B, P]);
    const mlm = weightedMean(tf.neg(logGold), w);
    components.mlm = mlm;
    terms.push(tf.mul(mlm, cfg.alphaMlm));
  }

  if (terms.length === 0) throw new Error('loss: every loss weight is 0; nothing to train on');
  const total = terms.length === 1 ? terms[0] : (tf.addN(terms) as tf.Scalar);
  return { total, components };
}
