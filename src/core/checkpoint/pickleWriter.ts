/**
 * A minimal pickle writer (protocol 2) for one thing: a PyTorch state dict, an
 * OrderedDict of name → torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
 * requires_grad, backward_hooks), each storage a persistent id ('storage', torch.FloatStorage,
 * key, 'cpu', numel). Only the globals torch.load(weights_only=True) allows are written.
 */
import { concatBytes } from '../io/bytes.ts';

const OP = {
  PROTO: 0x80,
  STOP: 0x2e,
  MARK: 0x28,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  REDUCE: 0x52,
  SETITEMS: 0x75,
  BINPERSID: 0x51,
  BININT: 0x4a,
  LONG1: 0x8a,
  BINUNICODE: 0x58,
  GLOBAL: 0x63,
  NEWFALSE: 0x89,
} as const;

/** One tensor of the state dict: a whole float32 storage, row-major. */
export interface PickledTensor {
  name: string;
  shape: number[];
  /** the storage's key: its file in the archive's data/ folder */
  storageKey: string;
}

class Pickle {
  private parts: Uint8Array[] = [];
  private ops: number[] = [];
  private flushOps() {
    if (this.ops.length) this.parts.push(Uint8Array.from(this.ops));
    this.ops = [];
  }
  op(...codes: number[]) {
    this.ops.push(...codes);
    return this;
  }
  int(v: number) {
    if (!Number.isSafeInteger(v)) throw new Error(`pickle: ${v} is not an integer`);
    if (v >= -(2 ** 31) && v < 2 ** 31)
      return this.op(OP.BININT, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    // LONG1: little-endian two's complement, 8 bytes are enough for any safe integer
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
    return this.op(OP.LONG1, 8, ...b);
  }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.op(
      OP.BINUNICODE,
      b.length & 0xff,
      (b.length >>> 8) & 0xff,
      (b.length >>> 16) & 0xff,
      (b.length >>> 24) & 0xff,
    );
    this.flushOps();
    this.parts.push(b);
    return this;
  }
  global(module: string, name: string) {
    this.op(OP.GLOBAL);
    this.flushOps();
    this.parts.push(new TextEncoder().encode(`${module}\n${name}\n`));
    return this;
  }
  intTuple(values: number[]) {
    this.op(OP.MARK);
    for (const v of values) this.int(v);
    return this.op(OP.TUPLE);
  }
  bytes(): Uint8Array {
    this.flushOps();
    return concatBytes(this.parts);
  }
}

function rowMajorStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** The data.pkl of a state dict whose tensors each fill one float32 storage. */
export function stateDictPickleBytes(tensors: PickledTensor[]): Uint8Array {
  const p = new Pickle().op(OP.PROTO, 2);
  p.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE, OP.REDUCE).op(OP.MARK);
  for (const t of tensors) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    p.str(t.name);
    p.global('torch._utils', '_rebuild_tensor_v2').op(OP.MARK);
    p.op(OP.MARK).str('storage').global('torch', 'FloatStorage').str(t.storageKey).str('cpu').int(numel);
    p.op(OP.TUPLE, OP.BINPERSID);
    p.int(0).intTuple(t.shape).intTuple(rowMajorStrides(t.shape)).op(OP.NEWFALSE);
    p.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE, OP.REDUCE);
    p.op(OP.TUPLE, OP.REDUCE);
  }
  return p.op(OP.SETITEMS, OP.STOP).bytes();
}
