/**
 * A short stable fingerprint of a weight set, computed while loading: a 64-bit
 * hash (two independent 32-bit multiply-xor lanes) over the config and, for
 * every tensor, its name, shape and a sample of its values (all values of small
 * tensors, ~1024 evenly spaced ones of large tensors). Tensors are combined in
 * name order, so the same weights give the same fingerprint from any format.
 * It keys the teacher-output cache.
 */

const FNV_PRIME = 0x01000193;

class Hash64 {
  a = 0x811c9dc5;
  b = 0x050c5d1f;
  word(w: number): void {
    this.a = Math.imul(this.a ^ (w & 0xffff), FNV_PRIME);
    this.a = Math.imul(this.a ^ (w >>> 16), FNV_PRIME);
    this.b = Math.imul(this.b ^ w, 0x5bd1e995);
    this.b ^= this.b >>> 13;
  }
  string(s: string): void {
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
    this.word(0xffffffff);
  }
  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

export class Fingerprint {
  private readonly parts = new Map<string, string>();
  private config = '';

  addString(s: string): void {
    this.config += s;
  }

  /** Adds a tensor's name, shape and sampled values. */
  addTensor(name: string, shape: readonly number[], data: Float32Array): void {
    const u = new Uint32Array(data.buffer, data.byteOffset, data.length);
    this.addSampled(name, shape, data.length, (i) => u[i]);
  }

  /**
   * The same for a tensor whose float32 bits are computed on demand (a float16 tensor's widened
   * values): only the sampled ones are made, and the fingerprint is the one its float32 values give.
   */
  addSampled(name: string, shape: readonly number[], length: number, bitsAt: (i: number) => number): void {
    const h = new Hash64();
    h.string(name);
    for (const d of shape) h.word(d);
    h.word(length);
    const step = length <= 65536 ? 1 : Math.floor(length / 1024);
    for (let i = 0; i < length; i += step) h.word(bitsAt(i));
    if (length) h.word(bitsAt(length - 1));
    this.parts.set(name, h.hex());
  }

  /** 16 hex digits. */
  digest(): string {
    const h = new Hash64();
    h.string(this.config);
    for (const name of [...this.parts.keys()].sort()) h.string(this.parts.get(name)!);
    return h.hex();
  }
}

/** Full-content hash of float data (used to compare a tied decoder with the embeddings). */
export function contentHash(data: Float32Array): string {
  const u = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let i = 0; i < u.length; i++) {
    a = Math.imul(a ^ u[i], FNV_PRIME);
    b = Math.imul(b ^ u[i], 0x5bd1e995) ^ (b >>> 15);
  }
  return `${a >>> 0}:${b >>> 0}:${u.length}`;
}
