/**
 * What both instance builders (./spanInstances.ts, ./sentencePairInstances.ts) hand to
 * ./createPretrainingData.ts for masking: one unmasked [CLS] A [SEP] B [SEP] sequence with
 * its word-start flags, and the per-line tokenization they share.
 */
import type { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { encodeInPieces } from '../tokenizer/encodeInPieces.ts';
import { markWordStarts } from './wholeWord.ts';
import type { WordSegmenter } from './wordSegmenter.ts';

/** An unmasked [CLS] A [SEP] B [SEP] sequence. */
export interface PairInstance {
  /** Token ids; the sequence is ids[0 .. length). */
  ids: Int32Array;
  /** Word-start flags, parallel to ids (read only up to length). */
  starts: Uint8Array;
  length: number;
  /** Tokens of [CLS] A [SEP]: segment 0. */
  firstSegmentLength: number;
  nextSentenceLabel: number;
}

/**
 * Token ids of one line with their word-start flags (jieba only when whole-word masking);
 * a long line is tokenised in bounded pieces with the same ids (encodeInPieces).
 */
export function linePieces(line: string, tokenizer: BertTokenizer, segmenter: WordSegmenter | null) {
  const ids = encodeInPieces(tokenizer, line);
  return { ids, startsWord: markWordStarts(ids, tokenizer, segmenter) };
}
