/**
 * How many examples create_pretraining_data will make, before it runs: from the corpus's
 * document lengths in tokens (./corpusTokens.ts) and the flags.
 *
 * seed mode follows its algorithm (../examples/spanInstances.ts) in expectation: for each
 * document of n tokens and each of dupe_factor passes, a target length drawn uniformly from
 * [int(max_seq_length · short_seq_prob), max_seq_length]; spans of at most target − 3 tokens
 * starting every min(span, doc_stride) tokens, the last dropped when under 10% of target − 3;
 * a span of 3 tokens keeps 1 split in 3, shorter ones none. Without whole-word masking this is
 * within 2% (the length buckets); with it, A/B splits move to word starts and drop some short
 * spans the estimate counts (measured: +1% at 128 tokens, +8% at 64 with doc_stride 32).
 *
 * bert mode (Google's sentence pairs) packs sentences up to a target of max_seq_length − 3
 * (shorter with probability short_seq_prob): estimated as a document's tokens over the mean
 * target, at least one example per document of 2+ tokens: a rougher figure.
 *
 * Masked positions per example: min(max_predictions_per_seq, max(1, round(length · masked_lm_prob))),
 * the masking rule's count (whole-word masking can stop a little short of it).
 */
import type { PretrainingOptions } from '../examples/createPretrainingData.ts';

export type ExampleCountOptions = Pick<
  PretrainingOptions,
  'mode' | 'maxSeqLength' | 'maxPredictionsPerSeq' | 'maskedLmProb' | 'dupeFactor' | 'shortSeqProb' | 'docStride'
>;

export interface ExampleEstimate {
  examples: number;
  /** tokens of all examples, [CLS] and [SEP] included, padding not */
  tokens: number;
  /** masked positions of all examples */
  positions: number;
  /**
   * One standard deviation of the example count (seed mode): each document draws one target
   * length per dupe pass, so a corpus of few long documents varies a lot from seed to seed.
   * 0 for bert mode (not modelled).
   */
  spread: number;
  /** true for bert mode's rough figure; seed mode's follows its algorithm */
  rough: boolean;
}

/** Spans of one seed-mode pass over n tokens with spans of at most m tokens: their count and total tokens (as seedSpans). */
export function seedSpanCount(n: number, m: number, docStride: number): { spans: number; lastLength: number } {
  if (n <= 0) return { spans: 0, lastLength: 0 };
  const step = Math.min(m, docStride);
  // full spans of m tokens start at 0, step, 2·step, … while another span is still needed after them
  const full = n <= m ? 0 : Math.ceil((n - m) / step);
  const lastLength = n - full * step;
  const dropLast = lastLength / m < 0.1;
  return { spans: full + (dropLast ? 0 : 1), lastLength: dropLast ? 0 : lastLength };
}

/** How many of a span's examples survive the A/B split: none under 3 tokens, 1 in 3 at 3 tokens. */
function splitKeeps(len: number): number {
  return len >= 4 ? 1 : len === 3 ? 1 / 3 : 0;
}

function maskedPositions(length: number, o: ExampleCountOptions): number {
  return Math.min(o.maxPredictionsPerSeq, Math.max(1, Math.round(length * o.maskedLmProb)));
}

/** Expected examples, tokens and masked positions for documents of the given lengths ([tokens, documents] pairs). */
export function estimateExamples(
  lengths: readonly (readonly [number, number])[],
  o: ExampleCountOptions,
): ExampleEstimate {
  let examples = 0;
  let tokens = 0;
  let positions = 0;
  let variance = 0;
  if (o.mode === 'seed') {
    const lo = Math.floor(o.maxSeqLength * o.shortSeqProb);
    const targets = o.maxSeqLength - lo + 1;
    for (const [n, docs] of lengths) {
      let e = 0;
      let e2 = 0;
      let t = 0;
      let p = 0;
      for (let target = lo; target <= o.maxSeqLength; target++) {
        const m = Math.max(1, target - 3);
        const { spans, lastLength } = seedSpanCount(n, m, o.docStride);
        if (spans === 0) continue;
        const full = lastLength > 0 ? spans - 1 : spans;
        const keepFull = splitKeeps(m);
        const made = full * keepFull + (lastLength > 0 ? splitKeeps(lastLength) : 0);
        e2 += made * made;
        e += full * keepFull;
        t += full * keepFull * (m + 3);
        p += full * keepFull * maskedPositions(m + 3, o);
        if (lastLength > 0) {
          const keep = splitKeeps(lastLength);
          e += keep;
          t += keep * (lastLength + 3);
          p += keep * maskedPositions(lastLength + 3, o);
        }
      }
      const per = (docs * o.dupeFactor) / targets;
      examples += e * per;
      tokens += t * per;
      positions += p * per;
      // each document's pass draws its target independently
      const mean = e / targets;
      variance += docs * o.dupeFactor * Math.max(0, e2 / targets - mean * mean);
    }
    return {
      examples: Math.round(examples),
      tokens: Math.round(tokens),
      positions: Math.round(positions),
      spread: Math.round(Math.sqrt(variance)),
      rough: false,
    };
  }
  const target = (1 - o.shortSeqProb) * (o.maxSeqLength - 3) + o.shortSeqProb * ((2 + o.maxSeqLength - 3) / 2);
  for (const [n, docs] of lengths) {
    if (n < 2) continue;
    const e = Math.max(1, Math.round(n / target));
    const length = Math.min(o.maxSeqLength, n / e + 3);
    examples += e * docs * o.dupeFactor;
    tokens += e * docs * o.dupeFactor * length;
    positions += e * docs * o.dupeFactor * maskedPositions(length, o);
  }
  return {
    examples: Math.round(examples),
    tokens: Math.round(tokens),
    positions: Math.round(positions),
    spread: 0,
    rough: true,
  };
}

/** The estimate with at most `cap` examples (tokens and positions scaled alike); no cap: unchanged. */
export function capEstimate(e: ExampleEstimate, cap: number | null): ExampleEstimate {
  if (cap === null || e.examples <= cap) return e;
  const f = cap / e.examples;
  // the cap is met unless the corpora make fewer than it (then it did not apply)
  const spread = e.examples - 2 * e.spread >= cap ? 0 : e.spread;
  return { ...e, examples: cap, tokens: Math.round(e.tokens * f), positions: Math.round(e.positions * f), spread };
}

/** Adds the document-length histograms of several corpora. */
export function mergeLengths(all: readonly (readonly (readonly [number, number])[])[]): [number, number][] {
  const m = new Map<number, number>();
  for (const lengths of all) for (const [n, d] of lengths) m.set(n, (m.get(n) ?? 0) + d);
  return [...m].sort((a, b) => a[0] - b[0]);
}
