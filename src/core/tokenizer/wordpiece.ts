/**
 * WordPiece: cuts one basic-tokenizer word into vocabulary pieces, greedy longest match
 * first, pieces after the first carrying the "##" prefix. A word of more than 100 code
 * points, or one with a part that no piece matches, becomes a single [UNK] — as in
 * Google BERT and Hugging Face's BertTokenizer. Results for repeated words are cached.
 */

const MAX_CACHE = 200_000;
/** Longer words are not cached, so that odd inputs (long unbroken strings) cannot fill memory. */
const MAX_CACHED_WORD = 48;

export class WordPiece {
  private readonly ids: ReadonlyMap<string, number>;
  private readonly unkId: number;
  private readonly maxInputChars: number;
  /** Longest vocabulary entry, and longest "##" entry without its prefix (UTF-16 units): bounds the search. */
  private readonly maxFirst: number;
  private readonly maxNext: number;
  private cache = new Map<string, number | number[]>();

  constructor(ids: ReadonlyMap<string, number>, unkId: number, maxInputChars = 100) {
    this.ids = ids;
    this.unkId = unkId;
    this.maxInputChars = maxInputChars;
    let maxFirst = 0;
    let maxNext = 0;
    for (const t of ids.keys()) {
      if (t.length > maxFirst) maxFirst = t.length;
      if (t.startsWith('##') && t.length - 2 > maxNext) maxNext = t.length - 2;
    }
    this.maxFirst = maxFirst;
    this.maxNext = maxNext;
  }

  /** Appends the ids of `word`'s pieces to `out`. */
  encodeInto(word: string, out: number[]): void {
    let r = word.length <= MAX_CACHED_WORD ? this.cache.get(word) : undefined;
    if (r === undefined) {
      r = this.compute(word);
      if (word.length <= MAX_CACHED_WORD) {
        if (this.cache.size >= MAX_CACHE) this.cache = new Map();
        this.cache.set(word, r);
      }
    }
    if (typeof r === 'number') out.push(r);
    else for (let j = 0; j < r.length; j++) out.push(r[j]);
  }

  /** The ids of `word`'s pieces. */
  encode(word: string): number[] {
    const out: number[] = [];
    this.encodeInto(word, out);
    return out;
  }

  private compute(word: string): number | number[] {
    const n = word.length;
    if (n === 0) return [];
    if (n > this.maxInputChars && codePointCount(word) > this.maxInputChars) return this.unkId;
    const ids = this.ids;
    const whole = ids.get(word);
    if (whole !== undefined) return whole;
    const pieces: number[] = [];
    let start = 0;
    while (start < n) {
      let end = Math.min(n, start + (start === 0 ? this.maxFirst : this.maxNext));
      if (splitsPair(word, end)) end--;
      let found = -1;
      while (end > start) {
        const id = ids.get(start === 0 ? word.slice(0, end) : '##' + word.slice(start, end));
        if (id !== undefined) {
          found = id;
          break;
        }
        end--;
        if (splitsPair(word, end)) end--;
      }
      if (found < 0) return this.unkId;
      pieces.push(found);
      start = end;
    }
    return pieces.length === 1 ? pieces[0] : pieces;
  }
}

/** Whether cutting `s` at `i` would separate a surrogate pair. */
function splitsPair(s: string, i: number): boolean {
  if (i <= 0 || i >= s.length) return false;
  const a = s.charCodeAt(i - 1);
  const b = s.charCodeAt(i);
  return a >= 0xd800 && a <= 0xdbff && b >= 0xdc00 && b <= 0xdfff;
}

function codePointCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
