/**
 * Reader and writer of the LevelDB-style table that a TF1 checkpoint's
 * .index file is: data blocks of prefix-compressed key/value entries with
 * restart points, each followed by a 1-byte compression type (0 none, 1 snappy)
 * and a masked CRC32C; an index block mapping keys to block handles; and a
 * 48-byte footer ending in the magic 0xdb4775248b80fb57.
 */
import { crc32c, maskCrc } from '../tfrecord/crc32c.ts';
import { snappyDecompress } from './snappy.ts';

const MAGIC_LO = 0x8b80fb57;
const MAGIC_HI = 0xdb477524;
const FOOTER_LEN = 48;

/** Reads an unsigned LEB128 varint (up to 64 bits, as a Number) at `pos`. */
export function readVarint(b: Uint8Array, pos: number, where: string): [value: number, next: number] {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= b.length) throw new Error(`${where}: varint runs past the end at byte ${pos}`);
    const byte = b[pos++];
    v += (byte & 0x7f) * mul;
    if (!(byte & 0x80)) return [v, pos];
    mul *= 128;
  }
  throw new Error(`${where}: varint longer than 10 bytes at byte ${pos}`);
}

/** Appends an unsigned varint. */
export function writeVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

interface Handle {
  offset: number;
  size: number;
}

function readHandle(b: Uint8Array, pos: number, where: string): [Handle, number] {
  const [offset, p1] = readVarint(b, pos, where);
  const [size, p2] = readVarint(b, p1, where);
  return [{ offset, size }, p2];
}

/** The raw (decompressed, CRC-checked) contents of one block. */
function readBlock(file: Uint8Array, h: Handle, name: string, what: string): Uint8Array {
  if (h.offset + h.size + 5 > file.length) {
    throw new Error(
      `${name}: ${what} at bytes ${h.offset}..${h.offset + h.size + 5} runs past the end of the file (${file.length} bytes): truncated`,
    );
  }
  const block = file.subarray(h.offset, h.offset + h.size);
  const type = file[h.offset + h.size];
  const stored = new DataView(file.buffer, file.byteOffset + h.offset + h.size + 1, 4).getUint32(0, true);
  const crcInput = file.subarray(h.offset, h.offset + h.size + 1);
  if (maskCrc(crc32c(crcInput)) !== stored) {
    throw new Error(`${name}: ${what} at byte ${h.offset}: checksum mismatch (the file is corrupt)`);
  }
  if (type === 0) return block;
  if (type === 1) return snappyDecompress(block, `${name}: ${what} at byte ${h.offset}`);
  throw new Error(
    `${name}: ${what} at byte ${h.offset} uses compression type ${type}; only none (0) and snappy (1) are supported`,
  );
}

/** All key/value entries of one block, in order. */
function blockEntries(block: Uint8Array, name: string, what: string): [Uint8Array, Uint8Array][] {
  const where = `${name}: ${what}`;
  if (block.length < 4) throw new Error(`${where}: block too short`);
  const dv = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const numRestarts = dv.getUint32(block.length - 4, true);
  const dataEnd = block.length - 4 - 4 * numRestarts;
  if (dataEnd < 0) throw new Error(`${where}: restart array (${numRestarts} points) is larger than the block`);
  const out: [Uint8Array, Uint8Array][] = [];
  let key: Uint8Array = new Uint8Array(0);
  let pos = 0;
  while (pos < dataEnd) {
    let shared: number, nonShared: number, valueLen: number;
    [shared, pos] = readVarint(block, pos, where);
    [nonShared, pos] = readVarint(block, pos, where);
    [valueLen, pos] = readVarint(block, pos, where);
    if (shared > key.length || pos + nonShared + valueLen > dataEnd) {
      throw new Error(`${where}: entry at block byte ${pos} is malformed`);
    }
    const k = new Uint8Array(shared + nonShared);
    k.set(key.subarray(0, shared));
    k.set(block.subarray(pos, pos + nonShared), shared);
    pos += nonShared;
    out.push([k, block.subarray(pos, pos + valueLen)]);
    pos += valueLen;
    key = k;
  }
  return out;
}

