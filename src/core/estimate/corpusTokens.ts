/**
 * What a corpus is made of for a vocabulary, before any example is built: how many tokens,
 * how many of them are [UNK] (and the words most often unknown), and how long its documents
 * are in tokens (a compact histogram that ./exampleCount.ts turns into example counts for any
 * flags). Documents are read and tokenised as the example builder does (seed mode's rules):
 * "<eop>" removed, [UNK] tokens not counted in a document's length, documents under
 * `minDocumentChars` code points skipped.
 */
import { codePointLength } from '../corpus/codePointLength.ts';
import type { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { encodeInPieces, LINE_PIECE_CHARS } from '../tokenizer/encodeInPieces.ts';

export interface UnknownWord {
  /** the text that became [UNK] (one character for Chinese; a whole word for other scripts) */
  text: string;
  count: number;
}

export interface CorpusTokenStats {
  /** documents long enough to make examples */
  documents: number;
  /** documents skipped as too short (under minDocumentChars code points) */
  skippedDocuments: number;
  /** WordPiece tokens of the documents kept, [UNK] included */
  tokens: number;
  /** of which [UNK] */
  unknown: number;
  /** the most frequent unknown words, most frequent first */
  topUnknown: UnknownWord[];
  /** documents by length in tokens without [UNK]: [length, documents] pairs, lengths rounded (see lengthBucket) */
  lengths: [number, number][];
}

export interface CorpusTokenOptions {
  /** documents with fewer code points than this are skipped (the builder's minDocumentChars) */
  minDocumentChars: number;
  /** how many unknown words to report (default 10) */
  topUnknown?: number;
  onProgress?(documents: number): void;
}

/** Distinct unknown words tracked at most (the rest are counted in `unknown` but not named). */
const MAX_DISTINCT_UNKNOWN = 50_000;

/**
 * The length a document of `n` tokens is counted under: exact up to 256, then rounded to 1/64 of
 * its power of two (under 1.6% off), so the histogram stays small for any corpus.
 */
export function lengthBucket(n: number): number {
  if (n <= 256) return n;
  const step = 2 ** (Math.floor(Math.log2(n)) - 6);
  return Math.round(n / step) * step;
}

/** Counts tokens, [UNK] and document lengths of `docs` (each a list of lines) with `tokenizer`. */
export async function corpusTokenStats(
  docs: AsyncIterable<string[]>,
  tokenizer: BertTokenizer,
  opts: CorpusTokenOptions,
): Promise<CorpusTokenStats> {
  const unkId = tokenizer.unkId;
  const unknownWords = new Map<string, number>();
  const histogram = new Map<number, number>();
  let documents = 0;
  let skipped = 0;
  let tokens = 0;
  let unknown = 0;
  for await (const lines of docs) {
    let chars = 0;
    let docTokens = 0;
    let docUnknown = 0;
    const unknownLines: string[] = [];
    for (let line of lines) {
      chars += codePointLength(line);
      if (line.includes('<eop>')) line = line.replaceAll('<eop>', '');
      if (line.length === 0) continue;
      const ids = encodeInPieces(tokenizer, line);
      let lineUnknown = 0;
      for (let i = 0; i < ids.length; i++) if (ids[i] === unkId) lineUnknown++;
      docTokens += ids.length;
      docUnknown += lineUnknown;
      if (lineUnknown > 0) unknownLines.push(line);
    }
    if (chars < opts.minDocumentChars) {
      skipped++;
      continue;
    }
    documents++;
    tokens += docTokens;
    unknown += docUnknown;
    const kept = docTokens - docUnknown;
    if (kept > 0) {
      const b = lengthBucket(kept);
      histogram.set(b, (histogram.get(b) ?? 0) + 1);
    }
    for (const line of unknownLines) countUnknownWords(line, tokenizer, unknownWords);
    if (opts.onProgress && documents % 256 === 0) opts.onProgress(documents + skipped);
  }
  opts.onProgress?.(documents + skipped);
  const topUnknown = [...unknownWords]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, opts.topUnknown ?? 10)
    .map(([text, count]) => ({ text, count }));
  const lengths = [...histogram].sort((a, b) => a[0] - b[0]);
  return { documents, skippedDocuments: skipped, tokens, unknown, topUnknown, lengths };
}

/** Adds the words of `line` that become [UNK] to `into` (a long line in pieces of LINE_PIECE_CHARS). */
function countUnknownWords(line: string, tokenizer: BertTokenizer, into: Map<string, number>): void {
  let from = 0;
  while (from < line.length) {
    // A cut inside a word may name a part of it: only the names, never the counts, depend on this.
    let to = Math.min(line.length, from + LINE_PIECE_CHARS);
    if (to < line.length && line.charCodeAt(to - 1) >= 0xd800 && line.charCodeAt(to - 1) < 0xdc00) to++;
    const piece = line.slice(from, to);
    const enc = tokenizer.encodeWithOffsets(piece);
    for (let i = 0; i < enc.ids.length; i++) {
      if (enc.ids[i] !== tokenizer.unkId) continue;
      const text = piece.slice(enc.starts[i], enc.ends[i]);
      const seen = into.get(text);
      if (seen !== undefined) into.set(text, seen + 1);
      else if (into.size < MAX_DISTINCT_UNKNOWN) into.set(text, 1);
    }
    from = to;
  }
}
