/**
 * Answers from start/end logits, as Google BERT's run_squad.py write_predictions (SQuAD v1):
 * for every window of a question, the n_best_size highest start and end logits are paired;
 * a pair counts when both ends are context tokens, the start token has its max context in this
 * window, end ≥ start and the span is at most max_answer_length tokens. All windows' pairs are
 * ranked together by start + end logit; the n-best keeps the first n_best_size distinct texts,
 * with probabilities by softmax over their scores.
 *
 * The text is the substring of the ORIGINAL context from the start token's first character to
 * the end token's last (never tokens joined), so spaces, case and full-width forms come back as
 * written. A question with no valid pair gets "" (run_squad writes "empty").
 */
import type { SpanExample } from './squadFile.ts';
import type { SquadFeature } from './squadFeatures.ts';

export interface SpanLogits {
  startLogits: ArrayLike<number>;
  endLogits: ArrayLike<number>;
}

export interface SquadDecodeOptions {
  /** Candidates per window and answers kept per question. Default 20. */
  nBestSize?: number;
  /** Longest answer in tokens. Default 30. */
  maxAnswerLength?: number;
}

export interface NbestEntry {
  text: string;
  probability: number;
  startLogit: number;
  endLogit: number;
  /** [charStart, charEnd) of the text in the context; -1/-1 for the empty answer. */
  charStart: number;
  charEnd: number;
}

export interface SquadPredictions {
  /** Question id → answer text. */
  predictions: Record<string, string>;
  /** Question id → n-best answers, best first. */
  nbest: Record<string, NbestEntry[]>;
}

/** Indexes of the `n` largest values, largest first (the lower index first on a tie). */
export function bestIndexes(logits: ArrayLike<number>, n: number): number[] {
  const idx = Array.from({ length: logits.length }, (_, i) => i);
  idx.sort((a, b) => logits[b] - logits[a] || a - b);
  return idx.slice(0, n);
}

/** Softmax of scores, shifted by their maximum (run_squad's _compute_softmax). */
export function softmax(scores: readonly number[]): number[] {
  if (scores.length === 0) return [];
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

interface Candidate {
  feature: SquadFeature;
  start: number;
  end: number;
  startLogit: number;
  endLogit: number;
}

/**
 * Predictions for `examples` from the logits of their `features` (`logits[k]` belongs to
 * `features[k]`, as squadFeatures made them for these examples).
 */
export function decodeSquad(
  examples: readonly SpanExample[],
  features: readonly SquadFeature[],
  logits: readonly SpanLogits[],
  opts: SquadDecodeOptions = {},
): SquadPredictions {
  const nBestSize = opts.nBestSize ?? 20;
  const maxAnswerLength = opts.maxAnswerLength ?? 30;
  if (logits.length !== features.length) {
    throw new Error(`decodeSquad: ${logits.length} logit pairs for ${features.length} features`);
  }
  const byExample: number[][] = examples.map(() => []);
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    const list = byExample[f.exampleIndex];
    if (!list) throw new Error(`decodeSquad: feature ${k} belongs to example ${f.exampleIndex}, not given`);
    const l = logits[k];
    if (l.startLogits.length < f.length || l.endLogits.length < f.length) {
      throw new Error(`decodeSquad: feature ${k} has ${f.length} tokens but fewer logits`);
    }
    list.push(k);
  }

  const out: SquadPredictions = { predictions: {}, nbest: {} };
  for (let ex = 0; ex < examples.length; ex++) {
    const example = examples[ex];
    const prelim: Candidate[] = [];
    for (const k of byExample[ex]) {
      const feature = features[k];
      const { startLogits, endLogits } = logits[k];
      // ranked over every position, padding included, as run_squad does (padding then drops out)
      const starts = bestIndexes(startLogits, nBestSize);
      const ends = bestIndexes(endLogits, nBestSize);
      const inContext = (pos: number) => pos < feature.length && feature.charStarts[pos] >= 0;
      for (const start of starts) {
        if (!inContext(start) || feature.tokenIsMaxContext[start] === 0) continue;
        for (const end of ends) {
          if (!inContext(end) || end < start || end - start + 1 > maxAnswerLength) continue;
          prelim.push({ feature, start, end, startLogit: startLogits[start], endLogit: endLogits[end] });
        }
      }
    }
    prelim.sort((a, b) => b.startLogit + b.endLogit - (a.startLogit + a.endLogit));

    const seen = new Set<string>();
    const kept: Omit<NbestEntry, 'probability'>[] = [];
    for (const c of prelim) {
      if (kept.length >= nBestSize) break;
      const charStart = c.feature.charStarts[c.start];
      const charEnd = c.feature.charEnds[c.end];
      const text = example.context.slice(charStart, charEnd);
      if (seen.has(text)) continue;
      seen.add(text);
      kept.push({ text, startLogit: c.startLogit, endLogit: c.endLogit, charStart, charEnd });
    }
    if (kept.length === 0) kept.push({ text: '', startLogit: 0, endLogit: 0, charStart: -1, charEnd: -1 });
    const probs = softmax(kept.map((e) => e.startLogit + e.endLogit));
    const nbest = kept.map((e, i) => ({ ...e, probability: probs[i] }));
    out.nbest[example.id] = nbest;
    out.predictions[example.id] = nbest[0].text;
  }
  return out;
}
