/**
 * Safetensors reader: an 8-byte little-endian header length, a JSON header
 * { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} },
 * then the raw little-endian data. F32, F16 and BF16 are converted to float32.
 * The header is fully checked (sizes, offsets, overlaps, dtypes) before any data is read.
 * `float16Tensors()` leaves F16 tensors as their float16 bits (see heldCheckpoint.ts).
 */
import {
  bytesToFloat32,
  type FLOAT_BYTES,
  type HalfTensorRecord,
  numElements,
  readRange,
  type TensorInfo,
  type TensorRecord,
  type TensorSource,
} from './tensorRecord.ts';

const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  U16: 2,
  U32: 4,
  U64: 8,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};
const FLOAT_KIND: Record<string, keyof typeof FLOAT_BYTES> = { F32: 'f32', F16: 'f16', BF16: 'bf16', F64: 'f64' };

/** Largest JSON header accepted (the format itself caps it at 100 MB). */
const MAX_HEADER = 100_000_000;

interface Entry extends TensorInfo {
  begin: number;
  end: number;
}

/** True when a safetensors dtype is one this reader converts to float32. */
export function isSafetensorsFloat(dtype: string): boolean {
  return dtype in FLOAT_KIND;
}

/** Parses and validates the header; reading the data waits for `tensors()`. */
export async function openSafetensors(
  blob: Blob,
  file: string,
): Promise<TensorSource & { metadata: Record<string, string> }> {
  if (blob.size < 8)
    throw new Error(
      `${file}: truncated: a safetensors file starts with an 8-byte header length, the file has ${blob.size} bytes`,
    );
  const lenBytes = await readRange(blob, 0, 8, file, 'header length');
  const dv = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen > blob.size - 8) {
    throw new Error(
      `${file}: header length ${headerLen} (bytes 0..8) runs past the end of the file (${blob.size} bytes): truncated or not a safetensors file`,
    );
  }
  if (headerLen > MAX_HEADER) throw new Error(`${file}: header length ${headerLen} is larger than the format allows`);
  const headerBytes = await readRange(blob, 8, 8 + headerLen, file, 'JSON header');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new Error(`${file}: the JSON header (bytes 8..${8 + headerLen}) does not parse: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new Error(`${file}: the header is not a JSON object`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = blob.size - dataStart;
  const entries: Entry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const where = `${file}: tensor "${name}"`;
    if (typeof e !== 'object' || e === null) throw new Error(`${where}: header entry is not an object`);
    if (typeof e.dtype !== 'string') throw new Error(`${where}: dtype missing`);
    const width = DTYPE_BYTES[e.dtype];
    if (width === undefined)
      throw new Error(`${where}: unsupported dtype "${e.dtype}" (this reader reads F32, F16, BF16)`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`${where}: shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`);
    }
    const off = e.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => Number.isInteger(d) && d >= 0) ||
      off[1] < off[0]
    ) {
      throw new Error(`${where}: data_offsets ${JSON.stringify(off)} are not [begin, end]`);
    }
    const shape = e.shape as number[];
    const [begin, end] = off as [number, number];
    if (end > dataLen) {
      throw new Error(
        `${where}: data_offsets [${begin}, ${end}] run past the end of the data (${dataLen} bytes after the header): the file is truncated or the header lies`,
      );
    }
    const expected = numElements(shape) * width;
    if (end - begin !== expected) {
      throw new Error(
        `${where}: shape [${shape}] × ${e.dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
    entries.push({ name, shape, dtype: e.dtype, byteLength: end - begin, begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) {
      throw new Error(
        `${file}: tensors "${sorted[i - 1].name}" [${sorted[i - 1].begin}, ${sorted[i - 1].end}] and "${sorted[i].name}" [${sorted[i].begin}, ${sorted[i].end}] overlap in the data`,
      );
    }
  }
  const totalBytes = entries.reduce((s, e) => s + e.byteLength, 0);
  /** One tensor's bytes, read with a ranged read of the file. */
  const readEntry = async (e: Entry) => {
    const kind = FLOAT_KIND[e.dtype];
    if (!kind)
      throw new Error(`${file}: tensor "${e.name}" has dtype ${e.dtype}; only F32, F16 and BF16 weights can be loaded`);
    const bytes = await readRange(blob, dataStart + e.begin, dataStart + e.end, file, `tensor "${e.name}"`);
    return { kind, bytes };
  };
  return {
    file,
    totalBytes,
    metadata,
    infos: entries.map(({ name, shape, dtype, byteLength }) => ({ name, shape, dtype, byteLength })),
    skipped: [],
    async *tensors(wanted?: Set<string>): AsyncGenerator<TensorRecord> {
      for (const e of sorted) {
        if (wanted && !wanted.has(e.name)) continue;
        const { kind, bytes } = await readEntry(e);
        yield { name: e.name, shape: e.shape, data: bytesToFloat32(bytes, kind, numElements(e.shape)) };
      }
    },
    async *float16Tensors(wanted?: Set<string>): AsyncGenerator<TensorRecord | HalfTensorRecord> {
      for (const e of sorted) {
        if (wanted && !wanted.has(e.name)) continue;
        const { kind, bytes } = await readEntry(e);
        // readRange returns a fresh buffer starting at offset 0, so the uint16 view is aligned
        if (kind === 'f16')
          yield { name: e.name, shape: e.shape, half: new Uint16Array(bytes.buffer, 0, bytes.byteLength / 2) };
        else yield { name: e.name, shape: e.shape, data: bytesToFloat32(bytes, kind, numElements(e.shape)) };
      }
    },
  };
}
