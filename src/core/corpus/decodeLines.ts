/**
 * Stream a text file (a Blob) as lines with the byte offset where each starts.
 * The file is read in slices (1 MiB by default, the next one fetched while the
 * current one is decoded), so memory stays flat whatever the file size. The
 * encoding is detected from the first 64 KiB (see detectEncoding.ts; a file that
 * starts with pure ASCII is decided at its first non-ASCII line). Lines end at \n,
 * \r\n or a lone \r; the terminator is not part of the line.
 *
 * Bad bytes stop the stream with a CorpusError carrying the exact byte offset;
 * every line before the bad one has been yielded first.
 */
import { CorpusError } from './corpusError.ts';
import { DETECT_SAMPLE_BYTES, type DetectedEncoding, type TextEncodingName, detectEncoding } from './detectEncoding.ts';
import { firstInvalidUtf8, isAscii } from './utf8Validate.ts';

export { CorpusError } from './corpusError.ts';

/** Lines of one decoded slice: `offsets[i]` is the file byte offset where `lines[i]` starts. */
export interface LineBlock {
  lines: string[];
  offsets: number[];
  /** Bytes of the file read so far. */
  bytesRead: number;
  totalBytes: number;
}

export interface DecodeLinesOptions {
  /** File name for errors (default: the File's name, else "input"). */
  name?: string;
  /** Bytes per read (default 1 MiB). */
  chunkSize?: number;
  /** Skip detection and use this encoding (a BOM of that encoding is still skipped). */
  encoding?: TextEncodingName;
  /** Called when the encoding is known (and again if an all-ASCII start is later decided). */
  onEncoding?: (e: DetectedEncoding) => void;
  /** A line longer than this is an error (default 64 MiB). */
  maxLineBytes?: number;
}

const ENCODING_LABEL: Record<TextEncodingName, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
  gb18030: 'GB18030',
};

/** The File's name when the Blob is one. */
export function blobName(blob: Blob, fallback = 'input'): string {
  const n = (blob as Partial<File>).name;
  return typeof n === 'string' && n ? n : fallback;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let p = 0;
  for (const a of parts) {
    out.set(a, p);
    p += a.length;
  }
  return out;
}

/** Offset of the first GB18030 character in `b[start, end)` that does not decode, or -1. */
function firstInvalidGb18030(b: Uint8Array, start: number, end: number): number {
  const dec = new TextDecoder('gb18030', { fatal: true });
  const ok = (s: number, e: number) => {
    try {
      dec.decode(b.subarray(s, e));
      return true;
    } catch {
      return false;
    }
  };
  // Narrow to the first bad line (newline bytes never occur inside a GB18030 character) ...
  let ls = start;
  while (ls < end) {
    let le = b.indexOf(10, ls);
    le = le < 0 || le >= end ? end : le + 1;
    if (!ok(ls, le)) break;
    ls = le;
  }
  if (ls >= end) return -1;
  // ... then walk its characters one by one.
  let i = ls;
  while (i < end) {
    const c = b[i];
    let len = 1;
    if (c >= 0x81 && c <= 0xfe) {
      if (i + 1 >= end) return i;
      const d = b[i + 1];
      len = d >= 0x30 && d <= 0x39 ? 4 : 2;
      if (i + len > end) return i;
    }
    if (!ok(i, i + len)) return i;
    i += len;
  }
  return -1;
}

/** Offset of the first lone surrogate (or odd trailing byte) in UTF-16 bytes `b[start, end)`, or -1. */
function firstInvalidUtf16(b: Uint8Array, start: number, end: number, le: boolean): number {
  const unit = (i: number) => (le ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1]);
  let i = start;
  while (i + 1 < end) {
    const u = unit(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 3 >= end) return i;
      const v = unit(i + 2);
      if (v < 0xdc00 || v > 0xdfff) return i;
      i += 4;
    } else if (u >= 0xdc00 && u <= 0xdfff) return i;
    else i += 2;
  }
  return i < end ? i : -1;
}

