/**
 * Word boundaries for whole-word masking: one line of text becomes its WordPiece tokens
 * and a parallel "starts a word" flag per token.
 *
 * A token continues the previous word when it is a `##` wordpiece (English and other
 * alphabetic words, as in Google BERT), or when it is a Chinese character that is not the
 * first character of its jieba word (the 2020 seed's Chinese whole-word masking). The
 * token itself is left alone: a Chinese character keeps its own vocabulary id; the flag
 * is used for grouping only.
 *
 * jieba runs once per line, on the line's tokens joined back together (as the seed runs it
 * on joined tokens); very long lines are segmented in bounded pieces cut between tokens.
 */
import type { WordSegmenter } from './wordSegmenter.ts';
import { isCjkCodePoint } from '../tokenizer/charClasses.ts';

export { isCjkCodePoint };

/** The part of the BERT tokenizer this needs (BertTokenizer has it). */
export interface PieceTokenizer {
  encode(text: string): number[];
  readonly vocab: readonly string[];
  readonly unkId: number;
}

export interface LinePieces {
  tokens: string[];
  ids: Int32Array;
  /** 1 where the token starts a word, 0 where it continues the previous one. */
  startsWord: Uint8Array;
}

/** Longest piece of joined text handed to jieba at once (UTF-16 units). */
export const MAX_SEGMENT_CHARS = 8192;

const KIND_WORD = 0;
const KIND_CONTINUATION = 1; // a `##` piece
const KIND_CJK = 2; // exactly one CJK character

/** Per-id facts about a vocabulary, computed once. */
interface VocabFacts {
  kind: Uint8Array;
  /** The text an id contributes to the joined line handed to jieba. */
  text: string[];
}

const factsCache = new WeakMap<readonly string[], VocabFacts>();

function vocabFacts(tokenizer: PieceTokenizer): VocabFacts {
  const vocab = tokenizer.vocab;
  let facts = factsCache.get(vocab);
  if (facts) return facts;
  const kind = new Uint8Array(vocab.length);
  const text = new Array<string>(vocab.length);
  for (let id = 0; id < vocab.length; id++) {
    const t = vocab[id];
    if (t.length > 2 && t.startsWith('##')) {
      kind[id] = KIND_CONTINUATION;
      text[id] = t.slice(2);
    } else {
      const cp = t.codePointAt(0) ?? 0;
      kind[id] = t.length > 0 && t.length === (cp > 0xffff ? 2 : 1) && isCjkCodePoint(cp) ? KIND_CJK : KIND_WORD;
      text[id] = t;
    }
  }
  // [UNK] stands for text we cannot see: let it separate words.
  if (tokenizer.unkId >= 0 && tokenizer.unkId < vocab.length) text[tokenizer.unkId] = ' ';
  facts = { kind, text };
  factsCache.set(vocab, facts);
  return facts;
}

/**
 * Tokenizes one line and marks word starts. Without a segmenter only `##` pieces are
 * continuations (Google BERT's whole-word rule).
 */
export function lineToPieces(text: string, tokenizer: PieceTokenizer, segmenter: WordSegmenter | null): LinePieces {
  const ids = Int32Array.from(tokenizer.encode(text));
  const startsWord = markWordStarts(ids, tokenizer, segmenter);
  const tokens = Array.from(ids, (id) => tokenizer.vocab[id]);
  return { tokens, ids, startsWord };
}

/** The "starts a word" flags for a line's token ids (see the file comment). */
export function markWordStarts(
  ids: Int32Array,
  tokenizer: PieceTokenizer,
  segmenter: WordSegmenter | null,
): Uint8Array {
  const { kind, text } = vocabFacts(tokenizer);
  const n = ids.length;
  const startsWord = new Uint8Array(n);
  let cjkTokens = 0;
  for (let i = 0; i < n; i++) {
    const k = kind[ids[i]];
    startsWord[i] = k === KIND_CONTINUATION ? 0 : 1;
    if (k === KIND_CJK) cjkTokens++;
  }
  // jieba can only join two or more Chinese characters.
  if (!segmenter || cjkTokens < 2) return startsWord;

  // Segment in bounded pieces, each ending at a token boundary.
  let first = 0;
  while (first < n) {
    let last = first;
    let chars = 0;
    while (last < n && (last === first || chars + text[ids[last]].length <= MAX_SEGMENT_CHARS)) {
      chars += text[ids[last]].length;
      last++;
    }
    markPiece(ids, first, last, kind, text, segmenter, startsWord);
    first = last;
  }
  return startsWord;
}

/** Segments tokens [first, last) and clears the flag of Chinese characters inside a word. */
function markPiece(
  ids: Int32Array,
  first: number,
  last: number,
  kind: Uint8Array,
  text: string[],
  segmenter: WordSegmenter,
  startsWord: Uint8Array,
): void {
  let joined = '';
  for (let i = first; i < last; i++) joined += text[ids[i]];
  const words = segmenter.cut(joined);
  let total = 0;
  for (let w = 0; w < words.length; w++) total += words[w].length;
  // Words that do not add up to the text cannot be aligned with the tokens: leave this piece ungrouped.
  if (total !== joined.length) return;
  // Walk the words and the tokens together; both advance through the same text.
  let at = 0; // where token i starts in `joined`
  let w = 0;
  let wordStart = 0;
  let wordEnd = words.length > 0 ? words[0].length : joined.length;
  for (let i = first; i < last; i++) {
    while (at >= wordEnd && w < words.length - 1) {
      wordStart = wordEnd;
      w++;
      wordEnd += words[w].length;
    }
    if (at > wordStart && kind[ids[i]] === KIND_CJK) startsWord[i] = 0;
    at += text[ids[i]].length;
  }
}
