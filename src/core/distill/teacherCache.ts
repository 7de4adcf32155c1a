/**
 * The teacher-output cache: the teacher's top-k at every prediction slot of an
 * example set, stored compactly in a KeyValueStore (IndexedDB in the browser,
 * a directory from the CLI), one record per batch of examples.
 *
 * Keys: teacher-outputs/<teacher fingerprint>/<example set id>/k<k>/{manifest, batch/<index>}
 * so a changed teacher, example set or k never reuses stale outputs.
 *
 * A batch record (little-endian):
 *   "TOC1" | u32 count | u32 slots | u32 k | u32 idBytes          20-byte header
 *   u8[count·slots]          1 = real slot, 0 = padding (then probs and ids are 0)
 *   (zero padding to a multiple of 4)
 *   u16[count·slots·k]       probabilities as float16 (round to nearest even)
 *   u16 or u32[count·slots·k] vocabulary ids: u16 when the vocabulary has ≤ 65,536 entries
 * i.e. 4k bytes per slot at k = 128 with u16 ids: 512 bytes (+1 flag byte).
 *
 * Resuming: the manifest lists completed batch indices. A batch is written
 * before the manifest names it; a batch record found without a manifest entry
 * (a crash between the two writes) is checked and adopted, so after any stop
 * nothing already computed is computed again and nothing is lost or stored twice.
 */
import type { KeyValueStore } from '../storage/keyValueStore.ts';
import { expectBytes } from '../storage/keyValueStore.ts';
import { decodeFloat16, encodeFloat16 } from './float16.ts';
import type { MaskedExample } from '../examples/maskedExample.ts';
import type { TeacherTopK } from './batch.ts';
import { exampleTopK, type TeacherOutputBatch } from './teacherOutputs.ts';

const MAGIC = 0x31434f54; // "TOC1" read as little-endian u32
const HEADER_BYTES = 20;

export interface TeacherCacheKey {
  /** identifies the teacher's weights (loadCheckpoint's fingerprint) */
  teacherFingerprint: string;
  /** identifies the example set (e.g. its file name + size, or a content hash) */
  exampleSetId: string;
  /** truncation factor */
  k: number;
}

export interface TeacherCacheLayout {
  numExamples: number;
  batchSize: number;
  /** max_predictions_per_seq */
  slots: number;
  vocabSize: number;
}

interface Manifest extends TeacherCacheLayout {
  format: 1;
  teacherFingerprint: string;
  exampleSetId: string;
  k: number;
  completed: number[];
}

export function cachePrefix(key: TeacherCacheKey): string {
  const part = (s: string) => encodeURIComponent(s).replace(/%/g, '~');
  return `teacher-outputs/${part(key.teacherFingerprint)}/${part(key.exampleSetId)}/k${key.k}/`;
}

/** Bytes of one batch record. */
export function batchRecordBytes(count: number, slots: number, k: number, idBytes: 2 | 4): number {
  const flags = align4(HEADER_BYTES + count * slots);
  return align4(flags + count * slots * k * 2) + count * slots * k * idBytes;
}

/** Bytes of each stored vocabulary id: 2 when the vocabulary has ≤ 65,536 entries, else 4. */
export function idBytesFor(vocabSize: number): 2 | 4 {
  return vocabSize <= 65536 ? 2 : 4;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

export function encodeBatchRecord(batch: TeacherOutputBatch, vocabSize: number): Uint8Array {
  const { count, slots, k } = batch;
  const idBytes = idBytesFor(vocabSize);
  const out = new Uint8Array(batchRecordBytes(count, slots, k, idBytes));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, count, true);
  dv.setUint32(8, slots, true);
  dv.setUint32(12, k, true);
  dv.setUint32(16, idBytes, true);
  for (let i = 0; i < count * slots; i++) out[HEADER_BYTES + i] = batch.weights[i] > 0 ? 1 : 0;
  const probsAt = align4(HEADER_BYTES + count * slots);
  encodeFloat16(batch.probs, new Uint16Array(out.buffer, probsAt, count * slots * k));
  const idsAt = align4(probsAt + count * slots * k * 2);
  const n = count * slots * k;
  if (idBytes === 2) {
    const ids = new Uint16Array(out.buffer, idsAt, n);
    for (let i = 0; i < n; i++) {
      const id = batch.ids[i];
      if (id < 0 || id >= vocabSize)
        throw new Error(`teacher cache: id ${id} at value ${i} is outside the vocabulary (${vocabSize})`);
      ids[i] = id;
    }
  } else {
    new Uint32Array(out.buffer, idsAt, n).set(batch.ids);
  }
  return out;
}