/**
 * Split decoded `text` (whose bytes are `block`, starting at file offset `base`) at
 * \n, \r\n and \r, walking the string and the bytes side by side (in UTF-8 and
 * GB18030 the terminator bytes stand only for themselves), so each line gets its byte offset.
 */
function splitByteBlock(text: string, block: Uint8Array, base: number, lines: string[], offsets: number[]): void {
  let sp = 0;
  let bp = 0;
  let sN = text.indexOf('\n');
  let sR = text.indexOf('\r');
  let bN = block.indexOf(10);
  let bR = block.indexOf(13);
  const n = text.length;
  while (sp < n) {
    if (sN >= 0 && sN < sp) sN = text.indexOf('\n', sp);
    if (sR >= 0 && sR < sp) sR = text.indexOf('\r', sp);
    if (bN >= 0 && bN < bp) bN = block.indexOf(10, bp);
    if (bR >= 0 && bR < bp) bR = block.indexOf(13, bp);
    const s = sN < 0 ? sR : sR < 0 ? sN : Math.min(sN, sR);
    const b = bN < 0 ? bR : bR < 0 ? bN : Math.min(bN, bR);
    offsets.push(base + bp);
    if (s < 0) {
      lines.push(sp === 0 ? text : text.slice(sp));
      return;
    }
    lines.push(text.slice(sp, s));
    if (text.charCodeAt(s) === 13 && text.charCodeAt(s + 1) === 10) {
      sp = s + 2;
      bp = b + 2;
    } else {
      sp = s + 1;
      bp = b + 1;
    }
  }
}

/** Same for UTF-16 text: every code unit is two bytes, so offsets follow from string positions. */
function splitUnitText(text: string, unitBase: number, bom: number, lines: string[], offsets: number[]): void {
  let sp = 0;
  let sN = text.indexOf('\n');
  let sR = text.indexOf('\r');
  while (sp < text.length) {
    if (sN >= 0 && sN < sp) sN = text.indexOf('\n', sp);
    if (sR >= 0 && sR < sp) sR = text.indexOf('\r', sp);
    const s = sN < 0 ? sR : sR < 0 ? sN : Math.min(sN, sR);
    offsets.push(bom + 2 * (unitBase + sp));
    if (s < 0) {
      lines.push(text.slice(sp));
      return;
    }
    lines.push(text.slice(sp, s));
    sp = text.charCodeAt(s) === 13 && text.charCodeAt(s + 1) === 10 ? s + 2 : s + 1;
  }
}

