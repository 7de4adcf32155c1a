/**
 * `seed` mode's instances: the 2020 distillation project's own algorithm (its
 * create_pretraining_data.py), overlapping spans of a whole document.
 *
 * - A document is all of its lines' tokens in a row ("<eop>" markers removed, [UNK] tokens
 *   dropped); a document shorter than minDocumentChars (the seed's hard-coded 20; counted in code
 *   points before "<eop>" removal, as the seed's len(content)) is skipped.
 * - dupe_factor times per document: draw target = randint(int(max_seq_length * short_seq_prob),
 *   max_seq_length); cut the tokens into spans of at most target-3 tokens, a new span every
 *   min(span length, doc_stride) tokens (overlapping when doc_stride is smaller than the span);
 *   drop the last span when it is shorter than 10% of target-3.
 * - Each span is split into A and B at randint(int(0.3 n), int(0.7 n)), moved forward past
 *   word continuations so no word is cut; next_sentence_labels = 1 (the seed never draws a
 *   random next). As in the seed, a span whose B would be a single token is skipped; unlike
 *   it, so is a span whose A or B would be empty (the seed writes such degenerate pairs).
 * - One document at a time, nothing kept between documents, so memory stays flat in the
 *   corpus size.
 * - Whole-word groups come from jieba run once per line (the seed ran it on each span's
 *   joined text and matched words of at most 3 characters; here a jieba word of any length
 *   is one group).
 */
import { codePointLength } from '../corpus/codePointLength.ts';
import type { Rng } from '../random/rng.ts';
import type { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { linePieces, type PairInstance } from './pairInstance.ts';
import type { WordSegmenter } from './wordSegmenter.ts';

/** The options span instances depend on (PretrainingOptions has them). */
export interface SpanOptions {
  maxSeqLength: number;
  shortSeqProb: number;
  dupeFactor: number;
  /** Tokens between the starts of consecutive spans (at most the span length). */
  docStride: number;
  /** Documents with fewer characters than this are skipped (the seed: 20). */
  minDocumentChars: number;
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

/** seed mode: one document at a time, nothing kept between documents. */
export class SpanInstanceBuilder {
  private readonly doc = new TokenBuffer();
  private readonly instance: PairInstance;
  private readonly minTarget: number;

  constructor(
    private readonly tokenizer: BertTokenizer,
    private readonly segmenter: WordSegmenter | null,
    private readonly o: SpanOptions,
    private readonly rng: Rng,
  ) {
    this.instance = {
      ids: new Int32Array(o.maxSeqLength),
      starts: new Uint8Array(o.maxSeqLength),
      length: 0,
      firstSegmentLength: 0,
      nextSentenceLabel: 1,
    };
    this.minTarget = Math.floor(o.maxSeqLength * o.shortSeqProb);
  }

  /**
   * The instances of one document, one at a time as they are made (a huge document is never
   * held as all its examples); each is a scratch object, valid until the next is asked for.
   */
  *document(lines: string[]): Generator<PairInstance> {
    const { doc, o, rng, tokenizer } = this;
    const unkId = tokenizer.unkId;
    let chars = 0;
    doc.clear();
    for (let line of lines) {
      // The seed tests the length before removing "<eop>" (len(content) < 20), in code points.
      chars += codePointLength(line);
      if (line.includes('<eop>')) line = line.replaceAll('<eop>', '');
      if (line.length === 0) continue;
      const { ids, startsWord } = linePieces(line, tokenizer, this.segmenter);
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] !== unkId) doc.push(ids[i], startsWord[i]);
      }
    }
    if (chars < o.minDocumentChars || doc.length === 0) return;
    const n = doc.length;
    const inst = this.instance;
    const seq = inst.ids;
    const starts = inst.starts;
    for (let d = 0; d < o.dupeFactor; d++) {
      const target = rng.randint(this.minTarget, o.maxSeqLength);
      const maxTokens = Math.max(1, target - 3);
      for (const [start, len] of seedSpans(n, maxTokens, o.docStride)) {
        let split = rng.randint(Math.floor(len * 0.3), Math.floor(len * 0.7));
        while (split < len && doc.starts[start + split] === 0) split++;
        if (split === len - 1 || split === 0 || split >= len) continue;
        // [CLS] A [SEP] B [SEP]
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
        inst.length = length;
        inst.firstSegmentLength = split + 2;
        yield inst;
      }
    }
  }
}
