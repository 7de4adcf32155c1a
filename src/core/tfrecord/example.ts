/**
 * Protocol-buffer encoding and decoding of tf.train.Example, the message inside
 * each record of a TFRecord file:
 *   Example { Features features = 1 }
 *   Features { map<string, Feature> feature = 1 }  (map entry: key = 1, value = 2)
 *   Feature { oneof { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3 } }
 *   BytesList { repeated bytes value = 1 }  FloatList { repeated float value = 1 }  Int64List { repeated int64 value = 1 }
 *
 * Writing: features go out sorted by name (JavaScript string order, which for ASCII
 * names is the byte order protobuf's deterministic serialisation uses), floats and
 * int64s packed, negative int64s as 10-byte varints; sizes are computed first and
 * everything is written into one buffer. Reading accepts packed and unpacked lists,
 * any entry order, and skips unknown fields.
 */

export type Feature =
  | { kind: 'int64'; values: number[] | Int32Array }
  | { kind: 'float'; values: Float32Array | number[] }
  | { kind: 'bytes'; values: Uint8Array[] };

export type Features = Map<string, Feature> | Record<string, Feature>;

const utf8 = new TextEncoder();
const keyCache = new Map<string, Uint8Array>();
function keyBytes(name: string): Uint8Array {
  let k = keyCache.get(name);
  if (!k) {
    k = utf8.encode(name);
    if (keyCache.size < 4096) keyCache.set(name, k);
  }
  return k;
}

function varintSize(n: number): number {
  // n is a non-negative length or uint32 here
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  if (n < 0x800000000) return 5;
  let s = 5;
  n = Math.floor(n / 0x800000000);
  while (n > 0) {
    s++;
    n = Math.floor(n / 128);
  }
  return s;
}

function int64Size(v: number): number {
  if (v < 0) return 10;
  return varintSize(v);
}

function checkInt64(v: number, name: string): void {
  if (!Number.isSafeInteger(v)) {
    throw new Error(`feature "${name}": int64 value ${v} is not an integer JavaScript can hold exactly`);
  }
}

