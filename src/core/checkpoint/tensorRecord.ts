/**
 * The unit every checkpoint reader works in: one tensor at a time, read from
 * a Blob with slice() so a whole checkpoint file is never held in memory.
 * Also the byte helpers the readers share (bounded reads, f16/bf16 → f32).
 */

/** One tensor as a reader yields it: canonical or source name, shape, float32 data. */
export interface TensorRecord {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A float16 tensor left as its file's bits (IEEE half, little-endian), for a reader asked to keep float16. */
export interface HalfTensorRecord {
  name: string;
  shape: number[];
  half: Uint16Array;
}

/** What a reader knows about a tensor before reading its bytes (used to validate first). */
export interface TensorInfo {
  name: string;
  shape: number[];
  /** Source dtype as the file spells it (F32, F16, BF16, float32, DT_FLOAT ...). */
  dtype: string;
  /** Bytes of this tensor in the file. */
  byteLength: number;
}

/**
 * A checkpoint reader: the tensor list is known (and validated) before any data
 * is read; `tensors()` then yields each tensor's data one by one.
 */
export interface TensorSource {
  /** File name(s) the tensors come from, for messages. */
  file: string;
  /** Total bytes of weight data the reader will read (progress). */
  totalBytes: number;
  infos: TensorInfo[];
  /** Names the reader skipped on purpose (optimizer slots, counters ...), with the reason. */
  skipped: { name: string; reason: string }[];
  /** Yields tensors in any order; only the names in `wanted` (default: all infos). */
  tensors(wanted?: Set<string>): AsyncGenerator<TensorRecord>;
  /**
   * As `tensors()`, but float16 tensors come as their float16 bits (HalfTensorRecord) instead of
   * widened to float32; readers of formats that hold float16 implement it.
   */
  float16Tensors?(wanted?: Set<string>): AsyncGenerator<TensorRecord | HalfTensorRecord>;
}

/** Reads bytes [start, end) of a blob, failing clearly when the file is shorter. */
export async function readRange(
  blob: Blob,
  start: number,
  end: number,
  file: string,
  what: string,
): Promise<Uint8Array> {
  if (start < 0 || end < start) throw new Error(`${file}: bad byte range ${start}..${end} for ${what}`);
  if (end > blob.size) {
    throw new Error(
      `${file}: truncated: ${what} needs bytes ${start}..${end} but the file has only ${blob.size} bytes`,
    );
  }
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

/** Product of a shape's dimensions (1 for a scalar). */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

const F16_TABLE = (() => {
  // float16 → float32 for all 65536 bit patterns (256 KB, built once).
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    let v: number;
    if (exp === 0) v = frac * 2 ** -24;
    else if (exp === 31) v = frac ? NaN : Infinity;
    else v = (1 + frac / 1024) * 2 ** (exp - 15);
    t[h] = sign * v;
  }
  return t;
})();

/** Little-endian bytes of one dtype → a fresh Float32Array (zero-copy for aligned f32). */
export function bytesToFloat32(bytes: Uint8Array, dtype: 'f32' | 'f16' | 'bf16' | 'f64', count: number): Float32Array {
  switch (dtype) {
    case 'f32': {
      if (bytes.byteOffset % 4 === 0 && bytes.byteLength === count * 4) {
        return new Float32Array(bytes.buffer, bytes.byteOffset, count);
      }
      const out = new Float32Array(count);
      new Uint8Array(out.buffer).set(bytes.subarray(0, count * 4));
      return out;
    }
    case 'f16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = F16_TABLE[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
      return out;
    }
    case 'bf16': {
      const out = new Float32Array(count);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u[i] = ((bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16) >>> 0;
      return out;
    }
    case 'f64': {
      const out = new Float32Array(count);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
      return out;
    }
  }
}

/** float16 bits (a little-endian platform's Uint16Array view of the file's bytes) → a fresh Float32Array. */
export function widenFloat16(half: Uint16Array): Float32Array {
  const out = new Float32Array(half.length);
  widenFloat16Into(half, out);
  return out;
}

/** float16 bits → float32 values written into `out` (at least as long as `half`). */
export function widenFloat16Into(half: Uint16Array, out: Float32Array): void {
  if (out.length < half.length) throw new Error(`widenFloat16Into: ${out.length} slots for ${half.length} values`);
  for (let i = 0; i < half.length; i++) out[i] = F16_TABLE[half[i]];
}

const F16_BITS = new Uint32Array(F16_TABLE.buffer);

/** The float32 bit pattern of one float16 value (exact). */
export function float16ToFloat32Bits(half: number): number {
  return F16_BITS[half];
}

/** Bytes per element of the float dtypes the readers convert. */
export const FLOAT_BYTES = { f32: 4, f16: 2, bf16: 2, f64: 8 } as const;
