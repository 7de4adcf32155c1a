/**
 * Test fixtures made by the tests themselves: a tiny BERT config, seeded random
 * weights (every value distinct, so a transposed or swapped tensor shows), and
 * hand-written PyTorch pickles (zip and legacy layouts) and safetensors files.
 * Used only by tests (the checkpoint readers' and the CLI's).
 */
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { parseBertConfig, type BertConfig } from '../core/model/config.ts';
import { expectedShapes, type WeightParts, type Weights } from '../core/model/weights.ts';
import { numElements } from '../core/checkpoint/tensorRecord.ts';
import { concatBytes } from '../core/io/bytes.ts';

export function tinyConfig(over: Partial<BertConfig> = {}): BertConfig {
  return parseBertConfig({
    vocab_size: 23,
    hidden_size: 8,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 12,
    max_position_embeddings: 16,
    type_vocab_size: 2,
    ...over,
  });
}

export function tinyVocab(n: number): string[] {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  return Array.from({ length: n }, (_, i) => specials[i] ?? `tok${i}\u2028x`);
}

/** Seeded random float32 values in [-1, 1). */
export function randomFloats(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Random arrays for every canonical weight. */
export function randomArrays(
  cfg: BertConfig,
  parts: WeightParts,
  seed = 1,
): Map<string, { shape: number[]; data: Float32Array }> {
  const m = new Map<string, { shape: number[]; data: Float32Array }>();
  let k = 0;
  for (const [name, shape] of expectedShapes(cfg, parts))
    m.set(name, { shape, data: randomFloats(numElements(shape), seed * 7919 + ++k) });
  return m;
}

export function arraysToWeights(arrays: Map<string, { shape: number[]; data: Float32Array }>): Weights {
  const w: Weights = {};
  for (const [n, { shape, data }] of arrays) w[n] = tf.tensor(data.slice(), shape, 'float32');
  return w;
}

/** Writes a safetensors file from raw entries (any dtype string; data as bytes). */
export function safetensorsFile(
  entries: { name: string; dtype: string; shape: number[]; bytes: Uint8Array; offsets?: [number, number] }[],
  opts: { headerLenOverride?: number; truncateTo?: number } = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: e.offsets ?? [off, off + e.bytes.length] };
    off += e.bytes.length;
  }
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(opts.headerLenOverride ?? h.length), true);
  out.set(h, 8);
  let p = 8 + h.length;
  for (const e of entries) {
    out.set(e.bytes, p);
    p += e.bytes.length;
  }
  return opts.truncateTo !== undefined ? out.slice(0, opts.truncateTo) : out;
}

