/**
 * The few protobuf messages a TF1 checkpoint index needs (BundleHeaderProto,
 * BundleEntryProto, TensorShapeProto), decoded and encoded by hand.
 */
import { readVarint, writeVarint } from './sstable.ts';

/** TF DataType enum values the checkpoint code knows. */
export const TF_DTYPES: Record<number, { name: string; size: number }> = {
  1: { name: 'DT_FLOAT', size: 4 },
  2: { name: 'DT_DOUBLE', size: 8 },
  3: { name: 'DT_INT32', size: 4 },
  4: { name: 'DT_UINT8', size: 1 },
  5: { name: 'DT_INT16', size: 2 },
  6: { name: 'DT_INT8', size: 1 },
  7: { name: 'DT_STRING', size: 0 },
  9: { name: 'DT_INT64', size: 8 },
  10: { name: 'DT_BOOL', size: 1 },
  14: { name: 'DT_BFLOAT16', size: 2 },
  19: { name: 'DT_HALF', size: 2 },
};

export interface BundleEntry {
  dtype: number;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  crc32c?: number;
  hasSlices: boolean;
}

export interface BundleHeader {
  numShards: number;
  endianness: number;
  version?: { producer: number; minConsumer: number };
}

type Field = { no: number; wire: number; value: number | Uint8Array };

function fields(b: Uint8Array, where: string): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < b.length) {
    let tag: number;
    [tag, pos] = readVarint(b, pos, where);
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      let v: number;
      [v, pos] = readVarint(b, pos, where);
      out.push({ no, wire, value: v });
    } else if (wire === 1) {
      if (pos + 8 > b.length) throw new Error(`${where}: truncated 64-bit field`);
      const dv = new DataView(b.buffer, b.byteOffset + pos, 8);
      out.push({ no, wire, value: dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32 });
      pos += 8;
    } else if (wire === 2) {
      let len: number;
      [len, pos] = readVarint(b, pos, where);
      if (pos + len > b.length) throw new Error(`${where}: truncated field ${no}`);
      out.push({ no, wire, value: b.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 5) {
      if (pos + 4 > b.length) throw new Error(`${where}: truncated 32-bit field`);
      out.push({ no, wire, value: new DataView(b.buffer, b.byteOffset + pos, 4).getUint32(0, true) });
      pos += 4;
    } else throw new Error(`${where}: unsupported protobuf wire type ${wire}`);
  }
  return out;
}

function decodeShape(b: Uint8Array, where: string): number[] {
  const dims: number[] = [];
  for (const f of fields(b, where)) {
    if (f.no === 2 && f.value instanceof Uint8Array) {
      let size = 0;
      for (const d of fields(f.value, where)) if (d.no === 1 && typeof d.value === 'number') size = d.value;
      dims.push(size);
    } else if (f.no === 3 && f.value === 1) throw new Error(`${where}: shape is unknown rank`);
  }
  return dims;
}

export function decodeBundleEntry(b: Uint8Array, where: string): BundleEntry {
  const e: BundleEntry = { dtype: 0, shape: [], shardId: 0, offset: 0, size: 0, hasSlices: false };
  for (const f of fields(b, where)) {
    if (f.no === 1) e.dtype = f.value as number;
    else if (f.no === 2) e.shape = decodeShape(f.value as Uint8Array, where);
    else if (f.no === 3) e.shardId = f.value as number;
    else if (f.no === 4) e.offset = f.value as number;
    else if (f.no === 5) e.size = f.value as number;
    else if (f.no === 6) e.crc32c = f.value as number;
    else if (f.no === 7) e.hasSlices = true;
  }
  return e;
}

export function decodeBundleHeader(b: Uint8Array, where: string): BundleHeader {
  const h: BundleHeader = { numShards: 1, endianness: 0 };
  for (const f of fields(b, where)) {
    if (f.no === 1) h.numShards = f.value as number;
    else if (f.no === 2) h.endianness = f.value as number;
    else if (f.no === 3) {
      const v = { producer: 0, minConsumer: 0 };
      for (const g of fields(f.value as Uint8Array, where)) {
        if (g.no === 1) v.producer = g.value as number;
        if (g.no === 2) v.minConsumer = g.value as number;
      }
      h.version = v;
    }
  }
  return h;
}

function lenField(out: number[], no: number, body: number[]) {
  writeVarint(out, no * 8 + 2);
  writeVarint(out, body.length);
  out.push(...body);
}

export function encodeBundleEntry(e: {
  dtype: number;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  crc32c: number;
}): Uint8Array {
  const out: number[] = [];
  writeVarint(out, 1 * 8);
  writeVarint(out, e.dtype);
  const shape: number[] = [];
  for (const d of e.shape) {
    const dim: number[] = [];
    writeVarint(dim, 1 * 8);
    writeVarint(dim, d);
    lenField(shape, 2, dim);
  }
  lenField(out, 2, shape);
  if (e.shardId) {
    writeVarint(out, 3 * 8);
    writeVarint(out, e.shardId);
  }
  if (e.offset) {
    writeVarint(out, 4 * 8);
    writeVarint(out, e.offset);
  }
  writeVarint(out, 5 * 8);
  writeVarint(out, e.size);
  writeVarint(out, 6 * 8 + 5);
  out.push(e.crc32c & 0xff, (e.crc32c >>> 8) & 0xff, (e.crc32c >>> 16) & 0xff, (e.crc32c >>> 24) & 0xff);
  return Uint8Array.from(out);
}

/** BundleHeaderProto { num_shards, endianness LITTLE, version { producer: 1 } } */
export function encodeBundleHeader(numShards: number): Uint8Array {
  const out: number[] = [];
  writeVarint(out, 1 * 8);
  writeVarint(out, numShards);
  const ver: number[] = [];
  writeVarint(ver, 1 * 8);
  writeVarint(ver, 1);
  lenField(out, 3, ver);
  return Uint8Array.from(out);
}
