/**
 * Character classes of BERT's basic tokenizer, as one lookup table over the BMP
 * (built once, from the runtime's Unicode data) plus a small cache for astral code points.
 *
 * The definitions are Google BERT's (tokenization.py) and Hugging Face's Python BertTokenizer's:
 * - DROP: U+0000, U+FFFD, and every "C*" category character (Cc, Cf, Cn, Co, Cs) except
 *   tab, LF and CR — removed from the text;
 * - SPACE: space, tab, LF, CR, every Zs character, and U+2028 / U+2029 (Python's `str.split()`
 *   splits on these after clean-up) — word separators;
 * - CJK: the CJK Unified Ideographs blocks that BERT lists (BMP and astral) — each becomes a word;
 * - PUNCT: ASCII 33–47, 58–64, 91–96, 123–126 and every "P*" category character — each
 *   becomes its own token;
 * - WORD: anything else.
 * DROP is decided first, so an unassigned code point inside a CJK block is dropped, as in BERT.
 *
 * Flag bits on top of the kind: FOLD marks non-ASCII characters that lower-casing or accent
 * stripping (NFD, drop Mn) could change, or that carry context for them (any M* mark);
 * UPPER marks ASCII A–Z. A word without FOLD characters is lower-cased char by char.
 */

export const KIND_MASK = 7;
export const WORD = 0;
export const SPACE = 1;
export const DROP = 2;
export const CJK = 3;
export const PUNCT = 4;
/** A high or low surrogate code unit: the caller combines pairs and asks `astralClass`. */
export const SURROGATE = 5;
export const FOLD = 8;
export const UPPER = 16;

/** BERT's CJK ranges (tokenization.py `_is_chinese_char`). */
export function isCjkCodePoint(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function isAsciiPunct(cp: number): boolean {
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
}

const RE_OTHER = /^\p{C}$/u;
const RE_ZS = /^\p{Zs}$/u;
const RE_PUNCT = /^\p{P}$/u;
const RE_MARK = /^\p{M}$/u;

/** The class byte of one code point (slow: regex tests; used to build the tables). */
export function classifyCodePoint(cp: number): number {
  if (cp < 128) {
    if (cp === 9 || cp === 10 || cp === 13 || cp === 32) return SPACE;
    if (cp < 32 || cp === 127) return DROP;
    if (isAsciiPunct(cp)) return PUNCT;
    if (cp >= 65 && cp <= 90) return WORD | UPPER;
    return WORD;
  }
  if (cp >= 0xd800 && cp <= 0xdfff) return SURROGATE;
  const ch = String.fromCodePoint(cp);
  if (cp === 0xfffd || RE_OTHER.test(ch)) return DROP;
  if (cp === 0x2028 || cp === 0x2029 || RE_ZS.test(ch)) return SPACE;
  let kind: number;
  if (isCjkCodePoint(cp)) kind = CJK;
  else if (RE_PUNCT.test(ch)) kind = PUNCT;
  else kind = WORD;
  if (ch.toLowerCase() !== ch || ch.normalize('NFD') !== ch || RE_MARK.test(ch)) kind |= FOLD;
  return kind;
}

let bmpTable: Uint8Array | undefined;

/** Class bytes of every BMP code unit (surrogates marked SURROGATE). Built on first use. */
export function bmpClasses(): Uint8Array {
  if (bmpTable) return bmpTable;
  const t = new Uint8Array(0x10000);
  for (let cp = 0; cp < 0x10000; cp++) {
    // CJK ideographs without decompositions are the bulk of the BMP: skip the regexes there.
    if (cp >= 0x4e00 && cp <= 0x9fff) {
      t[cp] = RE_OTHER.test(String.fromCharCode(cp)) ? DROP : CJK;
    } else {
      t[cp] = classifyCodePoint(cp);
    }
  }
  bmpTable = t;
  return t;
}

const astralCache = new Map<number, number>();

/** Class byte of a code point above U+FFFF (cached). */
export function astralClass(cp: number): number {
  let c = astralCache.get(cp);
  if (c === undefined) {
    c = classifyCodePoint(cp);
    astralCache.set(cp, c);
  }
  return c;
}

/** Class byte of any code point. */
export function classOf(cp: number): number {
  return cp < 0x10000 ? bmpClasses()[cp] : astralClass(cp);
}
