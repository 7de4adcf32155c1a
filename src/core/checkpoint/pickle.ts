/**
 * A restricted unpickler for PyTorch state dicts. It understands the basic
 * opcodes (protocols 0–5), collections.OrderedDict, torch._utils._rebuild_tensor(_v2),
 * torch._utils._rebuild_parameter and torch.*Storage classes referenced through
 * persistent ids — and nothing else. Any other global (os.system, builtins.eval ...)
 * is rejected with an error. Nothing in the file is ever executed: "calls" are
 * interpreted here, by name, from a fixed list.
 */

/** A reference to a Python global that the allowlist accepted. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A torch storage type (torch.FloatStorage ...) with its element type. */
export interface StorageType {
  name: string;
  dtype: 'f32' | 'f16' | 'bf16' | 'f64' | 'i64' | 'i32' | 'i16' | 'i8' | 'u8' | 'bool';
  itemSize: number;
}

export const STORAGE_TYPES: Record<string, StorageType> = Object.fromEntries(
  (
    [
      ['FloatStorage', 'f32', 4],
      ['HalfStorage', 'f16', 2],
      ['BFloat16Storage', 'bf16', 2],
      ['DoubleStorage', 'f64', 8],
      ['LongStorage', 'i64', 8],
      ['IntStorage', 'i32', 4],
      ['ShortStorage', 'i16', 2],
      ['CharStorage', 'i8', 1],
      ['ByteStorage', 'u8', 1],
      ['BoolStorage', 'bool', 1],
    ] as const
  ).map(([name, dtype, itemSize]) => [name, { name, dtype, itemSize }]),
);

/** What the persistent-id loader returns for a storage. */
export interface StorageRef {
  kind: 'storage';
  type: StorageType;
  key: string;
  location: string;
  numel: number;
}

/** A tensor as the pickle describes it: a view (offset, shape, strides) of a storage. */
export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  ...Object.keys(STORAGE_TYPES).map((n) => `torch.${n}`),
]);

/** Thrown when the pickle continues past the bytes given (the caller reads more and retries). */
export class PickleNeedsMoreBytes extends Error {
  constructor() {
    super('pickle continues past the bytes read');
  }
}

export interface UnpickleOptions {
  /** File name for messages. */
  file: string;
  /** Byte offset of `bytes[0]` in the file, for messages. */
  baseOffset?: number;
  /** Whether `bytes` ends where the file ends (otherwise running out means "read more"). */
  complete: boolean;
  /** Resolves a persistent id (PyTorch: ('storage', type, key, location, numel, ...)). */
  persistentLoad?: (pid: unknown) => unknown;
}

/** Result of one pickle: its value and the offset just past its STOP opcode. */
export interface Unpickled {
  value: unknown;
  end: number;
}

