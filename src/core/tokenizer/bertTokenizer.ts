/**
 * BERT's full tokenizer (basic tokenizer + WordPiece) over a vocab.txt, giving the same
 * tokens and ids as Hugging Face's BertTokenizer: the special tokens [PAD] [UNK] [CLS] [SEP]
 * [MASK] written literally in the text stay whole (as Hugging Face does), everything else goes
 * through basicTokenizer.ts and wordpiece.ts. No [CLS]/[SEP] is added.
 *
 * "Hugging Face's BertTokenizer" exists in three versions that differ on rare characters; this
 * one follows Google BERT's tokenization.py, which the Python BertTokenizer and transformers.js
 * agree with on every assigned BMP character (see the tests). Where they differ:
 * - astral CJK ideographs (U+20000 and up, in BERT's list): split into words here and in Python;
 *   transformers.js scans UTF-16 units and leaves them inside the word;
 * - unassigned code points (category Cn): dropped here and in Python/Rust, kept by transformers.js;
 * - recent Python versions apply NFC before splitting; with do_lower_case (the Chinese models'
 *   setting) that changes nothing, without it this follows transformers.js and the Rust
 *   tokenizer, which do not.
 *
 * Speed: single characters (CJK ideographs, punctuation) are looked up in a table indexed by
 * char code, other words go through WordPiece's cache.
 */
import { BasicTokenizer, type BasicTokenSink } from './basicTokenizer.ts';
import { WordPiece } from './wordpiece.ts';
import { parseVocab, vocabIndex } from './vocab.ts';
import { normalizedUnitSpans } from './tokenOffsets.ts';

export interface BertTokenizerOptions {
  /** Lower-case and strip accents (Chinese BERT / RoBERTa-wwm: true). Default true. */
  doLowerCase?: boolean;
  /** Longest word WordPiece tries before giving [UNK], in code points. Default 100. */
  maxInputCharsPerWord?: number;
}

/** Wordpiece ids with the part of the original text each came from. */
export interface EncodingWithOffsets {
  ids: number[];
  /** UTF-16 offset in the text where the characters of token k start. */
  starts: number[];
  /** UTF-16 offset in the text just after the characters of token k. */
  ends: number[];
}

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

class IdSink implements BasicTokenSink {
  out: number[] = [];
  constructor(
    private readonly singleChar: Int32Array,
    private readonly ids: ReadonlyMap<string, number>,
    private readonly unkId: number,
    private readonly wordpiece: WordPiece,
  ) {}
  char(cp: number): void {
    if (cp < 0x10000) {
      const id = this.singleChar[cp];
      this.out.push(id >= 0 ? id : this.unkId);
    } else {
      this.out.push(this.ids.get(String.fromCodePoint(cp)) ?? this.unkId);
    }
  }
  word(w: string): void {
    this.wordpiece.encodeInto(w, this.out);
  }
}

export class BertTokenizer {
  readonly vocab: readonly string[];
  readonly doLowerCase: boolean;
  readonly clsId: number;
  readonly sepId: number;
  readonly maskId: number;
  readonly padId: number;
  readonly unkId: number;
  private readonly ids: Map<string, number>;
  private readonly basic: BasicTokenizer;
  private readonly wp: WordPiece;
  private readonly sink: IdSink;
  /** Special token strings and ids, for the literal-special-token split. */
  private readonly specials: { text: string; id: number }[];

  constructor(vocab: readonly string[], opts: BertTokenizerOptions = {}, source = 'vocab') {
    this.vocab = vocab;
    this.doLowerCase = opts.doLowerCase ?? true;
    this.ids = vocabIndex(vocab);
    const missing = SPECIAL_TOKENS.filter((t) => !this.ids.has(t));
    if (missing.length > 0) {
      throw new Error(
        `${source}: the vocabulary (${vocab.length} line${vocab.length === 1 ? '' : 's'}) lacks the special token${missing.length > 1 ? 's' : ''} ` +
          `${missing.join(', ')}; a BERT vocab.txt has [PAD], [UNK], [CLS], [SEP] and [MASK] each on a line of its own`,
      );
    }
    this.padId = this.ids.get('[PAD]')!;
    this.unkId = this.ids.get('[UNK]')!;
    this.clsId = this.ids.get('[CLS]')!;
    this.sepId = this.ids.get('[SEP]')!;
    this.maskId = this.ids.get('[MASK]')!;
    this.specials = SPECIAL_TOKENS.map((t) => ({ text: t, id: this.ids.get(t)! }));
    this.basic = new BasicTokenizer(this.doLowerCase);
    this.wp = new WordPiece(this.ids, this.unkId, opts.maxInputCharsPerWord ?? 100);
    const single = new Int32Array(0x10000).fill(-1);
    for (const [t, id] of this.ids) {
      if (t.length === 1) single[t.charCodeAt(0)] = id;
    }
    this.sink = new IdSink(single, this.ids, this.unkId, this.wp);
  }