/** Decodes a batch record; `what` names it in errors. */
export function decodeBatchRecord(bytes: Uint8Array, what: string): TeacherOutputBatch {
  const b = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice(); // typed views need alignment
  if (b.byteLength < HEADER_BYTES)
    throw new Error(`${what}: ${b.byteLength} bytes, too short for a teacher-output batch`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new Error(`${what}: not a teacher-output batch (bad magic at byte 0)`);
  const count = dv.getUint32(4, true);
  const slots = dv.getUint32(8, true);
  const k = dv.getUint32(12, true);
  const idBytes = dv.getUint32(16, true);
  if (idBytes !== 2 && idBytes !== 4) throw new Error(`${what}: id width ${idBytes} at byte 16 must be 2 or 4`);
  const expected = batchRecordBytes(count, slots, k, idBytes);
  if (b.byteLength !== expected) {
    throw new Error(
      `${what}: ${b.byteLength} bytes, the header (count ${count}, slots ${slots}, k ${k}) needs ${expected}`,
    );
  }
  const weights = new Float32Array(count * slots);
  for (let i = 0; i < count * slots; i++) weights[i] = b[HEADER_BYTES + i];
  const n = count * slots * k;
  const probsAt = align4(HEADER_BYTES + count * slots); // offsets within the record
  const idsAt = align4(probsAt + n * 2);
  const probs = decodeFloat16(new Uint16Array(b.buffer, b.byteOffset + probsAt, n));
  const idsStart = b.byteOffset + idsAt;
  const ids = new Int32Array(n);
  if (idBytes === 2) ids.set(new Uint16Array(b.buffer, idsStart, n));
  else ids.set(new Uint32Array(b.buffer, idsStart, n));
  return { count, slots, k, probs, ids, weights };
}

export class TeacherCache {
  private decoded = new Map<number, TeacherOutputBatch>();

  private constructor(
    private readonly store: KeyValueStore,
    readonly key: TeacherCacheKey,
    readonly layout: TeacherCacheLayout,
    private manifest: Manifest,
    readonly prefix: string,
  ) {}

  /** Opens (or starts) the cache for this teacher, example set and k; adopts batches a crash left unlisted. */
  static async open(store: KeyValueStore, key: TeacherCacheKey, layout: TeacherCacheLayout): Promise<TeacherCache> {
    if (!Number.isInteger(key.k) || key.k < 1)
      throw new Error(`teacher cache: k must be a positive integer, got ${key.k}`);
    if (!Number.isInteger(layout.batchSize) || layout.batchSize < 1) {
      throw new Error(`teacher cache: batch size must be a positive integer, got ${layout.batchSize}`);
    }
    const prefix = cachePrefix(key);
    const stored = (await store.get(prefix + 'manifest')) as Manifest | undefined;
    let manifest: Manifest;
    if (stored) {
      for (const f of ['numExamples', 'batchSize', 'slots', 'vocabSize'] as const) {
        if (stored[f] !== layout[f]) {
          throw new Error(
            `teacher cache ${prefix}: stored with ${f} ${stored[f]}, now ${layout[f]}; ` +
              `delete the cache (or keep the same settings) to continue`,
          );
        }
      }
      manifest = stored;
    } else {
      manifest = { format: 1, ...key, ...layout, completed: [] };
    }
    const cache = new TeacherCache(store, key, layout, manifest, prefix);
    await cache.adoptOrphans();
    return cache;
  }

  get numBatches(): number {
    return Math.ceil(this.layout.numExamples / this.layout.batchSize);
  }

  /** Example index range [start, end) of a batch. */
  batchRange(index: number): [number, number] {
    const start = index * this.layout.batchSize;
    return [start, Math.min(start + this.layout.batchSize, this.layout.numExamples)];
  }

  completedBatches(): number[] {
    return [...this.manifest.completed].sort((a, b) => a - b);
  }

  pendingBatches(): number[] {
    const done = new Set(this.manifest.completed);
    const out: number[] = [];
    for (let i = 0; i < this.numBatches; i++) if (!done.has(i)) out.push(i);
    return out;
  }

  isComplete(): boolean {
    return this.manifest.completed.length === this.numBatches;
  }

  /** Bytes of the batch records stored so far (each completed batch's batchRecordBytes). */
  storedBytes(): number {
    const idBytes = idBytesFor(this.layout.vocabSize);
    let bytes = 0;
    for (const index of this.manifest.completed) {
      const [s, e] = this.batchRange(index);
      bytes += batchRecordBytes(e - s, this.layout.slots, this.key.k, idBytes);
    }
    return bytes;
  }

  private batchKey(index: number): string {
    return `${this.prefix}batch/${index}`;
  }

  private async adoptOrphans(): Promise<void> {
    const done = new Set(this.manifest.completed);
    let adopted = false;
    for (const key of await this.store.keys(this.prefix + 'batch/')) {
      const index = Number(key.slice((this.prefix + 'batch/').length));
      if (!Number.isInteger(index) || done.has(index) || index >= this.numBatches) continue;
      try {
        const b = decodeBatchRecord(expectBytes(await this.store.get(key), key), key);
        const [s, e] = this.batchRange(index);
        if (b.count !== e - s || b.slots !== this.layout.slots || b.k !== this.key.k) continue;
      } catch {
        continue; // an unreadable leftover is simply recomputed and overwritten
      }
      this.manifest.completed.push(index);
      done.add(index);
      adopted = true;
    }
    if (adopted) await this.store.set(this.prefix + 'manifest', this.manifest);
  }

  /** Stores one computed batch, then records it as complete. */
  async putBatch(index: number, batch: TeacherOutputBatch): Promise<void> {
    const [s, e] = this.batchRange(index);
    if (index < 0 || index >= this.numBatches || !Number.isInteger(index)) {
      throw new Error(`teacher cache: batch index ${index} is outside 0..${this.numBatches - 1}`);
    }
    if (batch.count !== e - s || batch.slots !== this.layout.slots || batch.k !== this.key.k) {
      throw new Error(
        `teacher cache: batch ${index} has ${batch.count} examples × ${batch.slots} slots × k ${batch.k}, ` +
          `expected ${e - s} × ${this.layout.slots} × ${this.key.k}`,
      );
    }
    const record = encodeBatchRecord(batch, this.layout.vocabSize);
    await this.store.set(this.batchKey(index), record);
    if (!this.manifest.completed.includes(index)) {
      const next = { ...this.manifest, completed: [...this.manifest.completed, index] };
      await this.store.set(this.prefix + 'manifest', next);
      this.manifest = next;
    }
  }

  /** One stored batch, decoded (float16 probabilities back to float32). */
  async getBatch(index: number): Promise<TeacherOutputBatch> {
    const hit = this.decoded.get(index);
    if (hit) return hit;
    const key = this.batchKey(index);
    const value = await this.store.get(key);
    if (value === undefined) throw new Error(`teacher cache: batch ${index} (${key}) has not been computed yet`);
    const b = decodeBatchRecord(expectBytes(value, key), key);
    this.decoded.set(index, b);
    if (this.decoded.size > 8) this.decoded.delete(this.decoded.keys().next().value as number);
    return b;
  }

  /** The teacher outputs of one example by its index in the example set. */
  async getExample(i: number): Promise<TeacherTopK> {
    if (i < 0 || i >= this.layout.numExamples)
      throw new Error(`teacher cache: example ${i} is outside 0..${this.layout.numExamples - 1}`);
    const index = Math.floor(i / this.layout.batchSize);
    return exampleTopK(await this.getBatch(index), i - index * this.layout.batchSize);
  }

  /** Removes every record of this cache. */
  async clear(): Promise<void> {
    for (const k of await this.store.keys(this.prefix)) await this.store.del(k);
    this.manifest = { ...this.manifest, completed: [] };
    this.decoded.clear();
  }
}

export interface FillProgress {
  done: number;
  total: number;
  batchIndex: number;
  /** examples computed in this call */
  examplesComputed: number;
  bytesWritten: number;
}

export interface FillOptions {
  /** the examples of [start, end) */
  examples: (start: number, end: number) => Promise<MaskedExample[]> | MaskedExample[];
  /** runs the teacher on them */
  compute: (examples: MaskedExample[]) => Promise<TeacherOutputBatch>;
  /** checked between batches: stop early (what is stored stays; the next call continues) */
  signal?: AbortSignal;
  onProgress?: (p: FillProgress) => void;
}

/** Computes and stores every batch still missing. Returns how many batches it computed. */
export async function fillTeacherCache(cache: TeacherCache, opts: FillOptions): Promise<number> {
  let computed = 0;
  let examplesComputed = 0;
  let bytesWritten = 0;
  const total = cache.numBatches;
  for (const index of cache.pendingBatches()) {
    if (opts.signal?.aborted) break;
    const [s, e] = cache.batchRange(index);
    const examples = await opts.examples(s, e);
    if (examples.length !== e - s) {
      throw new Error(`teacher cache: asked for examples ${s}..${e - 1} and got ${examples.length}`);
    }
    const out = await opts.compute(examples);
    await cache.putBatch(index, out);
    computed++;
    examplesComputed += examples.length;
    bytesWritten += batchRecordBytes(out.count, out.slots, out.k, idBytesFor(cache.layout.vocabSize));
    opts.onProgress?.({
      done: cache.completedBatches().length,
      total,
      batchIndex: index,
      examplesComputed,
      bytesWritten,
    });
  }
  return computed;
}

/**
 * One batch from per-example teacher outputs, e.g. records of the seed's
 * teacher-output TFRecords (recordToTeacherOutput), to import them into the cache.
 * Padding slots (weight 0) are zeroed as the teacher pass does.
 */
export function batchFromTeacherOutputs(
  outputs: { example: MaskedExample; probs: Float32Array; topKIds: Int32Array; k: number }[],
  what = 'teacher outputs',
): TeacherOutputBatch {
  if (outputs.length === 0) throw new Error(`${what}: no examples`);
  const { k } = outputs[0];
  const slots = outputs[0].example.maskedLmPositions.length;
  const probs = new Float32Array(outputs.length * slots * k);
  const ids = new Int32Array(outputs.length * slots * k);
  const weights = new Float32Array(outputs.length * slots);
  outputs.forEach((o, i) => {
    if (o.k !== k || o.example.maskedLmPositions.length !== slots) {
      throw new Error(
        `${what}: example ${i} has k ${o.k} and ${o.example.maskedLmPositions.length} slots, the first has k ${k} and ${slots}`,
      );
    }
    for (let s = 0; s < slots; s++) {
      const real = o.example.maskedLmWeights[s] > 0;
      weights[i * slots + s] = real ? 1 : 0;
      if (!real) continue;
      const at = (i * slots + s) * k;
      probs.set(o.probs.subarray(s * k, (s + 1) * k), at);
      ids.set(o.topKIds.subarray(s * k, (s + 1) * k), at);
    }
  });
  return { count: outputs.length, slots, k, probs, ids, weights };
}

/** A TrainingSet (see trainer.ts) over examples in memory and their outputs in a filled cache. */
export function cachedTrainingSet(
  examples: MaskedExample[],
  cache: TeacherCache,
): {
  size: number;
  load(indices: number[]): Promise<{ example: MaskedExample; teacher: TeacherTopK }[]>;
} {
  if (examples.length !== cache.layout.numExamples) {
    throw new Error(
      `teacher cache ${cache.prefix}: holds ${cache.layout.numExamples} examples, ${examples.length} were given`,
    );
  }
  return {
    size: examples.length,
    load: async (indices) =>
      Promise.all(indices.map(async (i) => ({ example: examples[i], teacher: await cache.getExample(i) }))),
  };
}
