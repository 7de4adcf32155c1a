/**
 * BERT's basic tokenizer: cleans the text, splits CJK ideographs into words of their own,
 * lower-cases and strips accents when asked, and splits punctuation off — producing the
 * "words" that WordPiece then cuts into vocabulary pieces.
 *
 * It follows Google BERT's tokenization.py / Hugging Face's Python BertTokenizer step for step
 * (clean → CJK split → whitespace split → per word: lower-case, NFD, drop Mn → punctuation
 * split → whitespace split), but in one pass over char codes with the lookup table of
 * charClasses.ts. Words are handed to a sink as they are found, so the caller can turn
 * them into ids without building intermediate arrays.
 */
import {
  bmpClasses,
  astralClass,
  KIND_MASK,
  WORD,
  SPACE,
  DROP,
  CJK,
  PUNCT,
  SURROGATE,
  FOLD,
  UPPER,
} from './charClasses.ts';

/** Receives the basic tokens of a text in order. */
export interface BasicTokenSink {
  /** A token that is exactly one code point taken unchanged from the text (a CJK ideograph or a punctuation mark). */
  char(cp: number): void;
  /** Any other token (never empty). */
  word(word: string): void;
}

const RE_MN = /\p{Mn}/gu;

/** Lower-case, NFD, drop Mn: BERT's treatment of a word when do_lower_case is on. */
export function lowerAndStripAccents(word: string): string {
  return word.toLowerCase().normalize('NFD').replace(RE_MN, '');
}

export class BasicTokenizer {
  readonly doLowerCase: boolean;
  private readonly cls: Uint8Array;

  constructor(doLowerCase = true) {
    this.doLowerCase = doLowerCase;
    this.cls = bmpClasses();
  }

  /** The basic tokens of `text`, as strings. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    this.run(text, {
      char: (cp) => out.push(String.fromCodePoint(cp)),
      word: (w) => out.push(w),
    });
    return out;
  }

  /** Streams the basic tokens of `text` (from UTF-16 index `from` to `to`) into `sink`. */
  run(text: string, sink: BasicTokenSink, from = 0, to = text.length): void {
    const cls = this.cls;
    const lower = this.doLowerCase;
    let i = from;
    while (i < to) {
      const c = text.charCodeAt(i);
      let k = cls[c];
      let len = 1;
      let cp = c;
      if (k === SURROGATE) {
        if (c < 0xdc00 && i + 1 < to) {
          const d = text.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
            k = astralClass(cp);
            len = 2;
          } else k = DROP;
        } else k = DROP;
      }
      const kind = k & KIND_MASK;
      if (kind === SPACE || kind === DROP) {
        i += len;
        continue;
      }
      if (kind === CJK) {
        if (lower && (k & FOLD) !== 0) sink.word(lowerAndStripAccents(text.slice(i, i + len)));
        else sink.char(cp);
        i += len;
        continue;
      }
      // A whitespace-delimited token (CJK ideographs also end it): find its end and whether it
      // needs the full Unicode lower-casing path.
      const start = i;
      let fold = (k & FOLD) !== 0;
      let hasDrop = false;
      i += len;
      while (i < to) {
        const c2 = text.charCodeAt(i);
        let k2 = cls[c2];
        let len2 = 1;
        if (k2 === SURROGATE) {
          if (c2 < 0xdc00 && i + 1 < to) {
            const d = text.charCodeAt(i + 1);
            if (d >= 0xdc00 && d <= 0xdfff) {
              k2 = astralClass(((c2 - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
              len2 = 2;
            } else k2 = DROP;
          } else k2 = DROP;
        }
        const kind2 = k2 & KIND_MASK;
        if (kind2 === SPACE || kind2 === CJK) break;
        if (kind2 === DROP) hasDrop = true;
        if ((k2 & FOLD) !== 0) fold = true;
        i += len2;
      }
      if (lower && fold) {
        let tok = hasDrop ? this.removeDropped(text, start, i) : text.slice(start, i);
        tok = lowerAndStripAccents(tok);
        this.splitTransformed(tok, sink);
      } else {
        this.splitPlain(text, start, i, lower, sink);
      }
    }
  }

  /** The token text[start, end) without its DROP characters. */
  private removeDropped(text: string, start: number, end: number): string {
    const cls = this.cls;
    let out = '';
    let seg = start;
    let i = start;
    while (i < end) {
      const c = text.charCodeAt(i);
      let k = cls[c];
      let len = 1;
      if (k === SURROGATE) {
        const d = i + 1 < end ? text.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && d >= 0xdc00 && d <= 0xdfff) {
          k = astralClass(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
          len = 2;
        } else k = DROP;
      }
      if ((k & KIND_MASK) === DROP) {
        out += text.slice(seg, i);
        seg = i + len;
      }
      i += len;
    }
    return out + text.slice(seg, end);
  }

  /**
   * Punctuation split of a token that lower-casing leaves alone except for ASCII A–Z
   * (or that is not lower-cased at all), dropping DROP characters as it goes.
   */
  private splitPlain(text: string, start: number, end: number, lower: boolean, sink: BasicTokenSink): void {
    const cls = this.cls;
    let word = ''; // pieces of the current word cut by DROP characters
    let seg = -1; // start of the current contiguous part of the word
    let upper = false;
    let i = start;
    while (i < end) {
      const c = text.charCodeAt(i);
      let k = cls[c];
      let len = 1;
      let cp = c;
      if (k === SURROGATE) {
        const d = i + 1 < end ? text.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && d >= 0xdc00 && d <= 0xdfff) {
          cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          k = astralClass(cp);
          len = 2;
        } else k = DROP;
      }
      const kind = k & KIND_MASK;
      if (kind === PUNCT) {
        if (seg >= 0) word += text.slice(seg, i);
        if (word.length > 0) sink.word(lower && upper ? word.toLowerCase() : word);
        word = '';
        seg = -1;
        upper = false;
        sink.char(cp);
      } else if (kind === DROP) {
        if (seg >= 0) word += text.slice(seg, i);
        seg = -1;
      } else {
        if (seg < 0) seg = i;
        if ((k & UPPER) !== 0) upper = true;
      }
      i += len;
    }
    if (seg >= 0) word += text.slice(seg, end);
    if (word.length > 0) sink.word(lower && upper ? word.toLowerCase() : word);
  }

  /**
   * Punctuation and whitespace split of a token after lower-casing and accent stripping
   * (both can turn characters into punctuation or spaces; nothing is dropped any more).
   */
  private splitTransformed(tok: string, sink: BasicTokenSink): void {
    const cls = this.cls;
    let seg = -1;
    let i = 0;
    const end = tok.length;
    while (i < end) {
      const c = tok.charCodeAt(i);
      let k = cls[c];
      let len = 1;
      let cp = c;
      if (k === SURROGATE) {
        const d = i + 1 < end ? tok.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && d >= 0xdc00 && d <= 0xdfff) {
          cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          k = astralClass(cp);
          len = 2;
        } else k = WORD;
      }
      const kind = k & KIND_MASK;
      if (kind === PUNCT || kind === SPACE) {
        if (seg >= 0) sink.word(tok.slice(seg, i));
        seg = -1;
        if (kind === PUNCT) sink.char(cp);
      } else if (seg < 0) {
        seg = i;
      }
      i += len;
    }
    if (seg >= 0) sink.word(tok.slice(seg, end));
  }
}
