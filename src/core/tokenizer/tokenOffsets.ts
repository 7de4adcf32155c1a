/**
 * Where BERT's tokens come from in the original text.
 *
 * The basic tokenizer drops control characters, splits at whitespace, and (with do_lower_case)
 * lower-cases and strips accents, which can change a word's length. Its tokens, read in order,
 * are exactly the non-separator UTF-16 units of the text normalised character by character:
 * - a dropped character (control, format, unassigned, U+FFFD, a lone surrogate) gives nothing;
 * - a whitespace character gives one separator;
 * - any other character gives itself, or with do_lower_case `lowerAndStripAccents` of itself
 *   (whose units may include separators, which are then skipped).
 * Lower-casing and NFD keep the length of a character whether done alone or inside its word
 * (Greek final sigma changes a letter, not the count), so the k-th unit of the token stream is
 * the k-th non-separator unit here, and this map gives its original [start, end).
 *
 * A character that normalises to nothing inside a word (a combining accent that is stripped)
 * is counted into the span of the unit before it, so an answer ending in "é" written
 * as e + U+0301 keeps its accent.
 */
import { lowerAndStripAccents } from './basicTokenizer.ts';
import { DROP, FOLD, KIND_MASK, SPACE, SURROGATE, astralClass, bmpClasses } from './charClasses.ts';

/** Original spans of the non-separator units of the normalised text of `text[from, to)`. */
export interface UnitSpans {
  /** UTF-16 offset in the original text where the character of unit k starts. */
  starts: Int32Array;
  /** UTF-16 offset in the original text where the character of unit k ends. */
  ends: Int32Array;
  count: number;
}

export function normalizedUnitSpans(text: string, from: number, to: number, doLowerCase: boolean): UnitSpans {
  const cls = bmpClasses();
  let starts = new Int32Array(Math.max(16, to - from));
  let ends = new Int32Array(starts.length);
  let count = 0;
  /** Last unit written since the last separator (for stripped marks), or -1. */
  let last = -1;
  const push = (s: number, e: number) => {
    if (count === starts.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      starts = grow(starts);
      ends = grow(ends);
    }
    starts[count] = s;
    ends[count] = e;
    last = count++;
  };
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    let k = cls[c];
    let len = 1;
    if (k === SURROGATE) {
      const d = i + 1 < to ? text.charCodeAt(i + 1) : 0;
      if (c < 0xdc00 && d >= 0xdc00 && d <= 0xdfff) {
        k = astralClass(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
        len = 2;
      } else k = DROP;
    }
    const kind = k & KIND_MASK;
    const end = i + len;
    if (kind === DROP) {
      // nothing: the characters either side join, as in the basic tokenizer
    } else if (kind === SPACE) {
      last = -1;
    } else if (doLowerCase && (k & FOLD) !== 0) {
      const norm = lowerAndStripAccents(text.slice(i, end));
      if (norm.length === 0) {
        if (last >= 0) ends[last] = end;
      } else {
        for (let u = 0; u < norm.length; u++) {
          if ((cls[norm.charCodeAt(u)] & KIND_MASK) === SPACE) last = -1;
          else push(i, end);
        }
      }
    } else {
      for (let u = 0; u < len; u++) push(i, end);
    }
    i = end;
  }
  return { starts, ends, count };
}
