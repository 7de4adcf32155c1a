/**
 * create_pretraining_data: documents (each a list of lines) → masked-LM examples.
 *
 * Two modes, both deterministic for a given randomSeed (every draw goes through one Rng):
 *
 * `seed` (default): the 2020 distillation project's own algorithm (its create_pretraining_data.py).
 *   - A document is all of its lines' tokens in a row ("<eop>" markers removed, [UNK] tokens
 *     dropped); a document shorter than minDocumentChars (the seed's hard-coded 20) is skipped.
 *   - dupe_factor times per document: draw target = randint(int(max_seq_length * short_seq_prob),
 *     max_seq_length); cut the tokens into spans of at most target-3 tokens, a new span every
 *     min(span length, doc_stride) tokens (overlapping when doc_stride is smaller than the span);
 *     drop the last span when it is shorter than 10% of target-3.
 *   - Each span is split into A and B at randint(int(0.3 n), int(0.7 n)), moved forward past
 *     word continuations so no word is cut; next_sentence_labels = 1 (the seed never draws a
 *     random next). As in the seed, a span whose B would be a single token is skipped; unlike
 *     it, so is a span whose A or B would be empty (the seed writes such degenerate pairs).
 *   - Documents stream through one at a time: memory stays flat in the corpus size. The seed
 *     shuffled each input file's examples in memory; here they pass through a shuffle buffer
 *     of shuffleBufferSize examples (as tf.data's shuffle: each new example takes the place of
 *     a random one, which goes out), so memory stays bounded; 0 keeps document order.
 *   - Whole-word groups come from jieba run once per line (the seed ran it on each span's
 *     joined text and matched words of at most 3 characters; here a jieba word of any length
 *     is one group).
 *
 * `bert`: Google BERT's create_pretraining_data algorithm. Lines are sentences; chunks of
 *   sentences fill a target length (max_seq_length-3, or randint(2, that) with probability
 *   short_seq_prob); A is the first randint(1, k-1) sentences of the chunk; B is the rest, or,
 *   50% of the time (always when the chunk has one sentence), sentences from a random other
 *   document, with the chunk's unused sentences put back; truncate_seq_pair trims the longer
 *   side from the front or back at random. It needs every document in memory (it draws random
 *   next sentences from the whole corpus). Documents are shuffled once; each dupe pass's
 *   examples are shuffled within the pass (Google shuffles all passes together).
 *
 * Masking is the same in both modes: ./masking.ts.
 */