export function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** A tiny hand-written pickle writer (protocol 2), for test fixtures. */
export class PickleWriter {
  private out: number[] = [];
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
  raw(...b: number[]) {
    this.out.push(...b);
    return this;
  }
  proto() {
    return this.raw(0x80, 2);
  }
  stop() {
    return this.raw(0x2e);
  }
  mark() {
    return this.raw(0x28);
  }
  tuple() {
    return this.raw(0x74);
  }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.raw(0x58, b.length & 0xff, (b.length >>> 8) & 0xff, (b.length >>> 16) & 0xff, b.length >>> 24);
    return this.raw(...b);
  }
  int(v: number) {
    return this.raw(0x4a, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  global(module: string, name: string) {
    this.raw(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
    return this;
  }
  intTuple(v: number[]) {
    this.mark();
    for (const x of v) this.int(x);
    return this.tuple();
  }
}

export interface PtTensor {
  name: string;
  shape: number[];
  data: Float32Array;
  /** Storage type name, default FloatStorage. */
  storage?: string;
  /** Raw storage bytes (default: f32 of data). */
  bytes?: Uint8Array;
  /** Strides (default row-major), to write a non-contiguous view. */
  stride?: number[];
  /** Storage offset in elements (default 0). */
  offset?: number;
}

function rowMajor(shape: number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** The state-dict pickle; storage i has key keys[i]. */
export function stateDictPickle(
  tensors: PtTensor[],
  keys: string[],
  legacy: boolean,
  forbidden?: [string, string],
): Uint8Array {
  const w = new PickleWriter().proto();
  w.global('collections', 'OrderedDict').raw(0x29, 0x52); // OrderedDict()
  w.mark();
  tensors.forEach((t, i) => {
    w.str(t.name);
    if (forbidden && i === 0) {
      w.global(forbidden[0], forbidden[1]).mark().str('echo hi').tuple().raw(0x52);
      return;
    }
    const item = { HalfStorage: 2, BFloat16Storage: 2, LongStorage: 8, DoubleStorage: 8 }[t.storage ?? ''] ?? 4;
    const numel = t.bytes ? t.bytes.length / item : t.data.length;
    w.global('torch._utils', '_rebuild_tensor_v2').mark();
    w.mark()
      .str('storage')
      .global('torch', t.storage ?? 'FloatStorage')
      .str(keys[i])
      .str('cpu')
      .int(numel);
    if (legacy) w.raw(0x4e);
    w.tuple().raw(0x51); // BINPERSID
    w.int(t.offset ?? 0)
      .intTuple(t.shape)
      .intTuple(t.stride ?? rowMajor(t.shape))
      .raw(0x89);
    w.global('collections', 'OrderedDict').raw(0x29, 0x52);
    w.tuple().raw(0x52);
  });
  w.raw(0x75); // SETITEMS
  return w.stop().bytes();
}

/** A zip-format (torch ≥ 1.6) pytorch_model.bin. */
export function pytorchZipFile(tensors: PtTensor[], opts: { forbidden?: [string, string] } = {}): Uint8Array {
  const keys = tensors.map((_, i) => String(i));
  const tree: Record<string, [Uint8Array, { level: 0 }]> = {
    'archive/data.pkl': [stateDictPickle(tensors, keys, false, opts.forbidden), { level: 0 }],
    'archive/byteorder': [new TextEncoder().encode('little'), { level: 0 }],
    'archive/version': [new TextEncoder().encode('3\n'), { level: 0 }],
  };
  tensors.forEach((t, i) => {
    tree[`archive/data/${keys[i]}`] = [t.bytes ?? f32Bytes(t.data), { level: 0 }];
  });
  return zipSync(tree);
}

/** A legacy (pre-1.6) pytorch_model.bin. */
export function pytorchLegacyFile(tensors: PtTensor[]): Uint8Array {
  const keys = tensors.map((_, i) => `9400${i}`);
  const magic = new PickleWriter()
    .proto()
    .raw(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19)
    .stop()
    .bytes();
  const proto = new PickleWriter().proto().raw(0x4d, 0xe9, 0x03).stop().bytes();
  const sys = new PickleWriter()
    .proto()
    .raw(0x7d)
    .mark()
    .str('protocol_version')
    .int(1001)
    .str('little_endian')
    .raw(0x88)
    .raw(0x75)
    .stop()
    .bytes();
  const main = stateDictPickle(tensors, keys, true);
  const kl = new PickleWriter().proto().raw(0x5d).mark();
  for (const k of keys) kl.str(k);
  const keyList = kl.raw(0x65).stop().bytes();
  const parts: Uint8Array[] = [magic, proto, sys, main, keyList];
  tensors.forEach((t) => {
    const bytes = t.bytes ?? f32Bytes(t.data);
    const item = { HalfStorage: 2, BFloat16Storage: 2, LongStorage: 8, DoubleStorage: 8 }[t.storage ?? ''] ?? 4;
    const n = new Uint8Array(8);
    new DataView(n.buffer).setBigInt64(0, BigInt(bytes.length / item), true);
    parts.push(n, bytes);
  });
  return concatBytes(parts);
}

/** Blob map helper: name → bytes. */
export function blobs(files: Record<string, Uint8Array | string>): Map<string, Blob> {
  const m = new Map<string, Blob>();
  for (const [k, v] of Object.entries(files))
    m.set(k, new Blob([typeof v === 'string' ? v : (v as Uint8Array<ArrayBuffer>)]));
  return m;
}
