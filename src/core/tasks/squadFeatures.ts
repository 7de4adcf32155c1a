/**
 * Span-extraction inputs as Google BERT's run_squad.py builds them:
 *   [CLS] question [SEP] context window [SEP]   (segment ids 0 for [CLS] question [SEP], 1 after)
 * The question is cut to max_query_length tokens. A context longer than the room left
 * (max_seq_length − question − 3) is cut into windows that start doc_stride tokens apart, the
 * last one ending at the context's end. A token seen by several windows is "max context" in the
 * one where min(tokens left of it, tokens right of it) + 0.01 × window length is largest (the
 * first such window on a tie); answers may only start at max-context tokens when decoding.
 *
 * Chinese has no spaces to map tokens back to words, so every context token keeps instead the
 * [start, end) UTF-16 offsets of its characters in the original context (from
 * BertTokenizer.encodeWithOffsets); squadDecode.ts cuts answers out of the context with them.
 * For training, the answer (the first one found in the context) is the tightest run of tokens
 * covering its characters; a window that does not hold all of it gets start = end = 0 ([CLS]),
 * as in run_squad. An example with no answer found in the context gives no training features.
 */
import type { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import type { SpanExample } from './squadFile.ts';

export interface SquadFeatureOptions {
  /** Default 384. */
  maxSeqLength?: number;
  /** Tokens between window starts. Default 128. */
  docStride?: number;
  /** Default 64. */
  maxQueryLength?: number;
  /** Give answer positions, and skip examples without a usable answer. Default false. */
  isTraining?: boolean;
}

export interface SquadFeature {
  /** Index of this feature in the list. */
  uniqueId: number;
  /** Index of its example in the examples given. */
  exampleIndex: number;
  /** Which window of the example's context (0, 1, …). */
  docSpanIndex: number;
  inputIds: Int32Array;
  inputMask: Int32Array;
  segmentIds: Int32Array;
  /** Real tokens (the rest is padding). */
  length: number;
  /** Position of the window's first context token (= question tokens + 2). */
  contextOffset: number;
  /** Per position: UTF-16 offset in the context where the token's characters start; -1 outside the context. */
  charStarts: Int32Array;
  /** Per position: UTF-16 offset in the context where they end; -1 outside the context. */
  charEnds: Int32Array;
  /** Per position: 1 where this window gives the context token its most context. */
  tokenIsMaxContext: Uint8Array;
  /** Training: answer start/end positions (0/0 outside the window). -1 when not training. */
  startPosition: number;
  endPosition: number;
}

export interface SquadFeatureSet {
  features: SquadFeature[];
  /** Training: examples left out because no answer could be placed on the context's tokens. */
  skippedExamples: number;
  /** Training: features whose window does not hold the answer (positions 0/0). */
  answerOutsideWindow: number;
}

/** A window of the context's tokens: [start, start + length). */
export interface DocSpan {
  start: number;
  length: number;
}

/**
 * run_squad's sliding windows over `n` tokens, each at most `maxTokens` long, starts `stride`
 * apart. An empty context gets one empty window (run_squad gives it none), so that every
 * question has a feature and decodes to "".
 */
export function docSpans(n: number, maxTokens: number, stride: number): DocSpan[] {
  const spans: DocSpan[] = [];
  let start = 0;
  while (start < n) {
    const length = Math.min(n - start, maxTokens);
    spans.push({ start, length });
    if (start + length === n) break;
    start += Math.min(length, stride);
  }
  if (spans.length === 0) spans.push({ start: 0, length: 0 });
  return spans;
}

/** run_squad's _check_is_max_context: whether window `cur` is the best one for token `position`. */
export function isMaxContext(spans: readonly DocSpan[], cur: number, position: number): boolean {
  let bestScore = -1;
  let best = -1;
  for (let k = 0; k < spans.length; k++) {
    const s = spans[k];
    const end = s.start + s.length - 1;
    if (position < s.start || position > end) continue;
    const score = Math.min(position - s.start, end - position) + 0.01 * s.length;
    if (best < 0 || score > bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return best === cur;
}

/**
 * The token run [first, last] covering context characters [start, end), or undefined when no
 * token overlaps them (an answer of only spaces or dropped characters).
 */
export function tokenSpanOfChars(
  starts: readonly number[],
  ends: readonly number[],
  start: number,
  end: number,
): [number, number] | undefined {
  let first = -1;
  let last = -1;
  for (let k = 0; k < starts.length; k++) {
    if (ends[k] > start && starts[k] < end) {
      if (first < 0) first = k;
      last = k;
    }
  }
  return first < 0 ? undefined : [first, last];
}

/** The features of span-extraction examples, in example order. */
export function squadFeatures(
  examples: readonly SpanExample[],
  tokenizer: BertTokenizer,
  opts: SquadFeatureOptions = {},
): SquadFeatureSet {
  const maxSeqLength = opts.maxSeqLength ?? 384;
  const docStride = opts.docStride ?? 128;
  const maxQueryLength = opts.maxQueryLength ?? 64;
  const isTraining = opts.isTraining ?? false;
  if (maxQueryLength < 1 || docStride < 1) throw new RangeError('doc_stride and max_query_length must be at least 1');
  if (maxSeqLength < 4) throw new RangeError(`max_seq_length ${maxSeqLength} is too small`);

  const out: SquadFeatureSet = { features: [], skippedExamples: 0, answerOutsideWindow: 0 };
  const contextCache = new Map<string, ReturnType<BertTokenizer['encodeWithOffsets']>>();
  for (let ex = 0; ex < examples.length; ex++) {
    const example = examples[ex];
    const query = tokenizer.encode(example.question).slice(0, maxQueryLength);
    let doc = contextCache.get(example.context);
    if (!doc) {
      doc = tokenizer.encodeWithOffsets(example.context);
      if (contextCache.size > 64) contextCache.clear();
      contextCache.set(example.context, doc);
    }
    let answerTokens: [number, number] | undefined;
    if (isTraining) {
      const answer = example.answers.find((a) => a.start >= 0);
      if (answer)
        answerTokens = tokenSpanOfChars(doc.starts, doc.ends, answer.start, answer.start + answer.text.length);
      if (!answerTokens) {
        out.skippedExamples++;
        continue;
      }
    }
    const maxTokensForDoc = maxSeqLength - query.length - 3;
    if (maxTokensForDoc < 1) {
      throw new RangeError(
        `max_seq_length ${maxSeqLength} leaves no room for the context after a question of ${query.length} tokens`,
      );
    }
    const spans = docSpans(doc.ids.length, maxTokensForDoc, docStride);
    for (let si = 0; si < spans.length; si++) {
      const span = spans[si];
      const inputIds = new Int32Array(maxSeqLength).fill(tokenizer.padId);
      const inputMask = new Int32Array(maxSeqLength);
      const segmentIds = new Int32Array(maxSeqLength);
      const charStarts = new Int32Array(maxSeqLength).fill(-1);
      const charEnds = new Int32Array(maxSeqLength).fill(-1);
      const tokenIsMaxContext = new Uint8Array(maxSeqLength);
      let n = 0;
      inputIds[n++] = tokenizer.clsId;
      for (const id of query) inputIds[n++] = id;
      inputIds[n++] = tokenizer.sepId;
      const contextOffset = n;
      for (let k = 0; k < span.length; k++) {
        const t = span.start + k;
        inputIds[n] = doc.ids[t];
        charStarts[n] = doc.starts[t];
        charEnds[n] = doc.ends[t];
        tokenIsMaxContext[n] = isMaxContext(spans, si, t) ? 1 : 0;
        n++;
      }
      inputIds[n++] = tokenizer.sepId;
      segmentIds.fill(1, contextOffset, n);
      inputMask.fill(1, 0, n);
      let startPosition = -1;
      let endPosition = -1;
      if (answerTokens) {
        const [a, b] = answerTokens;
        if (a >= span.start && b <= span.start + span.length - 1) {
          startPosition = a - span.start + contextOffset;
          endPosition = b - span.start + contextOffset;
        } else {
          startPosition = 0;
          endPosition = 0;
          out.answerOutsideWindow++;
        }
      }
      out.features.push({
        uniqueId: out.features.length,
        exampleIndex: ex,
        docSpanIndex: si,
        inputIds,
        inputMask,
        segmentIds,
        length: n,
        contextOffset,
        charStarts,
        charEnds,
        tokenIsMaxContext,
        startPosition,
        endPosition,
      });
    }
  }
  return out;
}