import type { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { Rng } from '../random/rng.ts';
import type { MaskedExample } from './maskedExample.ts';
import { clearExample, ExampleShuffleBuffer, newExample } from './exampleShuffle.ts';
import { maskSequenceInto, MaskingScratch, type MaskingConfig } from './masking.ts';
import { markWordStarts } from './wholeWord.ts';
import { loadSegmenter, type WordSegmenter } from './wordSegmenter.ts';

export type PretrainingMode = 'seed' | 'bert';

/** The options, named as the CLI flags are (camelCase). */
export interface PretrainingOptions {
  mode: PretrainingMode;
  /** Informational here: the tokenizer passed in must have been built with it. */
  doLowerCase: boolean;
  doWholeWordMask: boolean;
  maxSeqLength: number;
  maxPredictionsPerSeq: number;
  randomSeed: number;
  dupeFactor: number;
  maskedLmProb: number;
  shortSeqProb: number;
  /** seed mode: tokens between the starts of consecutive spans (at most the span length). */
  docStride: number;
  /** seed mode: documents with fewer characters than this are skipped (the seed: 20). */
  minDocumentChars: number;
  /** seed mode: examples held in the shuffle buffer (0: document order). */
  shuffleBufferSize: number;
}

/**
 * Google BERT's defaults, plus the seed's doc_stride (256) and minimum document length (20).
 * The seed's own script defaulted to max_seq_length 512, dupe_factor 5 and whole-word masking
 * on; its README describes its data as dupe_factor 5 with at most 20 masks per example.
 */
export const PRETRAINING_DEFAULTS: Readonly<PretrainingOptions> = Object.freeze({
  mode: 'seed',
  doLowerCase: true,
  doWholeWordMask: false,
  maxSeqLength: 128,
  maxPredictionsPerSeq: 20,
  randomSeed: 12345,
  dupeFactor: 10,
  maskedLmProb: 0.15,
  shortSeqProb: 0.1,
  docStride: 256,
  minDocumentChars: 20,
  shuffleBufferSize: 10000,
});

export interface PretrainingProgress {
  /** Documents read so far (including skipped ones). */
  documents: number;
  /** Examples produced so far. */
  examples: number;
}

export interface PretrainingHooks {
  /** Called at most every 100 ms while working, and once at the end. */
  onProgress?(p: PretrainingProgress): void;
}

/** Checks option values; throws an Error naming the bad option. */
export function validatePretrainingOptions(o: PretrainingOptions): void {
  const bad = (name: string, why: string) => {
    throw new Error(`invalid option ${name}: ${why}`);
  };
  if (o.mode !== 'seed' && o.mode !== 'bert') bad('mode', `"${String(o.mode)}" is not "seed" or "bert"`);
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) bad(name, `expected an integer >= ${min}, got ${v}`);
  };
  int('max_seq_length', o.maxSeqLength, 5);
  int('max_predictions_per_seq', o.maxPredictionsPerSeq, 1);
  int('dupe_factor', o.dupeFactor, 1);
  int('doc_stride', o.docStride, 1);
  int('random_seed', o.randomSeed, -(2 ** 53));
  int('min_document_chars', o.minDocumentChars, 0);
  int('shuffle_buffer_size', o.shuffleBufferSize, 0);
  if (!(o.maskedLmProb >= 0 && o.maskedLmProb <= 1))
    bad('masked_lm_prob', `expected a number in [0, 1], got ${o.maskedLmProb}`);
  if (!(o.shortSeqProb >= 0 && o.shortSeqProb <= 1))
    bad('short_seq_prob', `expected a number in [0, 1], got ${o.shortSeqProb}`);
}

/** Growable typed buffers for one document's tokens. */
class TokenBuffer {
  ids = new Int32Array(1024);
  starts = new Uint8Array(1024);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  push(id: number, start: number): void {
    if (this.length === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      const starts = new Uint8Array(this.starts.length * 2);
      starts.set(this.starts);
      this.ids = ids;
      this.starts = starts;
    }
    this.ids[this.length] = id;
    this.starts[this.length] = start;
    this.length++;
  }
}

/** Masks an example whose inputIds hold [CLS] A [SEP] B [SEP] (`length` tokens) and fills the rest. */
function finishExample(
  ex: MaskedExample,
  length: number,
  firstSegmentLength: number,
  starts: Uint8Array,
  nextSentenceLabel: number,
  masking: MaskingConfig,
  rng: Rng,
  scratch: MaskingScratch,
): MaskedExample {
  const count = maskSequenceInto(
    ex.inputIds,
    length,
    starts,
    masking,
    rng,
    scratch,
    ex.maskedLmPositions,
    ex.maskedLmIds,
  );
  ex.inputMask.fill(1, 0, length);
  ex.segmentIds.fill(1, firstSegmentLength, length);
  ex.maskedLmWeights.fill(1, 0, count);
  ex.nextSentenceLabel = nextSentenceLabel;
  return ex;
}

/** Span starts and lengths of one seed-mode dupe pass over a document of `n` tokens. */
export function seedSpans(n: number, maxTokens: number, docStride: number): Array<[start: number, length: number]> {
  const spans: Array<[number, number]> = [];
  let offset = 0;
  while (offset < n) {
    const length = Math.min(n - offset, maxTokens);
    spans.push([offset, length]);
    if (offset + length === n) break;
    offset += Math.min(length, docStride);
  }
  if (spans.length > 0 && spans[spans.length - 1][1] / maxTokens < 0.1) spans.pop();
  return spans;
}