/** Unpickles one pickle starting at `start`. */
export function unpickle(bytes: Uint8Array, start: number, opts: UnpickleOptions): Unpickled {
  const base = opts.baseOffset ?? 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const td = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  let pos = start;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();
  const fail = (msg: string, at = pos): never => {
    throw new Error(`${opts.file}: pickle at byte ${base + at}: ${msg}`);
  };
  const need = (n: number) => {
    if (n < 0) fail(`negative byte count ${n}`);
    if (pos + n > bytes.length) {
      if (!opts.complete) throw new PickleNeedsMoreBytes();
      fail(`truncated: needs ${n} more bytes but the file ends`);
    }
  };
  const u8 = () => (need(1), bytes[pos++]);
  /** Moves past n bytes and returns the offset where they start. */
  const advance = (n: number) => {
    need(n);
    pos += n;
    return pos - n;
  };
  const u16 = () => dv.getUint16(advance(2), true);
  const u32 = () => dv.getUint32(advance(4), true);
  const i32 = () => dv.getInt32(advance(4), true);
  /** A signed 4-byte length (LONG4, BINSTRING): negative is an error, as in CPython. */
  const length4 = () => {
    const at = pos;
    const n = i32();
    if (n < 0) fail(`negative byte count ${n}`, at);
    return n;
  };
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const line = () => {
    const s = pos;
    while (true) {
      need(1);
      if (bytes[pos++] === 0x0a) break;
    }
    return latin1.decode(bytes.subarray(s, pos - 1));
  };
  const pop = () => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const items = stack;
    if (metastack.length === 0) fail('MARK expected');
    stack = metastack.pop()!;
    return items;
  };
  const findClass = (module: string, name: string, at: number): PyGlobal => {
    const q = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(q)) {
      fail(
        `refuses global "${q}": a weights file needs only tensors, storages and OrderedDict, so this file is rejected (it may try to run code)`,
        at,
      );
    }
    return new PyGlobal(module, name);
  };
  const longFromBytes = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const call = (fn: unknown, args: unknown, at: number): unknown => {
    if (!(fn instanceof PyGlobal)) return fail('REDUCE on something that is not an allowed global', at);
    const a = Array.isArray(args) ? args : fail('REDUCE arguments are not a tuple', at);
    switch (fn.qualified) {
      case 'collections.OrderedDict':
        return new Map();
      case 'torch._utils._rebuild_tensor':
      case 'torch._utils._rebuild_tensor_v2': {
        const [storage, offset, size, stride] = a as [StorageRef, number, number[], number[]];
        if (!storage || (storage as StorageRef).kind !== 'storage')
          fail('tensor rebuilt from something that is not a storage', at);
        if (!Array.isArray(size) || !Array.isArray(stride) || typeof offset !== 'number')
          fail('tensor rebuild arguments malformed', at);
        return {
          kind: 'tensor',
          storage,
          offset,
          shape: size.map(Number),
          stride: stride.map(Number),
        } satisfies TensorRef;
      }
      case 'torch._utils._rebuild_parameter':
        return a[0];
      default:
        return fail(`"${fn.qualified}" cannot be called`, at);
    }
  };

  while (true) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(longFromBytes(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(longFromBytes(take(length4())));
        break;
      case 0x49: {
        // INT (text)
        const s = line();
        stack.push(s === '00' ? false : s === '01' ? true : Number.parseInt(s, 10));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(Number.parseInt(line().replace(/L$/, ''), 10));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: // FLOAT (text)
        stack.push(Number.parseFloat(line()));
        break;
      case 0x58: // BINUNICODE
        stack.push(td.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(td.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(td.decode(take(u64())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1.decode(take(length4())));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x56: // UNICODE (text, raw-unicode-escape)
        stack.push(line());
        break;
      case 0x53: {
        // STRING (text, quoted)
        const s = line();
        stack.push(s.slice(1, -1));
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: {
        // TUPLE
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) fail('APPEND to something that is not a list', at);
        (l as unknown[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) fail('APPENDS to something that is not a list', at);
        (l as unknown[]).push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const m = new Map();
        for (let i = 0; i + 1 < items.length; i += 2) m.set(items[i], items[i + 1]);
        stack.push(m);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        const m = top();
        if (!(m instanceof Map)) fail('SETITEM on something that is not a dict', at);
        (m as Map<unknown, unknown>).set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const m = top();
        if (!(m instanceof Map)) fail('SETITEMS on something that is not a dict', at);
        for (let i = 0; i + 1 < items.length; i += 2) (m as Map<unknown, unknown>).set(items[i], items[i + 1]);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push([]);
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!Array.isArray(s)) fail('ADDITEMS on something that is not a set', at);
        (s as unknown[]).push(...items);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x70: // PUT
        memo.set(Number.parseInt(line(), 10), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const k = op === 0x67 ? Number.parseInt(line(), 10) : op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`memo key ${k} not defined`, at);
        stack.push(memo.get(k));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(findClass(module, name, at));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings', at);
        stack.push(findClass(module as string, name as string, at));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args, at));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        // OrderedDict state (_metadata) and tensor state are not needed for weights.
        if (!(obj instanceof Map) && !(obj && (obj as TensorRef).kind === 'tensor')) {
          fail('BUILD on an object that is neither a dict nor a tensor', at);
        }
        void state;
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail('persistent id found where none is expected', at);
        stack.push(opts.persistentLoad!(pid));
        break;
      }
      case 0x50: {
        // PERSID
        const pid = line();
        if (!opts.persistentLoad) fail('persistent id found where none is expected', at);
        stack.push(opts.persistentLoad!(pid));
        break;
      }
      case 0x81: // NEWOBJ
      case 0x92: // NEWOBJ_EX
      case 0x69: // INST
      case 0x6f: // OBJ
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        return fail(
          `opcode 0x${op.toString(16)} builds arbitrary objects; a state dict never needs it, so the file is rejected`,
          at,
        );
      default:
        return fail(`unknown or unsupported pickle opcode 0x${op.toString(16)}`, at);
    }
  }
}

/** Reads a storage-type global from a persistent id, failing clearly. */
export function storageTypeOf(g: unknown, file: string): StorageType {
  if (g instanceof PyGlobal && g.module === 'torch' && STORAGE_TYPES[g.name]) return STORAGE_TYPES[g.name];
  throw new Error(
    `${file}: persistent id names ${g instanceof PyGlobal ? g.qualified : String(g)}, not a torch storage type`,
  );
}

/** Turns a PyTorch persistent id tuple ('storage', type, key, location, numel, ...) into a StorageRef. */
export function torchStorageFromPid(pid: unknown, file: string): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
    throw new Error(
      `${file}: unexpected persistent id ${describePickled(pid)}; a PyTorch storage id is ('storage', type, key, location, numel)`,
    );
  }
  const [, type, key, location, numel] = pid;
  return {
    kind: 'storage',
    type: storageTypeOf(type, file),
    key: String(key),
    location: String(location),
    numel: Number(numel),
  };
}

/**
 * A short Python-like rendering of an unpickled value for error messages: a value that
 * contains itself (a pickle can build one through its memo) shows as [...] / {...}, as
 * Python's repr does, and long values are cut.
 */
export function describePickled(value: unknown, maxChars = 200): string {
  const open = new Set<unknown>();
  const show = (v: unknown): string => {
    if (v === null) return 'None';
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'bigint' || typeof v === 'number') return String(v);
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (v instanceof PyGlobal) return v.qualified;
    if (v instanceof Uint8Array) return `bytes(${v.length})`;
    if (Array.isArray(v)) {
      if (open.has(v)) return '[...]';
      open.add(v);
      const s = `(${v.map(show).join(', ')})`;
      open.delete(v);
      return s;
    }
    if (v instanceof Map) {
      if (open.has(v)) return '{...}';
      open.add(v);
      const s = `{${[...v].map(([k, x]) => `${show(k)}: ${show(x)}`).join(', ')}}`;
      open.delete(v);
      return s;
    }
    return typeof v === 'object' ? '<object>' : String(v);
  };
  const s = show(value);
  return s.length > maxChars ? `${s.slice(0, maxChars)}...` : s;
}
