/**
 * The masked-LM rule, in one place, shared by both example builders (seed and bert mode).
 *
 * Given one sequence of token ids ([CLS] A [SEP] B [SEP], not padded):
 *  - candidates are every position whose id is not [CLS], [SEP] or [PAD];
 *  - with whole-word masking, a candidate that continues a word (a `##` wordpiece, or a
 *    non-initial character of a jieba word) joins the group of the candidate right before it;
 *    without it every candidate is its own group;
 *  - the groups are shuffled, then taken in order until
 *    num_to_predict = min(max_predictions_per_seq, max(1, round(len * masked_lm_prob)))
 *    positions are chosen (round half to even, as Python 3's round); a group that would
 *    overflow num_to_predict is skipped whole (as Google BERT does), and the scan goes on;
 *  - each chosen position becomes [MASK] 80% of the time, keeps its token 10%, and takes a
 *    uniformly random vocabulary id 10% (the random draws are made in that order:
 *    random() < 0.8, else random() < 0.5 keeps, else randint over the vocabulary);
 *  - the chosen positions are returned sorted, with their original ids as labels.
 */
import type { Rng } from '../random/rng.ts';

export interface MaskingConfig {
  maskedLmProb: number;
  maxPredictionsPerSeq: number;
  /** Group continuation tokens with the word they belong to. */
  wholeWordMask: boolean;
  /** Random replacements are drawn from ids 0 .. vocabSize-1. */
  vocabSize: number;
  maskId: number;
  clsId: number;
  sepId: number;
  padId: number;
}

/** Python 3's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** How many positions a sequence of `length` tokens (with [CLS]/[SEP]) gets masked. */
export function numToPredict(length: number, maskedLmProb: number, maxPredictionsPerSeq: number): number {
  return Math.min(maxPredictionsPerSeq, Math.max(1, roundHalfEven(length * maskedLmProb)));
}

/** The outcome of masking one sequence: sorted positions and the original ids there. */
export interface MaskedPositions {
  positions: Int32Array;
  labels: Int32Array;
}

/**
 * Reusable scratch space, so that masking millions of sequences allocates almost nothing.
 * One per builder; not shared between concurrent callers.
 */
export class MaskingScratch {
  groupStart = new Int32Array(0);
  groupEnd = new Int32Array(0);
  order = new Int32Array(0);
  chosen = new Int32Array(0);

  ensure(n: number): void {
    if (this.groupStart.length >= n) return;
    const size = Math.max(n, this.groupStart.length * 2, 16);
    this.groupStart = new Int32Array(size);
    this.groupEnd = new Int32Array(size);
    this.order = new Int32Array(size);
    this.chosen = new Int32Array(size);
  }
}

/**
 * Masks `ids[0 .. length)` in place and returns the masked positions (sorted) and labels.
 *
 * `startsWord[i]` is 0 where token i continues the word of token i-1 (only read with
 * whole-word masking; pass null to treat every token as a word start). A continuation
 * right after a [CLS]/[SEP]/[PAD] has no candidate to join and starts its own group.
 */
export function maskSequence(
  ids: Int32Array,
  length: number,
  startsWord: Uint8Array | null,
  cfg: MaskingConfig,
  rng: Rng,
  scratch: MaskingScratch = new MaskingScratch(),
): MaskedPositions {
  const positions = new Int32Array(cfg.maxPredictionsPerSeq);
  const labels = new Int32Array(cfg.maxPredictionsPerSeq);
  const count = maskSequenceInto(ids, length, startsWord, cfg, rng, scratch, positions, labels);
  return { positions: positions.slice(0, count), labels: labels.slice(0, count) };
}

/**
 * The same as maskSequence, writing the sorted positions and their labels into
 * `positionsOut` / `labelsOut` (at least max_predictions_per_seq long; the rest is left
 * as it is) and returning how many there are. Allocates nothing once `scratch` has grown.
 */
export function maskSequenceInto(
  ids: Int32Array,
  length: number,
  startsWord: Uint8Array | null,
  cfg: MaskingConfig,
  rng: Rng,
  scratch: MaskingScratch,
  positionsOut: Int32Array,
  labelsOut: Int32Array,
): number {
  scratch.ensure(length + 1);
  const { groupStart, groupEnd, order, chosen } = scratch;
  const whole = cfg.wholeWordMask && startsWord !== null;
  const { clsId, sepId, padId } = cfg;

  // Candidate groups as [start, end) runs of positions.
  let groups = 0;
  let prevCandidate = false;
  for (let i = 0; i < length; i++) {
    const id = ids[i];
    if (id === clsId || id === sepId || id === padId) {
      prevCandidate = false;
      continue;
    }
    if (whole && prevCandidate && startsWord![i] === 0) {
      groupEnd[groups - 1] = i + 1;
    } else {
      groupStart[groups] = i;
      groupEnd[groups] = i + 1;
      groups++;
    }
    prevCandidate = true;
  }

  // Shuffle the groups (Fisher-Yates, the same draws as Rng.shuffle).
  for (let g = 0; g < groups; g++) order[g] = g;
  for (let g = groups - 1; g > 0; g--) {
    const j = Math.floor(rng.random() * (g + 1));
    const t = order[g];
    order[g] = order[j];
    order[j] = t;
  }

  const target = numToPredict(length, cfg.maskedLmProb, cfg.maxPredictionsPerSeq);
  let count = 0;
  for (let k = 0; k < groups; k++) {
    if (count >= target) break;
    const g = order[k];
    const s = groupStart[g];
    const e = groupEnd[g];
    // A whole word that would overflow the budget is skipped, not cut.
    if (count + (e - s) > target) continue;
    for (let p = s; p < e; p++) chosen[count++] = p;
  }

  // Groups never overlap, so the chosen positions are distinct: insertion-sort them
  // (at most max_predictions_per_seq of them) and record the labels before replacing.
  for (let k = 0; k < count; k++) {
    const p = chosen[k];
    let j = k;
    while (j > 0 && positionsOut[j - 1] > p) {
      positionsOut[j] = positionsOut[j - 1];
      j--;
    }
    positionsOut[j] = p;
  }
  for (let k = 0; k < count; k++) labelsOut[k] = ids[positionsOut[k]];

  // Replacement draws follow the order in which positions were chosen, as the
  // original scripts do (they decide each token's fate while scanning the groups).
  for (let k = 0; k < count; k++) {
    const p = chosen[k];
    if (rng.random() < 0.8) {
      ids[p] = cfg.maskId;
    } else if (rng.random() < 0.5) {
      // keep the original token
    } else {
      ids[p] = Math.floor(rng.random() * cfg.vocabSize);
    }
  }
  return count;
}
