/**
 * Guess a text file's encoding from its first bytes: a BOM (UTF-8, UTF-16LE,
 * UTF-16BE) decides; otherwise valid UTF-8 wins; otherwise GB18030 (a superset of
 * GBK and GB2312, common in Chinese corpora) when it decodes cleanly. UTF-16 without
 * a BOM is recognised when its text is mostly ASCII (NULs in every other byte), or when,
 * read as UTF-16 of one byte order, nearly every unit is CJK or ASCII text (Chinese
 * without a BOM: UTF-8 or GBK bytes read that way give Hangul, Yi and private-use units).
 * NUL bytes or many control characters in anything else mean the file is binary
 * (a PNG, a checkpoint dragged in by mistake): that, and undecodable bytes, throw a
 * CorpusError with the offset.
 */
import { CorpusError } from './corpusError.ts';
import { firstInvalidUtf8, isAscii } from './utf8Validate.ts';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030';

export interface DetectedEncoding {
  encoding: TextEncodingName;
  /** Length of the byte-order mark to skip (0 when none). */
  bom: number;
  /** True when the sample held only ASCII, so UTF-8 and GB18030 could not be told apart yet. */
  ascii?: boolean;
}

export interface DetectOptions {
  /** File name for error messages. */
  fileName?: string;
  /** True when `head` is the whole file (a character cut at its end is then an error, not a sample artefact). */
  complete?: boolean;
  /** File offset of head[0] (default 0), for error offsets when detecting mid-file. */
  baseOffset?: number;
  /**
   * When the sample is clearly UTF-8 with a corrupt byte, answer 'utf-8' instead of
   * throwing (a streaming reader then delivers the lines before the bad byte, and throws there).
   */
  allowCorruptUtf8?: boolean;
}

/** How many bytes of a file detection looks at. */
export const DETECT_SAMPLE_BYTES = 64 * 1024;

/** Control characters that do not occur in text: all below 0x20 except \t \n \v \f \r and ESC, plus DEL. */
function isOddControl(c: number): boolean {
  return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d && c !== 0x1b) || c === 0x7f;
}

/** UTF-16 without BOM: in mostly-ASCII text one byte of each pair is NUL. */
function sniffBomlessUtf16(head: Uint8Array): TextEncodingName | null {
  const n = head.length & ~1;
  if (n < 8) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenNul++;
    if (head[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul >= pairs * 0.4 && evenNul === 0) return 'utf-16le';
  if (evenNul >= pairs * 0.4 && oddNul === 0) return 'utf-16be';
  return null;
}

/** Is a UTF-16 unit a CJK character or CJK / full-width punctuation? */
function isCjkUnit(u: number): boolean {
  return (
    (u >= 0x3000 && u <= 0x303f) || // CJK symbols and punctuation
    (u >= 0x3400 && u <= 0x4dbf) || // extension A
    (u >= 0x4e00 && u <= 0x9fff) || // unified ideographs
    (u >= 0xff00 && u <= 0xffef) // full-width forms
  );
}

/**
 * UTF-16 without BOM holding Chinese: in one byte order at least 90% of the units are CJK or
 * ASCII text, and at least 30% CJK.
 */
function sniffCjkUtf16(head: Uint8Array): TextEncodingName | null {
  const n = head.length & ~1;
  if (n < 8) return null;
  for (const le of [true, false]) {
    let cjk = 0;
    let ascii = 0;
    for (let i = 0; i < n; i += 2) {
      const u = le ? head[i] | (head[i + 1] << 8) : (head[i] << 8) | head[i + 1];
      if (isCjkUnit(u)) cjk++;
      else if ((u >= 0x20 && u < 0x7f) || u === 0x09 || u === 0x0a || u === 0x0d) ascii++;
    }
    const units = n / 2;
    if (cjk + ascii >= units * 0.9 && cjk >= units * 0.3) return le ? 'utf-16le' : 'utf-16be';
  }
  return null;
}

function decodesAs(label: string, bytes: Uint8Array): boolean {
  try {
    new TextDecoder(label, { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Throws a "looks binary" CorpusError when the sample has NULs or many odd control characters. */
export function checkNotBinary(head: Uint8Array, fileName: string, baseOffset = 0): void {
  const nul = head.indexOf(0);
  if (nul >= 0) {
    throw new CorpusError(fileName, baseOffset + nul, 'looks binary, not text (NUL byte)');
  }
  let odd = 0;
  let first = -1;
  for (let i = 0; i < head.length; i++) {
    if (isOddControl(head[i])) {
      if (first < 0) first = i;
      odd++;
    }
  }
  if (odd > 8 && odd > head.length / 100) {
    throw new CorpusError(
      fileName,
      baseOffset + first,
      `looks binary, not text (${odd} control bytes in the first ${head.length})`,
    );
  }
}

export function detectEncoding(head: Uint8Array, opts: DetectOptions = {}): DetectedEncoding {
  const name = opts.fileName ?? 'input';
  const base = opts.baseOffset ?? 0;
  const complete = opts.complete ?? false;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) {
    if (head[2] === 0 && head[3] === 0 && head.length >= 4) {
      throw new CorpusError(name, base, 'is UTF-32 (BOM FF FE 00 00), which is not supported: convert it to UTF-8');
    }
    return { encoding: 'utf-16le', bom: 2 };
  }
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  const u16 =
    sniffBomlessUtf16(head) ?? (firstInvalidUtf8(head, 0, head.length, !complete) >= 0 ? sniffCjkUtf16(head) : null);
  if (u16) return { encoding: u16, bom: 0 };
  checkNotBinary(head, name, base);
  if (isAscii(head)) return { encoding: 'utf-8', bom: 0, ascii: true };
  const bad = firstInvalidUtf8(head, 0, head.length, !complete);
  if (bad < 0) return { encoding: 'utf-8', bom: 0 };
  // Many valid multi-byte UTF-8 characters before the bad byte: a UTF-8 file with a corrupt
  // byte (GBK text almost never forms even a few valid UTF-8 sequences in a row). Do not
  // reinterpret it as GB18030, which would silently turn it into mojibake.
  let multi = 0;
  for (let i = 0; i < bad; i++) if (head[i] >= 0xc2) multi++;
  if (multi >= 16) {
    if (opts.allowCorruptUtf8) return { encoding: 'utf-8', bom: 0 };
    throw new CorpusError(name, base + bad, 'not valid UTF-8');
  }
  // GB18030: characters are 1, 2 or 4 bytes; allow the sample to end inside one.
  const cuts = complete ? 1 : 4;
  for (let cut = 0; cut < cuts && cut < head.length; cut++) {
    if (decodesAs('gb18030', head.subarray(0, head.length - cut))) return { encoding: 'gb18030', bom: 0 };
  }
  throw new CorpusError(
    name,
    base + bad,
    'is neither UTF-8 (with or without BOM), UTF-16 with BOM, nor GB18030/GBK: not valid UTF-8',
  );
}
