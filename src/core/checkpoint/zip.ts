/**
 * Minimal zip directory reader for PyTorch ≥ 1.6 checkpoints: reads the central
 * directory (zip64 included) from the end of a Blob and locates each entry's
 * data, so storages can be read with slice() without unpacking the archive.
 * Only stored (uncompressed) entries can be read in place; PyTorch stores all.
 */
import { readRange } from './tensorRecord.ts';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const u64 = (b: Uint8Array, o: number) => u32(b, o) + u32(b, o + 4) * 2 ** 32;

/** True when the blob starts with a zip local-file signature. */
export async function looksLikeZip(blob: Blob): Promise<boolean> {
  if (blob.size < 4) return false;
  const b = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
  return b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

/** Reads the central directory: entry name → entry. */
export async function readZipDirectory(blob: Blob, file: string): Promise<Map<string, ZipEntry>> {
  const tailLen = Math.min(blob.size, 22 + 65535 + 20);
  const tailStart = blob.size - tailLen;
  const tail = await readRange(blob, tailStart, blob.size, file, 'zip end record');
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    throw new Error(`${file}: no zip end-of-central-directory record found: the file is truncated or not a zip`);
  let count = u16(tail, eocd + 10);
  let cdSize = u32(tail, eocd + 12);
  let cdOffset = u32(tail, eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(tail, loc) !== 0x07064b50)
      throw new Error(`${file}: zip64 locator missing before byte ${tailStart + eocd}`);
    const z64Off = u64(tail, loc + 8);
    const z = await readRange(blob, z64Off, z64Off + 56, file, 'zip64 end record');
    if (u32(z, 0) !== 0x06064b50) throw new Error(`${file}: bad zip64 end record at byte ${z64Off}`);
    count = u64(z, 32);
    cdSize = u64(z, 40);
    cdOffset = u64(z, 48);
  }
  const cd = await readRange(blob, cdOffset, cdOffset + cdSize, file, 'zip central directory');
  const entries = new Map<string, ZipEntry>();
  const td = new TextDecoder();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || u32(cd, p) !== 0x02014b50) {
      throw new Error(`${file}: zip central directory entry ${i} at byte ${cdOffset + p} is malformed`);
    }
    const method = u16(cd, p + 10);
    let compressedSize = u32(cd, p + 20);
    let size = u32(cd, p + 24);
    const nameLen = u16(cd, p + 28);
    const extraLen = u16(cd, p + 30);
    const commentLen = u16(cd, p + 32);
    let localHeaderOffset = u32(cd, p + 42);
    const name = td.decode(cd.subarray(p + 46, p + 46 + nameLen));
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(cd, e);
      const len = u16(cd, e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) (size = u64(cd, q)), (q += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(cd, q)), (q += 8);
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(cd, q);
      }
      e += 4 + len;
    }
    entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

/** Byte offset in the blob where an entry's data starts (after its local header). */
export async function zipEntryDataStart(blob: Blob, entry: ZipEntry, file: string): Promise<number> {
  const h = await readRange(
    blob,
    entry.localHeaderOffset,
    entry.localHeaderOffset + 30,
    file,
    `zip local header of "${entry.name}"`,
  );
  if (u32(h, 0) !== 0x04034b50)
    throw new Error(`${file}: zip local header of "${entry.name}" at byte ${entry.localHeaderOffset} is malformed`);
  const start = entry.localHeaderOffset + 30 + u16(h, 26) + u16(h, 28);
  if (start + entry.compressedSize > blob.size) {
    throw new Error(
      `${file}: truncated: zip entry "${entry.name}" needs bytes ${start}..${start + entry.compressedSize} but the file has ${blob.size}`,
    );
  }
  return start;
}