/**
 * Streams masked examples built from `docs` (see the file comment for the two modes).
 * With doWholeWordMask, jieba is loaded first (once).
 */
export async function* createPretrainingExamples(
  docs: AsyncIterable<string[]>,
  tokenizer: BertTokenizer,
  opts: Partial<PretrainingOptions> = {},
  hooks: PretrainingHooks = {},
): AsyncGenerator<MaskedExample> {
  const o: PretrainingOptions = { ...PRETRAINING_DEFAULTS, ...opts };
  validatePretrainingOptions(o);
  const segmenter = o.doWholeWordMask ? await loadSegmenter() : null;
  const rng = new Rng(o.randomSeed);
  const masking: MaskingConfig = {
    maskedLmProb: o.maskedLmProb,
    maxPredictionsPerSeq: o.maxPredictionsPerSeq,
    wholeWordMask: o.doWholeWordMask,
    vocabSize: tokenizer.vocab.length,
    maskId: tokenizer.maskId,
    clsId: tokenizer.clsId,
    sepId: tokenizer.sepId,
    padId: tokenizer.padId,
  };
  const progress: PretrainingProgress = { documents: 0, examples: 0 };
  let lastReport = 0;
  const report = (force: boolean) => {
    if (!hooks.onProgress) return;
    const now = Date.now();
    if (!force && now - lastReport < 100) return;
    lastReport = now;
    hooks.onProgress({ ...progress });
  };

  if (o.mode === 'seed') {
    const builder = new SeedModeBuilder(tokenizer, segmenter, o, masking, rng);
    // The shuffle has its own random stream, so the examples themselves do not depend on the buffer size.
    const shape = { maxSeqLength: o.maxSeqLength, maxPredictionsPerSeq: o.maxPredictionsPerSeq };
    const shuffle = new ExampleShuffleBuffer(o.shuffleBufferSize, shape, new Rng((o.randomSeed ^ 0x5bd1e995) >>> 0));
    const out: MaskedExample[] = [];
    let failure: unknown = null;
    try {
      for await (const lines of docs) {
        progress.documents++;
        builder.document(lines, (ex) => {
          const leaving = shuffle.push(ex);
          if (leaving) out.push(leaving);
        });
        for (let k = 0; k < out.length; k++) {
          progress.examples++;
          yield out[k];
        }
        out.length = 0;
        report(false);
      }
    } catch (err) {
      // A bad document (or a read error) stops the stream, but every example already
      // built still goes out before the error does.
      failure = err;
    }
    for (const ex of shuffle.drain()) {
      progress.examples++;
      yield ex;
    }
    if (failure) {
      report(true);
      throw failure;
    }
  } else {
    const builder = new BertModeBuilder(tokenizer, segmenter, o, masking, rng);
    for await (const lines of docs) {
      progress.documents++;
      builder.document(lines);
      report(false);
    }
    for (const ex of builder.examples()) {
      progress.examples++;
      yield ex;
      report(false);
    }
  }
  report(true);
}

/** Token ids of one line with their word-start flags (jieba only when whole-word masking). */
function linePieces(line: string, tokenizer: BertTokenizer, segmenter: WordSegmenter | null) {
  const ids = Int32Array.from(tokenizer.encode(line));
  return { ids, startsWord: markWordStarts(ids, tokenizer, segmenter) };
}

/** seed mode: one document at a time, nothing kept between documents. */
class SeedModeBuilder {
  private readonly doc = new TokenBuffer();
  private readonly starts: Uint8Array;
  private readonly scratch = new MaskingScratch();
  private readonly minTarget: number;
  private readonly example: MaskedExample;

  constructor(
    private readonly tokenizer: BertTokenizer,
    private readonly segmenter: WordSegmenter | null,
    private readonly o: PretrainingOptions,
    private readonly masking: MaskingConfig,
    private readonly rng: Rng,
  ) {
    this.starts = new Uint8Array(o.maxSeqLength);
    this.example = newExample(o);
    this.minTarget = Math.floor(o.maxSeqLength * o.shortSeqProb);
  }

