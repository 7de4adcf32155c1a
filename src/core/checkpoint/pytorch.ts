/**
 * PyTorch state-dict reader (pytorch_model.bin), both layouts:
 * - zip (torch ≥ 1.6): <prefix>/data.pkl + <prefix>/data/<key>, one stored entry per storage;
 * - legacy: magic-number, protocol and sys_info pickles, the state-dict pickle,
 *   the list of storage keys, then each storage as an int64 element count and raw bytes.
 * The pickles go through the restricted unpickler (pickle.ts); storages are read
 * with slice(), one tensor at a time.
 */
import { looksLikeZip, readZipDirectory, zipEntryDataStart } from './zip.ts';
import { PickleNeedsMoreBytes, torchStorageFromPid, unpickle, type StorageRef, type TensorRef } from './pickle.ts';
import {
  bytesToFloat32,
  numElements,
  readRange,
  type TensorInfo,
  type TensorRecord,
  type TensorSource,
} from './tensorRecord.ts';

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

export type PytorchLayout = 'pytorch-zip' | 'pytorch-legacy';

/** Storage key → byte offset of its first element in the file. */
type StorageOffsets = Map<string, number>;

function stateDictEntries(value: unknown, file: string): [string, TensorRef][] {
  let dict = value;
  // Some trainers save {"state_dict": {...}} or {"model": {...}}.
  if (dict instanceof Map && ![...dict.values()].some((v) => (v as TensorRef)?.kind === 'tensor')) {
    for (const k of ['state_dict', 'model', 'module']) {
      if (dict.get(k) instanceof Map) {
        dict = dict.get(k);
        break;
      }
    }
  }
  if (!(dict instanceof Map)) throw new Error(`${file}: the pickle does not hold a state dict (a dict of tensors)`);
  const out: [string, TensorRef][] = [];
  for (const [k, v] of dict) {
    if ((v as TensorRef)?.kind !== 'tensor') {
      throw new Error(`${file}: state dict entry "${String(k)}" is not a tensor`);
    }
    out.push([String(k), v as TensorRef]);
  }
  return out;
}

/** Is the tensor a plain row-major view? */
function isContiguous(t: TensorRef): boolean {
  let expect = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expect) return false;
    expect *= t.shape[i];
  }
  return true;
}