/** Encode a tf.train.Example. Feature order on the wire: sorted by name. */
export function encodeExample(features: Features): Uint8Array<ArrayBuffer> {
  const entries: [string, Feature][] = features instanceof Map ? [...features.entries()] : Object.entries(features);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const m = entries.length;
  // per feature: payload size of the packed values / list, and the Feature message size
  const listSizes = new Array<number>(m);
  const valSizes = new Array<number>(m);
  const featSizes = new Array<number>(m);
  const entrySizes = new Array<number>(m);
  let featuresSize = 0;
  for (let i = 0; i < m; i++) {
    const [name, f] = entries[i];
    let list = 0;
    let vals = 0;
    if (f.kind === 'int64') {
      const v = f.values;
      for (let j = 0; j < v.length; j++) {
        const x = v[j];
        if (x >= 0 && x < 0x80000000 && (x | 0) === x) vals += varintSize(x);
        else {
          checkInt64(x, name);
          vals += int64Size(x);
        }
      }
      list = v.length ? 1 + varintSize(vals) + vals : 0;
    } else if (f.kind === 'float') {
      vals = 4 * f.values.length;
      list = vals ? 1 + varintSize(vals) + vals : 0;
    } else if (f.kind === 'bytes') {
      for (const b of f.values) list += 1 + varintSize(b.length) + b.length;
    } else {
      throw new Error(`feature "${name}": unknown kind ${(f as { kind: unknown }).kind}`);
    }
    valSizes[i] = vals;
    listSizes[i] = list;
    const feat = 1 + varintSize(list) + list;
    featSizes[i] = feat;
    const kl = keyBytes(name).length;
    const entry = 1 + varintSize(kl) + kl + 1 + varintSize(feat) + feat;
    entrySizes[i] = entry;
    featuresSize += 1 + varintSize(entry) + entry;
  }
  const total = 1 + varintSize(featuresSize) + featuresSize;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let p = 0;
  out[p++] = 0x0a;
  p = writeVarint(out, p, featuresSize);
  for (let i = 0; i < m; i++) {
    const [name, f] = entries[i];
    const key = keyBytes(name);
    out[p++] = 0x0a;
    p = writeVarint(out, p, entrySizes[i]);
    out[p++] = 0x0a;
    p = writeVarint(out, p, key.length);
    out.set(key, p);
    p += key.length;
    out[p++] = 0x12;
    p = writeVarint(out, p, featSizes[i]);
    out[p++] = f.kind === 'bytes' ? 0x0a : f.kind === 'float' ? 0x12 : 0x1a;
    p = writeVarint(out, p, listSizes[i]);
    if (f.kind === 'int64') {
      if (f.values.length === 0) continue;
      out[p++] = 0x0a;
      p = writeVarint(out, p, valSizes[i]);
      const v = f.values;
      for (let j = 0; j < v.length; j++) {
        let x = v[j];
        if (x >= 0 && x < 0x80000000) {
          while (x >= 0x80) {
            out[p++] = (x & 0x7f) | 0x80;
            x >>>= 7;
          }
          out[p++] = x;
        } else {
          p = writeInt64(out, p, x);
        }
      }
    } else if (f.kind === 'float') {
      const v = f.values;
      if (v.length === 0) continue;
      out[p++] = 0x0a;
      p = writeVarint(out, p, valSizes[i]);
      if (v instanceof Float32Array && LITTLE_ENDIAN) {
        out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), p);
        p += v.byteLength;
      } else {
        for (let j = 0; j < v.length; j++, p += 4) dv.setFloat32(p, v[j], true);
      }
    } else {
      for (const b of f.values) {
        out[p++] = 0x0a;
        p = writeVarint(out, p, b.length);
        out.set(b, p);
        p += b.length;
      }
    }
  }
  if (p !== total) throw new Error(`encodeExample: internal size mismatch (${p} != ${total})`);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function writeVarint(out: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    out[p++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[p++] = n;
  return p;
}

/** A safe integer (possibly negative) as a two's-complement 64-bit varint. */
function writeInt64(out: Uint8Array, p: number, v: number): number {
  let hi = Math.floor(v / 0x100000000);
  let lo = (v - hi * 0x100000000) >>> 0;
  hi = hi >>> 0;
  while (hi !== 0 || lo >= 0x80) {
    out[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi = hi >>> 7;
  }
  out[p++] = lo;
  return p;
}

// ---------------------------------------------------------------- decoding

class Reader {
  p: number;
  constructor(
    readonly b: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.p = start;
  }
  fail(what: string): never {
    throw new Error(`malformed tf.train.Example: ${what} at byte ${this.p}`);
  }
  varint(): number {
    // returns the value as an unsigned number (exact up to 2^53)
    const b = this.b;
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.p >= this.end) this.fail('truncated varint');
      const c = b[this.p++];
      x += (c & 0x7f) * mul;
      if (c < 0x80) return x;
      mul *= 128;
    }
    this.fail('varint longer than 10 bytes');
  }
  /** A varint read as a signed 64-bit integer; throws when it is beyond 2^53. */
  int64(name: string): number {
    const b = this.b;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.p >= this.end) this.fail(`truncated varint in feature "${name}"`);
      const c = b[this.p++];
      if (shift < 28) lo |= (c & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (c & 0x0f) << 28;
        hi |= (c & 0x7f) >>> 4;
      } else hi |= (c & 0x7f) << (shift - 32);
      if (c < 0x80) {
        lo >>>= 0;
        hi >>>= 0;
        const v = hi >= 0x80000000 ? (hi - 0x100000000) * 0x100000000 + lo : hi * 0x100000000 + lo;
        if (!Number.isSafeInteger(v)) {
          this.p--;
          this.fail(`int64 value in feature "${name}" is beyond 2^53`);
        }
        return v;
      }
      shift += 7;
    }
    this.fail(`varint longer than 10 bytes in feature "${name}"`);
  }
  len(): number {
    const n = this.varint();
    if (n > this.end - this.p) this.fail(`length ${n} runs past the end of its message`);
    return n;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.advance(8);
    else if (wire === 2) this.p += this.len();
    else if (wire === 5) this.advance(4);
    else this.fail(`unsupported wire type ${wire}`);
  }
  advance(n: number): void {
    if (n > this.end - this.p) this.fail('truncated field');
    this.p += n;
  }
}

const utf8Decoder = new TextDecoder('utf-8');

