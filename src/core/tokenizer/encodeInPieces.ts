/**
 * Token ids of a line of any length with bounded working memory: a long line is encoded in
 * pieces of at most about `pieceChars` characters, cut only where BERT's tokenization already
 * separates tokens, so the ids are exactly those of encoding the whole line. A short line
 * (the usual case) is encoded whole.
 *
 * A cut is made right after whitespace, a CJK character or sentence punctuation: the basic
 * tokenizer splits at each of these, and none occurs inside a literal special token such as
 * [MASK] (letters and brackets), so no token can span the cut. A piece with no such place
 * (one "word" longer than the piece: [UNK] either way, since WordPiece gives up on words over
 * 100 characters) is cut at the limit, between two UTF-16 units of a character never.
 */
import type { BertTokenizer } from './bertTokenizer.ts';

/** Lines up to this many UTF-16 units are encoded whole. */
export const LINE_PIECE_CHARS = 16_384;

/** Can a piece end right after the character ending at `i` (a UTF-16 unit index)? */
function cutsAfter(c: number): boolean {
  return (
    c === 0x20 ||
    c === 0x09 ||
    c === 0x0a ||
    c === 0x0d ||
    c === 0x3000 || // ideographic space
    (c >= 0x3001 && c <= 0x3002) || // 、 。
    (c >= 0x4e00 && c <= 0x9fff) || // CJK unified ideographs
    (c >= 0x3400 && c <= 0x4dbf) ||
    c === 0xff01 || // ！
    c === 0xff0c || // ，
    c === 0xff1b || // ；
    c === 0xff1f || // ？
    c === 0x2c || // ,
    c === 0x2e || // .
    c === 0x21 || // !
    c === 0x3f || // ?
    c === 0x3b // ;
  );
}

/** Where the piece starting at `start` ends: after the last cut place in its second half, else at the limit. */
function pieceEnd(line: string, start: number, pieceChars: number): number {
  const limit = start + pieceChars;
  if (limit >= line.length) return line.length;
  for (let i = limit - 1; i >= start + (pieceChars >> 1); i--) if (cutsAfter(line.charCodeAt(i))) return i + 1;
  // no cut place: do not split a surrogate pair
  const c = line.charCodeAt(limit - 1);
  return c >= 0xd800 && c <= 0xdbff ? limit + 1 : limit;
}

/** The ids of `tokenizer.encode(line)`, encoded in pieces when the line is long. */
export function encodeInPieces(tokenizer: BertTokenizer, line: string, pieceChars = LINE_PIECE_CHARS): Int32Array {
  if (line.length <= pieceChars) return Int32Array.from(tokenizer.encode(line));
  let out = new Int32Array(Math.max(16, line.length >> 1));
  let n = 0;
  for (let start = 0; start < line.length; ) {
    const end = pieceEnd(line, start, pieceChars);
    const ids = tokenizer.encode(line.slice(start, end));
    if (n + ids.length > out.length) {
      const grown = new Int32Array(Math.max(out.length * 2, n + ids.length));
      grown.set(out.subarray(0, n));
      out = grown;
    }
    out.set(ids, n);
    n += ids.length;
    start = end;
  }
  return out.slice(0, n);
}
