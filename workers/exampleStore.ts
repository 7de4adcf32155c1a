/**
 * Example sets in IndexedDB: masked examples stored in batches of
 * EXAMPLES_PER_BATCH, each batch one value holding the batch's examples as
 * framed TFRecord records (the seed's format, so exporting a set is a plain
 * concatenation). A set's manifest is written last, so a set whose build was
 * interrupted has no manifest and is never used half-built.
 */
import type { MaskedExample } from '../src/core/examples/maskedExample.ts';
import { maskedExampleToRecord, recordToMaskedExample } from '../src/core/tfrecord/pretrainingRecord.ts';
import { readRecords } from '../src/core/tfrecord/recordReader.ts';
import { frameRecord } from '../src/core/tfrecord/recordWriter.ts';
import { expectBytes } from '../src/core/storage/keyValueStore.ts';
import { exampleBatchKey, storeOf } from '../src/contract/storageLayout.ts';
import { concatBytes } from '../src/core/io/bytes.ts';

export const EXAMPLES_PER_BATCH = 256;

export interface ExampleSetManifest {
  setId: string;
  count: number;
  batches: number;
  maxSeqLength: number;
  maxPredictionsPerSeq: number;
  storedBytes: number;
}

const manifestKey = (setId: string) => `manifest/${setId}`;

/** Encodes a batch of examples as framed TFRecord records. */
export function encodeExampleBatch(examples: MaskedExample[]): Uint8Array {
  const framed = examples.map((e) => frameRecord(maskedExampleToRecord(e)));
  return concatBytes(framed);
}

export async function decodeExampleBatch(bytes: Uint8Array, what: string): Promise<MaskedExample[]> {
  const out: MaskedExample[] = [];
  let i = 0;
  for await (const rec of readRecords(new Blob([bytes as BlobPart]), { name: what }))
    out.push(recordToMaskedExample(rec, `${what} record ${i++}`));
  return out;
}

/** Writes one example set batch by batch, then its manifest. */
export class ExampleSetWriter {
  private pending: MaskedExample[] = [];
  private batches = 0;
  count = 0;
  storedBytes = 0;
  private shape: { maxSeqLength: number; maxPredictionsPerSeq: number } | null = null;

  constructor(readonly setId: string) {}

  async add(ex: MaskedExample): Promise<void> {
    this.shape ??= { maxSeqLength: ex.inputIds.length, maxPredictionsPerSeq: ex.maskedLmPositions.length };
    this.pending.push(ex);
    this.count++;
    if (this.pending.length === EXAMPLES_PER_BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const bytes = encodeExampleBatch(this.pending);
    await storeOf('examples').set(exampleBatchKey(this.setId, this.batches), bytes);
    this.batches++;
    this.storedBytes += bytes.length;
    this.pending = [];
  }

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
    await storeOf('examples').set(manifestKey(this.setId), manifest);
    return manifest;
  }
}

/** Random access to a stored example set (a few decoded batches kept in memory). */
export class ExampleSetReader {
  private cache = new Map<number, MaskedExample[]>();

  private constructor(readonly manifest: ExampleSetManifest) {}

  static async open(setId: string): Promise<ExampleSetReader> {
    const m = (await storeOf('examples').get(manifestKey(setId))) as ExampleSetManifest | undefined;
    if (!m) throw new Error(`example set ${setId} is not complete in this browser's storage; build it again`);
    return new ExampleSetReader(m);
  }

  get size(): number {
    return this.manifest.count;
  }

  async batch(b: number): Promise<MaskedExample[]> {
    const hit = this.cache.get(b);
    if (hit) return hit;
    const key = exampleBatchKey(this.manifest.setId, b);
    const examples = await decodeExampleBatch(expectBytes(await storeOf('examples').get(key), key), `examples ${key}`);
    this.cache.set(b, examples);
    if (this.cache.size > 16) this.cache.delete(this.cache.keys().next().value as number);
    return examples;
  }

  async get(i: number): Promise<MaskedExample> {
    if (i < 0 || i >= this.size) throw new Error(`example ${i} is outside the set (0..${this.size - 1})`);
    const b = Math.floor(i / EXAMPLES_PER_BATCH);
    return (await this.batch(b))[i - b * EXAMPLES_PER_BATCH];
  }

  async range(start: number, end: number): Promise<MaskedExample[]> {
    const out: MaskedExample[] = [];
    for (let i = start; i < end; i++) out.push(await this.get(i));
    return out;
  }

  /** The raw TFRecord bytes of every batch, in order. */
  async recordBlobs(): Promise<Blob> {
    const parts: BlobPart[] = [];
    for (let b = 0; b < this.manifest.batches; b++) {
      const key = exampleBatchKey(this.manifest.setId, b);
      parts.push(expectBytes(await storeOf('examples').get(key), key) as BlobPart);
    }
    return new Blob(parts, { type: 'application/octet-stream' });
  }
}