/** Reads every key/value of a table held in memory (index files are small). */
export function readTable(file: Uint8Array, name: string): [string, Uint8Array][] {
  if (file.length < FOOTER_LEN)
    throw new Error(`${name}: ${file.length} bytes is too short for a table (the footer alone is 48)`);
  const f = file.subarray(file.length - FOOTER_LEN);
  const fdv = new DataView(f.buffer, f.byteOffset, FOOTER_LEN);
  if (fdv.getUint32(40, true) !== MAGIC_LO || fdv.getUint32(44, true) !== MAGIC_HI) {
    throw new Error(
      `${name}: the last 8 bytes are not the table magic 0xdb4775248b80fb57: not a TF1 checkpoint index, or truncated`,
    );
  }
  const [, p] = readHandle(f, 0, `${name} footer`); // metaindex (unused)
  const [indexHandle] = readHandle(f, p, `${name} footer`);
  const index = blockEntries(readBlock(file, indexHandle, name, 'index block'), name, 'index block');
  const td = new TextDecoder();
  const out: [string, Uint8Array][] = [];
  for (const [, v] of index) {
    const [h] = readHandle(v, 0, `${name} index entry`);
    for (const [k, val] of blockEntries(
      readBlock(file, h, name, `data block at ${h.offset}`),
      name,
      `data block at ${h.offset}`,
    )) {
      out.push([td.decode(k), val]);
    }
  }
  return out;
}

function u32le(out: number[], v: number) {
  out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
}

function buildBlock(entries: [Uint8Array, Uint8Array][], restartInterval: number): Uint8Array {
  const out: number[] = [];
  const restarts: number[] = [];
  let prev: Uint8Array = new Uint8Array(0);
  entries.forEach(([k, v], i) => {
    let shared = 0;
    if (i % restartInterval === 0) restarts.push(out.length);
    else while (shared < prev.length && shared < k.length && prev[shared] === k[shared]) shared++;
    writeVarint(out, shared);
    writeVarint(out, k.length - shared);
    writeVarint(out, v.length);
    for (let j = shared; j < k.length; j++) out.push(k[j]);
    for (let j = 0; j < v.length; j++) out.push(v[j]);
    prev = k;
  });
  if (restarts.length === 0) restarts.push(0);
  for (const r of restarts) u32le(out, r);
  u32le(out, restarts.length);
  return Uint8Array.from(out);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Writes a table (uncompressed blocks, CRCs, restart points every 16 entries,
 * an empty metaindex, an index block and the footer). Keys are sorted bytewise.
 */
export function writeTable(
  entries: [string, Uint8Array][],
  blockSize = 262144,
  /** Tests only: a snappy compressor; data blocks are then written with compression type 1. */
  snappy?: (raw: Uint8Array) => Uint8Array,
): Uint8Array {
  const te = new TextEncoder();
  const sorted = entries
    .map(([k, v]) => [te.encode(k), v] as [Uint8Array, Uint8Array])
    .sort((a, b) => compareBytes(a[0], b[0]));
  for (let i = 1; i < sorted.length; i++) {
    if (compareBytes(sorted[i - 1][0], sorted[i][0]) === 0)
      throw new Error(`table key "${new TextDecoder().decode(sorted[i][0])}" is duplicated`);
  }
  const parts: Uint8Array[] = [];
  let offset = 0;
  const emit = (raw: Uint8Array, compress = false): Handle => {
    const block = compress && snappy ? snappy(raw) : raw;
    const type = compress && snappy ? 1 : 0;
    const trailer = new Uint8Array(5);
    trailer[0] = type;
    const withType = new Uint8Array(block.length + 1);
    withType.set(block);
    withType[block.length] = type;
    new DataView(trailer.buffer).setUint32(1, maskCrc(crc32c(withType)), true);
    const h = { offset, size: block.length };
    parts.push(block, trailer);
    offset += block.length + 5;
    return h;
  };
  const indexEntries: [Uint8Array, Uint8Array][] = [];
  let current: [Uint8Array, Uint8Array][] = [];
  let currentSize = 0;
  const flush = () => {
    if (current.length === 0) return;
    const h = emit(buildBlock(current, 16), true);
    const hv: number[] = [];
    writeVarint(hv, h.offset);
    writeVarint(hv, h.size);
    indexEntries.push([current[current.length - 1][0], Uint8Array.from(hv)]);
    current = [];
    currentSize = 0;
  };
  for (const e of sorted) {
    current.push(e);
    currentSize += e[0].length + e[1].length + 8;
    if (currentSize >= blockSize) flush();
  }
  flush();
  const meta = emit(buildBlock([], 16));
  const index = emit(buildBlock(indexEntries, 1));
  const footer: number[] = [];
  writeVarint(footer, meta.offset);
  writeVarint(footer, meta.size);
  writeVarint(footer, index.offset);
  writeVarint(footer, index.size);
  while (footer.length < 40) footer.push(0);
  u32le(footer, MAGIC_LO);
  u32le(footer, MAGIC_HI);
  parts.push(Uint8Array.from(footer));
  const out = new Uint8Array(offset + FOOTER_LEN);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}
