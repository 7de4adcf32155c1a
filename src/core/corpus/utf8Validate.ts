/**
 * Exact UTF-8 validation, used to find the byte where a fatal TextDecoder gave up
 * (TextDecoder says that decoding failed, not where) and to check the head of a
 * file during encoding detection. Rules are the WHATWG decoder's: no overlongs, no
 * surrogates, nothing above U+10FFFF.
 */

/**
 * Offset of the first byte that makes `b[start, end)` invalid UTF-8, or -1 when it is valid.
 * With `allowTruncatedEnd`, a sequence that is merely cut off by `end` counts as valid.
 */
export function firstInvalidUtf8(b: Uint8Array, start = 0, end = b.length, allowTruncatedEnd = false): number {
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= end) return allowTruncatedEnd ? -1 : i;
      const d = b[i + k];
      if (d < lo || d > hi) return i;
      lo = 0x80;
      hi = 0xbf;
    }
    i += need + 1;
  }
  return -1;
}

/** True when every byte is ASCII. */
export function isAscii(b: Uint8Array, start = 0, end = b.length): boolean {
  for (let i = start; i < end; i++) if (b[i] >= 0x80) return false;
  return true;
}