function makeSource(blob: Blob, file: string, entries: [string, TensorRef][], offsets: StorageOffsets): TensorSource {
  const infos: TensorInfo[] = [];
  for (const [name, t] of entries) {
    const n = numElements(t.shape);
    if (!Number.isInteger(t.offset) || t.offset < 0) {
      throw new Error(
        `${file}: tensor "${name}" starts at element ${t.offset} of storage "${t.storage.key}"; a storage offset must be a non-negative integer`,
      );
    }
    if (t.stride.some((x) => !Number.isInteger(x) || x < 0) || t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new Error(
        `${file}: tensor "${name}" has shape [${t.shape}] and strides [${t.stride}]; both must be non-negative integers`,
      );
    }
    const maxIndex = t.shape.reduce((s, d, i) => s + (d > 0 ? (d - 1) * t.stride[i] : 0), 0);
    if (n > 0 && t.offset + maxIndex >= t.storage.numel) {
      throw new Error(
        `${file}: tensor "${name}" [${t.shape}] reaches element ${t.offset + maxIndex} of storage "${t.storage.key}", which has ${t.storage.numel}`,
      );
    }
    if (!offsets.has(t.storage.key))
      throw new Error(`${file}: tensor "${name}" uses storage "${t.storage.key}", which the file does not contain`);
    infos.push({ name, shape: t.shape, dtype: t.storage.type.dtype, byteLength: n * t.storage.type.itemSize });
  }
  const byName = new Map(entries);
  return {
    file,
    totalBytes: infos.reduce((s, i) => s + i.byteLength, 0),
    infos,
    skipped: [],
    async *tensors(wanted?: Set<string>): AsyncGenerator<TensorRecord> {
      for (const info of infos) {
        if (wanted && !wanted.has(info.name)) continue;
        const t = byName.get(info.name)!;
        const { itemSize, dtype } = t.storage.type;
        if (dtype !== 'f32' && dtype !== 'f16' && dtype !== 'bf16' && dtype !== 'f64') {
          throw new Error(
            `${file}: tensor "${info.name}" is stored as ${t.storage.type.name}; only float weights can be loaded`,
          );
        }
        const base = offsets.get(t.storage.key)!;
        const n = numElements(t.shape);
        if (isContiguous(t)) {
          const start = base + t.offset * itemSize;
          const bytes = await readRange(blob, start, start + n * itemSize, file, `tensor "${info.name}"`);
          yield { name: info.name, shape: t.shape, data: bytesToFloat32(bytes, dtype, n) };
        } else {
          // A strided view: read the span it covers, then gather in row-major order.
          const span = t.shape.reduce((s, d, i) => s + (d > 0 ? (d - 1) * t.stride[i] : 0), 0) + 1;
          const start = base + t.offset * itemSize;
          const bytes = await readRange(blob, start, start + span * itemSize, file, `tensor "${info.name}"`);
          const all = bytesToFloat32(bytes, dtype, span);
          const out = new Float32Array(n);
          const idx = new Array(t.shape.length).fill(0);
          for (let k = 0; k < n; k++) {
            let src = 0;
            for (let d = 0; d < idx.length; d++) src += idx[d] * t.stride[d];
            out[k] = all[src];
            for (let d = idx.length - 1; d >= 0; d--) {
              if (++idx[d] < t.shape[d]) break;
              idx[d] = 0;
            }
          }
          yield { name: info.name, shape: t.shape, data: out };
        }
      }
    },
  };
}

/** Runs `parse` over a growing prefix of the blob until the pickles fit. */
async function withGrowingPrefix<T>(
  blob: Blob,
  start: number,
  file: string,
  parse: (bytes: Uint8Array, complete: boolean) => T,
): Promise<T> {
  let len = Math.min(blob.size - start, 1 << 20);
  while (true) {
    const bytes = await readRange(blob, start, start + len, file, 'pickle');
    const complete = start + len >= blob.size;
    try {
      return parse(bytes, complete);
    } catch (e) {
      if (e instanceof PickleNeedsMoreBytes && !complete) {
        len = Math.min(blob.size - start, len * 4);
        continue;
      }
      throw e;
    }
  }
}

async function openZip(blob: Blob, file: string): Promise<TensorSource> {
  const dir = await readZipDirectory(blob, file);
  const pkl = [...dir.values()].find((e) => e.name.endsWith('data.pkl') && e.name.split('/').length === 2);
  if (!pkl) throw new Error(`${file}: zip archive has no <name>/data.pkl: not a PyTorch checkpoint`);
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  const byteorder = dir.get(`${prefix}byteorder`);
  if (byteorder) {
    const s = await zipEntryDataStart(blob, byteorder, file);
    const v = new TextDecoder().decode(await readRange(blob, s, s + byteorder.compressedSize, file, 'byteorder'));
    if (v.trim() !== 'little')
      throw new Error(`${file}: storages are ${v.trim()}-endian; only little-endian is supported`);
  }
  if (pkl.method !== 0)
    throw new Error(`${file}: ${pkl.name} is compressed (method ${pkl.method}); PyTorch writes it stored`);
  const pklStart = await zipEntryDataStart(blob, pkl, file);
  const pklBytes = await readRange(blob, pklStart, pklStart + pkl.size, file, pkl.name);
  const storages = new Map<string, StorageRef>();
  const { value } = unpickle(pklBytes, 0, {
    file: `${file} (${pkl.name})`,
    complete: true,
    persistentLoad: (pid) => {
      const s = torchStorageFromPid(pid, file);
      storages.set(s.key, s);
      return s;
    },
  });
  const entries = stateDictEntries(value, file);
  const offsets: StorageOffsets = new Map();
  for (const s of storages.values()) {
    const entry = dir.get(`${prefix}data/${s.key}`);
    if (!entry) throw new Error(`${file}: storage "${s.key}" (${prefix}data/${s.key}) is missing from the archive`);
    if (entry.method !== 0)
      throw new Error(
        `${file}: storage entry ${entry.name} is compressed (method ${entry.method}); only stored entries can be read`,
      );
    if (entry.size < s.numel * s.type.itemSize) {
      throw new Error(
        `${file}: storage ${entry.name} holds ${entry.size} bytes but ${s.numel} × ${s.type.name} need ${s.numel * s.type.itemSize}`,
      );
    }
    offsets.set(s.key, await zipEntryDataStart(blob, entry, file));
  }
  return makeSource(blob, file, entries, offsets);
}

