/**
 * A small safetensors writer (F32 or F16) for the demo teacher, used until the
 * project's exporter in src/core/checkpoint lands. Layout: 8-byte little-endian
 * header length, JSON header (names sorted, data_offsets relative to the data
 * section), then the raw little-endian data, header padded with spaces to 8 bytes.
 */
import { encodeFloat16 } from '../../src/core/distill/float16.ts';

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export function writeSafetensors(tensors: NamedArray[], dtype: 'F32' | 'F16', metadata: Record<string, string> = {}): Uint8Array<ArrayBuffer> {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const elem = dtype === 'F16' ? 2 : 4;
  let offset = 0;
  for (const t of sorted) {
    const bytes = t.data.length * elem;
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of sorted) {
    const raw = dtype === 'F16' ? encodeFloat16(t.data) : t.data;
    const view = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    out.set(view, pos); // little-endian hosts only (every JS engine the project targets)
    pos += view.byteLength;
  }
  return out;
}