  /** Builds a tokenizer from the text of a vocab.txt; `source` (a file name) is used in error messages. */
  static fromVocabText(text: string, opts?: BertTokenizerOptions & { source?: string }): BertTokenizer {
    return new BertTokenizer(parseVocab(text), opts, opts?.source ?? 'vocab.txt');
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  idOf(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** Ids of the wordpieces of `text` (no [CLS]/[SEP]). */
  encode(text: string): number[] {
    const sink = this.sink;
    const out: number[] = [];
    sink.out = out;
    try {
      if (text.indexOf('[') < 0) {
        this.basic.run(text, sink);
      } else {
        this.encodeWithSpecials(text, sink);
      }
    } finally {
      sink.out = [];
    }
    return out;
  }

  /**
   * The same ids as `encode(text)`, each with the [start, end) UTF-16 offsets of the characters of
   * `text` it stands for, so that a span of tokens can be cut back out of the original string.
   * Pieces of one word get consecutive parts of it; a word that became [UNK] spans the whole word;
   * a literal special token spans itself. See tokenOffsets.ts for how lower-casing and accent
   * stripping are undone.
   */
  encodeWithOffsets(text: string): EncodingWithOffsets {
    const ids: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const sink = this.sink;
    const tokenLengths: number[] = [];
    /** For each basic token, the index in `ids` of its first piece (one more entry at the end). */
    const firstId: number[] = [];
    const collect: BasicTokenSink = {
      char: (cp) => {
        firstId.push(ids.length);
        tokenLengths.push(cp > 0xffff ? 2 : 1);
        sink.char(cp);
      },
      word: (w) => {
        firstId.push(ids.length);
        tokenLengths.push(w.length);
        sink.word(w);
      },
    };
    sink.out = ids;
    try {
      this.forEachSection(
        text,
        (from, to) => {
          tokenLengths.length = 0;
          firstId.length = 0;
          this.basic.run(text, collect, from, to);
          firstId.push(ids.length);
          this.alignSection(text, from, to, ids, tokenLengths, firstId, starts, ends);
        },
        (s, at) => {
          ids.push(s.id);
          starts.push(at);
          ends.push(at + s.text.length);
        },
      );
    } finally {
      sink.out = [];
    }
    return { ids, starts, ends };
  }

  /** Fills `starts`/`ends` for the ids of one plain section, given each basic token's length and first id. */
  private alignSection(
    text: string,
    from: number,
    to: number,
    ids: readonly number[],
    tokenLengths: readonly number[],
    firstId: readonly number[],
    starts: number[],
    ends: number[],
  ): void {
    const units = normalizedUnitSpans(text, from, to, this.doLowerCase);
    let total = 0;
    for (const n of tokenLengths) total += n;
    if (total !== units.count) {
      // The tokens are not the normalised characters (never seen; see tokenOffsets.ts): give
      // every id the whole section rather than a wrong part of it.
      for (let k = firstId[0] ?? ids.length; k < ids.length; k++) {
        starts.push(from);
        ends.push(to);
      }
      return;
    }
    const unitStart = (u: number) => units.starts[u];
    const unitEnd = (u: number) => units.ends[u];
    let u = 0;
    for (let t = 0; t < tokenLengths.length; t++) {
      const len = tokenLengths[t];
      const a = firstId[t];
      const b = firstId[t + 1];
      const wordStart = unitStart(u);
      const wordEnd = unitEnd(u + len - 1);
      let pieceLens: number[] | undefined;
      if (b - a > 1) {
        pieceLens = [];
        let sum = 0;
        for (let k = a; k < b; k++) {
          const piece = this.vocab[ids[k]];
          const n = k === a ? piece.length : piece.length - 2;
          pieceLens.push(n);
          sum += n;
        }
        if (sum !== len) pieceLens = undefined; // cannot happen with WordPiece; keep whole-word spans then
      }
      if (!pieceLens) {
        for (let k = a; k < b; k++) {
          starts.push(wordStart);
          ends.push(wordEnd);
        }
      } else {
        let p = u;
        for (const n of pieceLens) {
          starts.push(unitStart(p));
          ends.push(unitEnd(p + n - 1));
          p += n;
        }
      }
      u += len;
    }
  }

  /** Wordpieces of `text` (no [CLS]/[SEP]); [UNK] where nothing matches. */
  tokenize(text: string): string[] {
    return this.idsToTokens(this.encode(text));
  }

  /** Words of the basic tokenizer (before WordPiece). Literal special tokens are words of their own. */
  basicTokenize(text: string): string[] {
    const out: string[] = [];
    const sink: BasicTokenSink = { char: (cp) => out.push(String.fromCodePoint(cp)), word: (w) => out.push(w) };
    this.forEachSection(
      text,
      (from, to) => this.basic.run(text, sink, from, to),
      (s) => out.push(s.text),
    );
    return out;
  }

  /** Wordpieces of one basic-tokenizer word. */
  wordpiece(word: string): string[] {
    return this.idsToTokens(this.wp.encode(word));
  }

  /** Ids of tokens; tokens not in the vocabulary give the [UNK] id. */
  tokensToIds(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.ids.get(t) ?? this.unkId);
  }

  /** Tokens of ids; an id outside the vocabulary is an error naming it. */
  idsToTokens(ids: ArrayLike<number>): string[] {
    const out = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const t = this.vocab[ids[i]];
      if (t === undefined) {
        throw new RangeError(
          `token id ${ids[i]} (at position ${i}) is outside the vocabulary of ${this.vocab.length} tokens`,
        );
      }
      out[i] = t;
    }
    return out;
  }

  private encodeWithSpecials(text: string, sink: IdSink): void {
    this.forEachSection(
      text,
      (from, to) => this.basic.run(text, sink, from, to),
      (s) => sink.out.push(s.id),
    );
  }

  /** Cuts `text` at literal special tokens: plain sections go to `plain`, special tokens to `special`. */
  private forEachSection(
    text: string,
    plain: (from: number, to: number) => void,
    special: (s: { text: string; id: number }, at: number) => void,
  ): void {
    let from = 0;
    let at = text.indexOf('[');
    while (at >= 0) {
      let hit: { text: string; id: number } | undefined;
      for (const s of this.specials) {
        if (text.startsWith(s.text, at)) {
          hit = s;
          break;
        }
      }
      if (hit) {
        if (at > from) plain(from, at);
        special(hit, at);
        from = at + hit.text.length;
        at = text.indexOf('[', from);
      } else {
        at = text.indexOf('[', at + 1);
      }
    }
    if (from < text.length) plain(from, text.length);
  }
}