async function openLegacy(blob: Blob, file: string): Promise<TensorSource> {
  const storages = new Map<string, StorageRef>();
  const parsed = await withGrowingPrefix(blob, 0, file, (bytes, complete) => {
    storages.clear();
    const magic = unpickle(bytes, 0, { file, complete });
    if (typeof magic.value !== 'bigint' || magic.value !== LEGACY_MAGIC) {
      throw new Error(
        `${file}: not a PyTorch checkpoint: neither a zip archive nor a legacy file (magic number missing at byte 0)`,
      );
    }
    const proto = unpickle(bytes, magic.end, { file, complete });
    if (proto.value !== 1001)
      throw new Error(`${file}: legacy protocol version ${String(proto.value)} is not supported (expected 1001)`);
    const sys = unpickle(bytes, proto.end, { file, complete });
    const sysInfo = sys.value instanceof Map ? sys.value : new Map();
    if (sysInfo.get('little_endian') === false)
      throw new Error(`${file}: saved on a big-endian machine; not supported`);
    const main = unpickle(bytes, sys.end, {
      file,
      complete,
      persistentLoad: (pid) => {
        const s = torchStorageFromPid(pid, file);
        if (Array.isArray(pid) && pid.length > 5 && pid[5] !== null) {
          throw new Error(`${file}: storage "${s.key}" is a view of another storage; such files are not supported`);
        }
        const prev = storages.get(s.key);
        if (prev) return prev;
        storages.set(s.key, s);
        return s;
      },
    });
    const keys = unpickle(bytes, main.end, { file, complete });
    if (!Array.isArray(keys.value))
      throw new Error(`${file}: storage key list missing after the state dict (byte ${main.end})`);
    return { main: main.value, keys: (keys.value as unknown[]).map(String), dataStart: keys.end };
  });
  const entries = stateDictEntries(parsed.main, file);
  const offsets: StorageOffsets = new Map();
  let pos = parsed.dataStart;
  for (const key of parsed.keys) {
    const s = storages.get(key);
    if (!s) throw new Error(`${file}: storage key "${key}" listed at the end of the pickle is not used by any tensor`);
    const head = await readRange(blob, pos, pos + 8, file, `element count of storage "${key}"`);
    const count = Number(new DataView(head.buffer, head.byteOffset, 8).getBigInt64(0, true));
    if (count !== s.numel)
      throw new Error(`${file}: storage "${key}" at byte ${pos} has ${count} elements, the pickle says ${s.numel}`);
    offsets.set(key, pos + 8);
    pos += 8 + count * s.type.itemSize;
    if (pos > blob.size) {
      throw new Error(`${file}: truncated: storage "${key}" needs bytes up to ${pos} but the file has ${blob.size}`);
    }
  }
  return makeSource(blob, file, entries, offsets);
}

/** Opens a pytorch_model.bin in either layout. */
export async function openPytorch(blob: Blob, file: string): Promise<TensorSource & { layout: PytorchLayout }> {
  if (await looksLikeZip(blob)) return { ...(await openZip(blob, file)), layout: 'pytorch-zip' };
  return { ...(await openLegacy(blob, file)), layout: 'pytorch-legacy' };
}
