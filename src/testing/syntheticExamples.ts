/**
 * Synthetic masked examples for tests and benchmarks: random token ids with a
 * real length, [CLS]/[SEP] framing, some masked slots and padding slots. Not
 * language; only the shapes and the masking layout are realistic.
 */
import type { MaskedExample } from '../core/examples/maskedExample.ts';
import { Rng } from '../core/random/rng.ts';

export interface SyntheticOptions {
  count: number;
  vocabSize: number;
  maxSeqLength: number;
  maxPredictionsPerSeq: number;
  seed?: number;
  /** make the masked token depend on its left neighbour (learnable structure); default true */
  learnable?: boolean;
}

export function syntheticExamples(opts: SyntheticOptions): MaskedExample[] {
  const rng = new Rng(opts.seed ?? 1);
  const { vocabSize: V, maxSeqLength: S, maxPredictionsPerSeq: P } = opts;
  const CLS = Math.min(2, V - 1),
    SEP = Math.min(3, V - 1),
    MASK = Math.min(4, V - 1);
  const firstWord = Math.min(5, V - 1);
  const out: MaskedExample[] = [];
  for (let n = 0; n < opts.count; n++) {
    const len = rng.randint(Math.max(4, Math.floor(S / 2)), S);
    const inputIds = new Int32Array(S);
    const inputMask = new Int32Array(S);
    const segmentIds = new Int32Array(S);
    inputIds[0] = CLS;
    for (let i = 1; i < len - 1; i++) {
      inputIds[i] =
        opts.learnable !== false && i > 1 && rng.random() < 0.8
          ? firstWord + ((inputIds[i - 1] - firstWord + 1) % (V - firstWord))
          : rng.randint(firstWord, V - 1);
    }
    inputIds[len - 1] = SEP;
    for (let i = 0; i < len; i++) inputMask[i] = 1;
    for (let i = Math.floor(len / 2); i < len; i++) segmentIds[i] = 1;
    const candidates = rng.shuffle([...Array(len - 2).keys()].map((i) => i + 1));
    const real = Math.max(1, Math.min(P - 1 > 0 ? P - 1 : P, Math.round((len - 2) * 0.15)));
    const picked = candidates.slice(0, real).sort((a, b) => a - b);
    const maskedLmPositions = new Int32Array(P);
    const maskedLmIds = new Int32Array(P);
    const maskedLmWeights = new Float32Array(P);
    picked.forEach((pos, j) => {
      maskedLmPositions[j] = pos;
      maskedLmIds[j] = inputIds[pos];
      maskedLmWeights[j] = 1;
      inputIds[pos] = MASK;
    });
    out.push({
      inputIds,
      inputMask,
      segmentIds,
      maskedLmPositions,
      maskedLmIds,
      maskedLmWeights,
      nextSentenceLabel: 0,
    });
  }
  return out;
}