/** Yields the lines slice by slice (the fast form; decodeLines yields them one at a time). */
export async function* decodeLineBlocks(blob: Blob, opts: DecodeLinesOptions = {}): AsyncGenerator<LineBlock> {
  const name = opts.name ?? blobName(blob);
  const chunkSize = Math.max(16, opts.chunkSize ?? 1 << 20);
  const maxLine = opts.maxLineBytes ?? 64 << 20;
  const total = blob.size;

  const read = (a: number): Promise<Uint8Array> => {
    const p = blob
      .slice(a, Math.min(total, a + chunkSize))
      .arrayBuffer()
      .then((b) => new Uint8Array(b));
    p.catch(() => {}); // a prefetch abandoned by an early stop must not be an unhandled rejection
    return p;
  };

  if (total === 0) return;
  let first = await read(0);
  let det: DetectedEncoding;
  if (opts.encoding) {
    const f = first;
    const bom =
      opts.encoding === 'utf-8' && f[0] === 0xef && f[1] === 0xbb && f[2] === 0xbf
        ? 3
        : (opts.encoding === 'utf-16le' && f[0] === 0xff && f[1] === 0xfe) ||
            (opts.encoding === 'utf-16be' && f[0] === 0xfe && f[1] === 0xff)
          ? 2
          : 0;
    det = { encoding: opts.encoding, bom };
  } else {
    const head = first.subarray(0, Math.min(first.length, DETECT_SAMPLE_BYTES));
    det = detectEncoding(head, { fileName: name, complete: head.length === total, allowCorruptUtf8: true });
  }
  opts.onEncoding?.(det);
  let encoding = det.encoding;
  let undecided = det.ascii === true; // all ASCII so far: UTF-8 and GB18030 read it alike

  let off = det.bom; // file offset of the next unread byte
  first = first.subarray(det.bom);
  let next: Promise<Uint8Array> | null = off + first.length < total ? read(det.bom + first.length) : null;
  let data: Uint8Array | null = first;

  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    const le = encoding === 'utf-16le';
    const dec = new TextDecoder(encoding, { fatal: true });
    let held = new Uint8Array(0); // an odd byte or a high surrogate waiting for the next chunk
    let carry = ''; // text after the last line end
    let carryUnits = 0; // code-unit index of carry[0]
    let units = 0; // code units decoded so far
    const label = ENCODING_LABEL[encoding];
    while (data) {
      const eof = off + data.length >= total;
      const bytes = held.length ? concat([held, data], held.length + data.length) : data;
      const bytesStart = off - held.length;
      off += data.length;
      data = next ? await next : null;
      next = data && off + data.length < total ? read(off + data.length) : null;
      let use = bytes.length & ~1;
      if (!eof && use >= 2) {
        const last = le ? bytes[use - 2] | (bytes[use - 1] << 8) : (bytes[use - 2] << 8) | bytes[use - 1];
        if (last >= 0xd800 && last <= 0xdbff) use -= 2;
      }
      held = bytes.slice(use);
      let text: string;
      let bad = -1;
      try {
        text = dec.decode(bytes.subarray(0, use));
        if (eof && held.length) bad = use;
      } catch {
        bad = firstInvalidUtf16(bytes, 0, use, le);
        if (bad < 0) bad = 0;
        text = dec.decode(bytes.subarray(0, bad));
      }
      let all = carry + text;
      units += text.length;
      let cut = all.length;
      if (!eof || bad >= 0) {
        const lastN = all.lastIndexOf('\n');
        // a final \r may be the first half of \r\n: it waits, unless the stream stops here
        const rFrom = bad >= 0 ? all.length - 1 : all.length - 2;
        const lastR = rFrom >= 0 ? all.lastIndexOf('\r', rFrom) : -1;
        cut = Math.max(lastN, lastR) + 1;
      }
      if (cut > 0) {
        const lines: string[] = [];
        const offsets: number[] = [];
        splitUnitText(cut === all.length ? all : all.slice(0, cut), carryUnits, det.bom, lines, offsets);
        all = all.slice(cut);
        yield { lines, offsets, bytesRead: bad >= 0 ? bytesStart + bad : off, totalBytes: total };
      }
      if (bad >= 0) {
        throw new CorpusError(
          name,
          bytesStart + bad,
          `not valid ${label} (a lone surrogate or an odd number of bytes)`,
        );
      }
      carry = all;
      carryUnits = units - carry.length;
      if (carry.length * 2 > maxLine)
        throw new CorpusError(name, det.bom + 2 * carryUnits, `has a line longer than ${maxLine} bytes`);
    }
    return;
  }

  // UTF-8 and GB18030: split on bytes, decode whole blocks that end at a line end.
  let dec = new TextDecoder(encoding, { fatal: true });
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let pendingStart = off;
  while (data) {
    const chunk = data;
    const chunkStart = off;
    off += chunk.length;
    const eof = off >= total;
    data = next ? await next : null;
    next = data && off + data.length < total ? read(off + data.length) : null;

    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      // yield the lines before the NUL's line, then stop
      const upto = Math.max(chunk.lastIndexOf(10, nul), chunk.lastIndexOf(13, nul)) + 1;
      if (upto > 0) {
        const block = concat([...pending, chunk.subarray(0, upto)], pendingBytes + upto);
        const lines: string[] = [];
        const offsets: number[] = [];
        splitByteBlock(decodeOrThrow(block, pendingStart), block, pendingStart, lines, offsets);
        yield { lines, offsets, bytesRead: chunkStart + upto, totalBytes: total };
      }
      throw new CorpusError(name, chunkStart + nul, 'looks binary, not text (NUL byte)');
    }
    // the block ends after the last line terminator; a final \r waits (it may start \r\n)
    let cut = chunk.length;
    if (!eof) {
      const searchEnd = chunk[chunk.length - 1] === 13 ? chunk.length - 2 : chunk.length - 1;
      cut = searchEnd < 0 ? 0 : Math.max(chunk.lastIndexOf(10, searchEnd), chunk.lastIndexOf(13, searchEnd)) + 1;
    }
    if (cut === 0) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes > maxLine) throw new CorpusError(name, pendingStart, `has a line longer than ${maxLine} bytes`);
      continue;
    }
    const blockStart = pendingStart;
    const block = concat([...pending, chunk.subarray(0, cut)], pendingBytes + cut);
    pending = cut < chunk.length ? [chunk.subarray(cut)] : [];
    pendingBytes = chunk.length - cut;
    pendingStart = chunkStart + cut;

    if (undecided && !isAscii(block)) {
      // the first non-ASCII line decides between UTF-8 and GB18030
      let i = 0;
      while (block[i] < 0x80) i++;
      const ls = Math.max(block.lastIndexOf(10, i), block.lastIndexOf(13, i)) + 1;
      const end = Math.min(block.length, ls + DETECT_SAMPLE_BYTES);
      const d = detectEncoding(block.subarray(ls, end), {
        fileName: name,
        complete: end === block.length,
        baseOffset: blockStart + ls,
        allowCorruptUtf8: true,
      });
      undecided = false;
      if (d.encoding !== encoding) {
        encoding = d.encoding;
        dec = new TextDecoder(encoding, { fatal: true });
      }
      opts.onEncoding?.({ encoding, bom: det.bom });
    }
    let text: string;
    try {
      text = dec.decode(block);
    } catch {
      const bad = encoding === 'utf-8' ? firstInvalidUtf8(block) : firstInvalidGb18030(block, 0, block.length);
      const at = Math.max(bad, 0);
      // deliver the whole lines before the bad byte, then stop
      const upto = Math.max(block.lastIndexOf(10, at - 1), block.lastIndexOf(13, at - 1)) + 1;
      if (at > 0 && upto > 0) {
        const good = block.subarray(0, upto);
        const lines: string[] = [];
        const offsets: number[] = [];
        splitByteBlock(dec.decode(good), good, blockStart, lines, offsets);
        yield { lines, offsets, bytesRead: blockStart + upto, totalBytes: total };
      }
      throw new CorpusError(name, blockStart + at, `not valid ${ENCODING_LABEL[encoding]}`);
    }
    const lines: string[] = [];
    const offsets: number[] = [];
    splitByteBlock(text, block, blockStart, lines, offsets);
    yield { lines, offsets, bytesRead: off, totalBytes: total };
  }

  function decodeOrThrow(block: Uint8Array, blockStart: number): string {
    try {
      return dec.decode(block);
    } catch {
      const bad = encoding === 'utf-8' ? firstInvalidUtf8(block) : firstInvalidGb18030(block, 0, block.length);
      throw new CorpusError(name, blockStart + Math.max(0, bad), `not valid ${ENCODING_LABEL[encoding]}`);
    }
  }
}

/** One line at a time, with the byte offset where it starts. */
export async function* decodeLines(
  blob: Blob,
  opts: DecodeLinesOptions = {},
): AsyncGenerator<{ line: string; byteOffset: number }> {
  for await (const b of decodeLineBlocks(blob, opts)) {
    for (let i = 0; i < b.lines.length; i++) yield { line: b.lines[i], byteOffset: b.offsets[i] };
  }
}