/** Decode a tf.train.Example into its features (int64 as numbers, floats as Float32Array). */
export function decodeExample(bytes: Uint8Array): Map<string, Feature> {
  const out = new Map<string, Feature>();
  const r = new Reader(bytes, 0, bytes.length);
  while (r.p < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) {
      const n = r.len();
      decodeFeatures(new Reader(bytes, r.p, r.p + n), out);
      r.p += n;
    } else r.skip(tag & 7);
  }
  return out;
}

function decodeFeatures(r: Reader, out: Map<string, Feature>): void {
  while (r.p < r.end) {
    const tag = r.varint();
    if (tag !== 0x0a) {
      r.skip(tag & 7);
      continue;
    }
    const n = r.len();
    const e = new Reader(r.b, r.p, r.p + n);
    r.p += n;
    let name = '';
    let feat: Feature = { kind: 'int64', values: [] }; // an empty Feature reads as an empty list
    let featStart = -1;
    let featEnd = -1;
    while (e.p < e.end) {
      const t = e.varint();
      if (t === 0x0a) {
        const kl = e.len();
        name = utf8Decoder.decode(e.b.subarray(e.p, e.p + kl));
        e.p += kl;
      } else if (t === 0x12) {
        const fl = e.len();
        featStart = e.p;
        featEnd = e.p + fl;
        e.p += fl;
      } else e.skip(t & 7);
    }
    if (featStart >= 0) feat = decodeFeature(new Reader(r.b, featStart, featEnd), name);
    out.set(name, feat);
  }
}

function decodeFeature(r: Reader, name: string): Feature {
  let feat: Feature = { kind: 'int64', values: [] };
  while (r.p < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire !== 2 || field < 1 || field > 3) {
      r.skip(wire);
      continue;
    }
    const n = r.len();
    const lr = new Reader(r.b, r.p, r.p + n);
    r.p += n;
    if (field === 1) feat = { kind: 'bytes', values: decodeBytesList(lr) };
    else if (field === 2) feat = { kind: 'float', values: decodeFloatList(lr) };
    else feat = { kind: 'int64', values: decodeInt64List(lr, name) };
  }
  return feat;
}

function decodeBytesList(r: Reader): Uint8Array[] {
  const vals: Uint8Array[] = [];
  while (r.p < r.end) {
    const tag = r.varint();
    if (tag !== 0x0a) {
      r.skip(tag & 7);
      continue;
    }
    const n = r.len();
    const v = new Uint8Array(n); // a copy, also when the input is a Node Buffer (whose slice() shares memory)
    v.set(r.b.subarray(r.p, r.p + n));
    vals.push(v);
    r.p += n;
  }
  return vals;
}

function decodeFloatList(r: Reader): Float32Array {
  // Usually one packed run; collect runs and single values, then join.
  const runs: Float32Array[] = [];
  let count = 0;
  while (r.p < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) {
      const n = r.len();
      if (n % 4) r.fail(`packed float list of ${n} bytes (not a multiple of 4)`);
      runs.push(copyFloats(r.b, r.p, n));
      r.p += n;
      count += n / 4;
    } else if (tag === 0x0d) {
      r.advance(4);
      runs.push(copyFloats(r.b, r.p - 4, 4));
      count++;
    } else r.skip(tag & 7);
  }
  if (!LITTLE_ENDIAN) throw new Error('big-endian platforms are not supported');
  if (runs.length === 1) return runs[0];
  const out = new Float32Array(count);
  let o = 0;
  for (const run of runs) {
    out.set(run, o);
    o += run.length;
  }
  return out;
}

function copyFloats(b: Uint8Array, start: number, nBytes: number): Float32Array {
  const f = new Float32Array(nBytes / 4);
  new Uint8Array(f.buffer).set(b.subarray(start, start + nBytes));
  return f;
}

function decodeInt64List(r: Reader, name: string): number[] {
  const vals: number[] = [];
  while (r.p < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) {
      const n = r.len();
      const end = r.p + n;
      const pr = new Reader(r.b, r.p, end);
      while (pr.p < end) vals.push(pr.int64(name));
      r.p = end;
    } else if (tag === 0x08) {
      vals.push(r.int64(name));
    } else r.skip(tag & 7);
  }
  return vals;
}