  /** Hands each example of one document to `emit`; it is a scratch object, valid only during the call. */
  document(lines: string[], emit: (ex: MaskedExample) => void): void {
    const { doc, o, rng, tokenizer } = this;
    const unkId = tokenizer.unkId;
    let chars = 0;
    doc.clear();
    for (let line of lines) {
      if (line.includes('<eop>')) line = line.replaceAll('<eop>', '');
      chars += line.length;
      if (line.length === 0) continue;
      const { ids, startsWord } = linePieces(line, tokenizer, this.segmenter);
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] !== unkId) doc.push(ids[i], startsWord[i]);
      }
    }
    if (chars < o.minDocumentChars || doc.length === 0) return;
    const n = doc.length;
    const starts = this.starts;
    for (let d = 0; d < o.dupeFactor; d++) {
      const target = rng.randint(this.minTarget, o.maxSeqLength);
      const maxTokens = Math.max(1, target - 3);
      for (const [start, len] of seedSpans(n, maxTokens, o.docStride)) {
        let split = rng.randint(Math.floor(len * 0.3), Math.floor(len * 0.7));
        while (split < len && doc.starts[start + split] === 0) split++;
        if (split === len - 1 || split === 0 || split >= len) continue;
        // [CLS] A [SEP] B [SEP]
        const ex = this.example;
        clearExample(ex);
        const seq = ex.inputIds;
        seq[0] = tokenizer.clsId;
        starts[0] = 1;
        seq.set(doc.ids.subarray(start, start + split), 1);
        starts.set(doc.starts.subarray(start, start + split), 1);
        seq[split + 1] = tokenizer.sepId;
        starts[split + 1] = 1;
        seq.set(doc.ids.subarray(start + split, start + len), split + 2);
        starts.set(doc.starts.subarray(start + split, start + len), split + 2);
        const length = len + 3;
        seq[length - 1] = tokenizer.sepId;
        starts[length - 1] = 1;
        emit(finishExample(ex, length, split + 2, starts, 1, this.masking, rng, this.scratch));
      }
    }
  }
}

/** One sentence (line) of a bert-mode document. */
interface Sentence {
  ids: Int32Array;
  starts: Uint8Array;
}

/** An unmasked bert-mode pair, kept compact until its pass is shuffled. */
interface Pair {
  seq: Int32Array;
  starts: Uint8Array;
  firstSegmentLength: number;
  isRandomNext: boolean;
}

/** bert mode: every document in memory, then dupe_factor passes over them. */
class BertModeBuilder {
  private readonly all: Sentence[][] = [];

  constructor(
    private readonly tokenizer: BertTokenizer,
    private readonly segmenter: WordSegmenter | null,
    private readonly o: PretrainingOptions,
    private readonly masking: MaskingConfig,
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

  /** Every dupe pass's examples, shuffled within the pass (masked as they are handed out). */
  *examples(): Generator<MaskedExample> {
    const { all, o, rng } = this;
    rng.shuffle(all);
    const scratch = new MaskingScratch();
    for (let d = 0; d < o.dupeFactor; d++) {
      const pass: Pair[] = [];
      for (let i = 0; i < all.length; i++) bertPairsFromDocument(all, i, o, this.tokenizer, rng, pass);
      rng.shuffle(pass);
      for (let k = 0; k < pass.length; k++) {
        const p = pass[k];
        const ex = newExample(o);
        ex.inputIds.set(p.seq);
        yield finishExample(
          ex,
          p.seq.length,
          p.firstSegmentLength,
          p.starts,
          p.isRandomNext ? 1 : 0,
          this.masking,
          rng,
          scratch,
        );
      }
    }
  }
}

/** Google BERT's create_instances_from_document, without the masking (done per pass later). */
function bertPairsFromDocument(
  all: Sentence[][],
  docIndex: number,
  o: PretrainingOptions,
  tokenizer: BertTokenizer,
  rng: Rng,
  out: Pair[],
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
): Pair {
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
  return { seq, starts, firstSegmentLength: lenA + 2, isRandomNext };
}
