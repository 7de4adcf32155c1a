/**
 * Example sets in a KeyValueStore (IndexedDB in the browser, a directory from
 * the CLI, memory in tests): masked examples stored in batches of
 * EXAMPLES_PER_BATCH, each batch one binary value holding its examples as
 * framed TFRecord records (the seed's format, so exporting a set is a plain
 * concatenation of its batches).
 *
 * Keys:  <setId>/<batch:000000>   a batch's records
 *        manifest/<setId>         the set's manifest (count, batches, shape)
 *
 * The manifest is written last, so a set whose build was interrupted has no
 * manifest and is never read half-built; `ExampleSetWriter.resume` carries
 * such a build on after its last stored batch, or appends to a finished set.
 */
import { concatBytes } from '../io/bytes.ts';
import { expectBytes, type KeyValueStore } from '../storage/keyValueStore.ts';
import { checkExampleShape, maskedExampleToRecord, recordToMaskedExample } from '../tfrecord/pretrainingRecord.ts';
import { readRecords } from '../tfrecord/recordReader.ts';
import { frameRecord } from '../tfrecord/recordWriter.ts';
import type { ExampleShape, MaskedExample } from './maskedExample.ts';

export const EXAMPLES_PER_BATCH = 256;

export interface ExampleSetManifest extends ExampleShape {
  setId: string;
  count: number;
  batches: number;
  storedBytes: number;
}

export const exampleSetKey = {
  batchPrefix: (setId: string) => `${setId}/`,
  batch: (setId: string, batch: number) => `${setId}/${String(batch).padStart(6, '0')}`,
  manifest: (setId: string) => `manifest/${setId}`,
};

/** Encodes a batch of examples as framed TFRecord records. */
export function encodeExampleBatch(examples: MaskedExample[]): Uint8Array {
  return concatBytes(examples.map((e) => frameRecord(maskedExampleToRecord(e))));
}

/** Decodes a stored batch; `what` names it in errors. */
export async function decodeExampleBatch(bytes: Uint8Array, what: string): Promise<MaskedExample[]> {
  const out: MaskedExample[] = [];
  let i = 0;
  for await (const rec of readRecords(new Blob([bytes as BlobPart]), { name: what }))
    out.push(recordToMaskedExample(rec, `${what} record ${i++}`));
  return out;
}

/** The bytes of one stored batch, with an error that says which set and batch is gone. */
async function readBatchBytes(store: KeyValueStore, setId: string, b: number): Promise<Uint8Array> {
  const key = exampleSetKey.batch(setId, b);
  const value = await store.get(key);
  if (value === undefined)
    throw new Error(`example set ${setId}: batch ${b} ("${key}") is missing from storage; build the set again`);
  return expectBytes(value, key);
}

/** The stored manifest of a finished set, or undefined. */
export async function readExampleSetManifest(
  store: KeyValueStore,
  setId: string,
): Promise<ExampleSetManifest | undefined> {
  return (await store.get(exampleSetKey.manifest(setId))) as ExampleSetManifest | undefined;
}

/** Writes one example set batch by batch, then its manifest. */
export class ExampleSetWriter {
  private pending: MaskedExample[] = [];
  private batches = 0;
  /** examples in the set so far (stored and pending) */
  count = 0;
  /** bytes of the batches stored so far */
  storedBytes = 0;
  private shape: ExampleShape | null = null;

  /** A writer of a new set (batches an earlier, unfinished build left under this id are overwritten). */
  constructor(
    private readonly store: KeyValueStore,
    readonly setId: string,
  ) {}

  /**
   * A writer that carries on where the stored set ends: after the last batch an interrupted
   * build stored (its examples are `count`; the caller skips that many), or at the end of a
   * finished set (appending; the finished set stays readable until `finish` rewrites its manifest).
   */
  static async resume(store: KeyValueStore, setId: string): Promise<ExampleSetWriter> {
    const w = new ExampleSetWriter(store, setId);
    const manifest = await readExampleSetManifest(store, setId);
    let batches: number;
    if (manifest) {
      batches = manifest.batches;
      w.shape = { maxSeqLength: manifest.maxSeqLength, maxPredictionsPerSeq: manifest.maxPredictionsPerSeq };
    } else {
      const keys = await store.keys(exampleSetKey.batchPrefix(setId));
      batches = keys.length;
      keys.forEach((k, b) => {
        if (k !== exampleSetKey.batch(setId, b))
          throw new Error(
            `example set ${setId}: batch ${b} ("${exampleSetKey.batch(setId, b)}") is missing from storage, so the build cannot be resumed; build the set again`,
          );
      });
    }
    for (let b = 0; b < batches; b++) {
      const bytes = await readBatchBytes(store, setId, b);
      if (b < batches - 1) {
        w.storedBytes += bytes.length;
        w.count += EXAMPLES_PER_BATCH;
        continue;
      }
      // The last batch: a partial one is taken back into `pending`, to be filled and written again.
      const examples = await decodeExampleBatch(bytes, `examples ${exampleSetKey.batch(setId, b)}`);
      w.shape ??= examples.length
        ? { maxSeqLength: examples[0].inputIds.length, maxPredictionsPerSeq: examples[0].maskedLmPositions.length }
        : null;
      if (examples.length === EXAMPLES_PER_BATCH) {
        w.storedBytes += bytes.length;
        w.count += EXAMPLES_PER_BATCH;
      } else {
        w.pending = examples;
        w.count += examples.length;
        batches--;
      }
    }
    w.batches = batches;
    if (manifest && manifest.count !== w.count)
      throw new Error(
        `example set ${setId}: its manifest counts ${manifest.count} examples but its batches hold ${w.count}; build the set again`,
      );
    return w;
  }

