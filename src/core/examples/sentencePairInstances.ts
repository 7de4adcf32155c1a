/**
 * `bert` mode's instances: Google BERT's create_pretraining_data algorithm, sentence pairs
 * with a random next sentence.
 *
 * Lines are sentences; chunks of sentences fill a target length (max_seq_length-3, or
 * randint(2, that) with probability short_seq_prob); A is the first randint(1, k-1) sentences
 * of the chunk; B is the rest, or, 50% of the time (always when the chunk has one sentence),
 * sentences from a random other document, with the chunk's unused sentences put back;
 * truncate_seq_pair trims the longer side from the front or back at random. It needs every
 * document in memory (it draws random next sentences from the whole corpus). Documents are
 * shuffled once; each dupe pass's instances are shuffled within the pass (Google shuffles all
 * passes together).
 */
import type { Rng } from '../random/rng.ts';
import type { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { linePieces, type PairInstance } from './pairInstance.ts';
import type { WordSegmenter } from './wordSegmenter.ts';

/** The options sentence-pair instances depend on (PretrainingOptions has them). */
export interface SentencePairOptions {
  maxSeqLength: number;
  shortSeqProb: number;
  dupeFactor: number;
}

/** One sentence (line) of a bert-mode document. */
interface Sentence {
  ids: Int32Array;
  starts: Uint8Array;
}

/** bert mode: every document in memory, then dupe_factor passes over them. */
export class SentencePairInstanceBuilder {
  private readonly all: Sentence[][] = [];

  constructor(
    private readonly tokenizer: BertTokenizer,
    private readonly segmenter: WordSegmenter | null,
    private readonly o: SentencePairOptions,
    private readonly rng: Rng,
  ) {}

  document(lines: string[]): void {
    const doc: Sentence[] = [];
    for (const line of lines) {
      if (line.trim().length === 0) continue;
      const { ids, startsWord } = linePieces(line, this.tokenizer, this.segmenter);
      if (ids.length > 0) doc.push({ ids, starts: startsWord });
    }
    if (doc.length > 0) this.all.push(doc);
  }

  /**
   * Every dupe pass's instances, shuffled within the pass. A pass is built when the previous
   * one has been handed out (the caller masks each instance, with the same Rng, as it comes).
   */
  *instances(): Generator<PairInstance> {
    const { all, o, rng } = this;
    rng.shuffle(all);
    for (let d = 0; d < o.dupeFactor; d++) {
      const pass: PairInstance[] = [];
      for (let i = 0; i < all.length; i++) sentencePairsFromDocument(all, i, o, this.tokenizer, rng, pass);
      rng.shuffle(pass);
      yield* pass;
    }
  }
}

/** Google BERT's create_instances_from_document, without the masking (done per pass later). */
function sentencePairsFromDocument(
  all: Sentence[][],
  docIndex: number,
  o: SentencePairOptions,
  tokenizer: BertTokenizer,
  rng: Rng,
  out: PairInstance[],
): void {
  const document = all[docIndex];
  const maxNumTokens = o.maxSeqLength - 3;
  let target = maxNumTokens;
  if (rng.random() < o.shortSeqProb) target = rng.randint(2, maxNumTokens);

  let chunk: Sentence[] = [];
  let chunkLength = 0;
  let i = 0;
  while (i < document.length) {
    const sentence = document[i];
    chunk.push(sentence);
    chunkLength += sentence.ids.length;
    if (i === document.length - 1 || chunkLength >= target) {
      if (chunk.length > 0) {
        let aEnd = 1;
        if (chunk.length >= 2) aEnd = rng.randint(1, chunk.length - 1);
        const a = concat(chunk.slice(0, aEnd));
        let b: Sentence;
        let isRandomNext: boolean;
        if (chunk.length === 1 || rng.random() < 0.5) {
          isRandomNext = true;
          const targetB = target - a.ids.length;
          let r = 0;
          for (let t = 0; t < 10; t++) {
            r = rng.randint(0, all.length - 1);
            if (r !== docIndex) break;
          }
          const other = all[r];
          const picked: Sentence[] = [];
          let bLength = 0;
          for (let j = rng.randint(0, other.length - 1); j < other.length; j++) {
            picked.push(other[j]);
            bLength += other[j].ids.length;
            if (bLength >= targetB) break;
          }
          b = concat(picked);
          // Put the chunk's unused sentences back for the next chunk.
          i -= chunk.length - aEnd;
        } else {
          isRandomNext = false;
          b = concat(chunk.slice(aEnd));
        }
        out.push(truncatedPair(a, b, maxNumTokens, isRandomNext, tokenizer, rng));
      }
      chunk = [];
      chunkLength = 0;
    }
    i++;
  }
}

function concat(sentences: Sentence[]): Sentence {
  if (sentences.length === 1) return sentences[0];
  let n = 0;
  for (const s of sentences) n += s.ids.length;
  const ids = new Int32Array(n);
  const starts = new Uint8Array(n);
  let at = 0;
  for (const s of sentences) {
    ids.set(s.ids, at);
    starts.set(s.starts, at);
    at += s.ids.length;
  }
  return { ids, starts };
}

/** truncate_seq_pair, then [CLS] A [SEP] B [SEP]. */
function truncatedPair(
  a: Sentence,
  b: Sentence,
  maxNumTokens: number,
  isRandomNext: boolean,
  tokenizer: BertTokenizer,
  rng: Rng,
): PairInstance {
  let aStart = 0;
  let aEnd = a.ids.length;
  let bStart = 0;
  let bEnd = b.ids.length;
  while (aEnd - aStart + (bEnd - bStart) > maxNumTokens) {
    const truncA = aEnd - aStart > bEnd - bStart;
    // Sometimes from the front, sometimes from the back.
    if (rng.random() < 0.5) {
      if (truncA) aStart++;
      else bStart++;
    } else if (truncA) aEnd--;
    else bEnd--;
  }
  const lenA = aEnd - aStart;
  const lenB = bEnd - bStart;
  const length = lenA + lenB + 3;
  const seq = new Int32Array(length);
  const starts = new Uint8Array(length).fill(1);
  seq[0] = tokenizer.clsId;
  seq.set(a.ids.subarray(aStart, aEnd), 1);
  starts.set(a.starts.subarray(aStart, aEnd), 1);
  seq[lenA + 1] = tokenizer.sepId;
  seq.set(b.ids.subarray(bStart, bEnd), lenA + 2);
  starts.set(b.starts.subarray(bStart, bEnd), lenA + 2);
  seq[length - 1] = tokenizer.sepId;
  return { ids: seq, starts, length, firstSegmentLength: lenA + 2, nextSentenceLabel: isRandomNext ? 1 : 0 };
}