  async add(ex: MaskedExample): Promise<void> {
    if (this.shape) checkExampleShape(ex, this.shape, `example ${this.count} of set ${this.setId}`);
    else this.shape = { maxSeqLength: ex.inputIds.length, maxPredictionsPerSeq: ex.maskedLmPositions.length };
    this.pending.push(ex);
    this.count++;
    if (this.pending.length === EXAMPLES_PER_BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const bytes = encodeExampleBatch(this.pending);
    await this.store.set(exampleSetKey.batch(this.setId, this.batches), bytes);
    this.batches++;
    this.storedBytes += bytes.length;
    this.pending = [];
  }

  /** Stores what is pending and the manifest: from now on the set can be read. */
  async finish(): Promise<ExampleSetManifest> {
    await this.flush();
    if (!this.shape)
      throw new Error(
        'the corpus gave no examples: documents may be too short for these settings (the seed skips documents under 20 characters)',
      );
    const manifest: ExampleSetManifest = {
      setId: this.setId,
      count: this.count,
      batches: this.batches,
      storedBytes: this.storedBytes,
      ...this.shape,
    };
    await this.store.set(exampleSetKey.manifest(this.setId), manifest);
    return manifest;
  }
}

/** Random access to a stored example set (a few decoded batches kept in memory). */
export class ExampleSetReader {
  private cache = new Map<number, MaskedExample[]>();

  private constructor(
    private readonly store: KeyValueStore,
    readonly manifest: ExampleSetManifest,
  ) {}

  static async open(store: KeyValueStore, setId: string): Promise<ExampleSetReader> {
    const m = await readExampleSetManifest(store, setId);
    if (!m) throw new Error(`example set ${setId} is not complete in storage; build it again`);
    return new ExampleSetReader(store, m);
  }

  get size(): number {
    return this.manifest.count;
  }

  async batch(b: number): Promise<MaskedExample[]> {
    const hit = this.cache.get(b);
    if (hit) return hit;
    const { setId } = this.manifest;
    const bytes = await readBatchBytes(this.store, setId, b);
    const examples = await decodeExampleBatch(bytes, `examples ${exampleSetKey.batch(setId, b)}`);
    this.cache.set(b, examples);
    if (this.cache.size > 16) this.cache.delete(this.cache.keys().next().value as number);
    return examples;
  }

  async get(i: number): Promise<MaskedExample> {
    if (i < 0 || i >= this.size) throw new Error(`example ${i} is outside the set (0..${this.size - 1})`);
    const b = Math.floor(i / EXAMPLES_PER_BATCH);
    const ex = (await this.batch(b))[i - b * EXAMPLES_PER_BATCH];
    if (!ex)
      throw new Error(
        `example set ${this.manifest.setId}: batch ${b} holds fewer examples than its manifest says; build the set again`,
      );
    return ex;
  }

  async range(start: number, end: number): Promise<MaskedExample[]> {
    const out: MaskedExample[] = [];
    for (let i = start; i < end; i++) out.push(await this.get(i));
    return out;
  }

  /**
   * The masked positions (real prediction slots: weight 1) of the first `end` examples; the rest of
   * the max_predictions_per_seq slots of each example are padding.
   */
  async maskedPositions(end = this.size): Promise<number> {
    let n = 0;
    for (let b = 0; b * EXAMPLES_PER_BATCH < end; b++) {
      const examples = await this.batch(b);
      const upto = Math.min(examples.length, end - b * EXAMPLES_PER_BATCH);
      for (let i = 0; i < upto; i++) for (const w of examples[i].maskedLmWeights) if (w > 0) n++;
    }
    return n;
  }

  /** The raw TFRecord bytes of every batch, in order (the set as one .tfrecord file). */
  async recordBlobs(): Promise<Blob> {
    const parts: BlobPart[] = [];
    for (let b = 0; b < this.manifest.batches; b++)
      parts.push((await readBatchBytes(this.store, this.manifest.setId, b)) as BlobPart);
    return new Blob(parts, { type: 'application/octet-stream' });
  }
}

/** Removes a set: its batches and its manifest. */
export async function deleteExampleSet(store: KeyValueStore, setId: string): Promise<void> {
  await store.del(exampleSetKey.manifest(setId));
  for (const k of await store.keys(exampleSetKey.batchPrefix(setId))) await store.del(k);
}
