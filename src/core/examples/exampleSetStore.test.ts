import { describe, expect, it } from 'vitest';
import { syntheticExamples } from '../../testing/syntheticExamples.ts';
import { MemoryStore } from '../storage/keyValueStore.ts';
import { recordToMaskedExample } from '../tfrecord/pretrainingRecord.ts';
import { readRecords } from '../tfrecord/recordReader.ts';
import {
  deleteExampleSet,
  EXAMPLES_PER_BATCH,
  ExampleSetReader,
  ExampleSetWriter,
  exampleSetKey,
} from './exampleSetStore.ts';
import type { MaskedExample } from './maskedExample.ts';

const N = 2 * EXAMPLES_PER_BATCH + 88;
const examples = syntheticExamples({ count: N, vocabSize: 60, maxSeqLength: 16, maxPredictionsPerSeq: 3, seed: 3 });

async function write(store: MemoryStore, setId: string, list: MaskedExample[], writer?: ExampleSetWriter) {
  const w = writer ?? new ExampleSetWriter(store, setId);
  for (const ex of list) await w.add(ex);
  return w;
}

async function readAll(r: ExampleSetReader): Promise<MaskedExample[]> {
  return r.range(0, r.size);
}

describe('example set store', () => {
  it('writes a set in batches and reads every example back, in order', async () => {
    const store = new MemoryStore();
    const m = await (await write(store, 'set-a', examples)).finish();
    expect(m).toMatchObject({ setId: 'set-a', count: N, batches: 3, maxSeqLength: 16, maxPredictionsPerSeq: 3 });
    expect(await store.keys('set-a/')).toEqual([0, 1, 2].map((b) => exampleSetKey.batch('set-a', b)));
    expect(m.storedBytes).toBe(store.bytesUsed() - JSON.stringify(m).length);

    const r = await ExampleSetReader.open(store, 'set-a');
    expect(r.size).toBe(N);
    expect(await readAll(r)).toEqual(examples);
    expect(await r.get(EXAMPLES_PER_BATCH)).toEqual(examples[EXAMPLES_PER_BATCH]);
    await expect(r.get(N)).rejects.toThrow(/outside the set/);

    // Exported, the batches are one TFRecord file of the seed's examples.
    const back: MaskedExample[] = [];
    for await (const rec of readRecords(await r.recordBlobs(), { name: 'set-a.tfrecord' }))
      back.push(recordToMaskedExample(rec));
    expect(back).toEqual(examples);
  });

  it('counts the masked positions (weight 1) of the first examples, not the padding slots', async () => {
    const store = new MemoryStore();
    await (await write(store, 'set-m', examples)).finish();
    const r = await ExampleSetReader.open(store, 'set-m');
    const real = (list: MaskedExample[]) =>
      list.reduce((n, e) => n + Array.from(e.maskedLmWeights).filter((w) => w > 0).length, 0);
    const all = real(examples);
    expect(all).toBeLessThan(N * 3); // some slots are padding
    expect(await r.maskedPositions()).toBe(all);
    const upto = EXAMPLES_PER_BATCH + 5; // across a batch boundary
    expect(await r.maskedPositions(upto)).toBe(real(examples.slice(0, upto)));
    expect(await r.maskedPositions(0)).toBe(0);
  });

  it('never reads a set whose build did not finish', async () => {
    const store = new MemoryStore();
    await write(store, 'set-b', examples);
    await expect(ExampleSetReader.open(store, 'set-b')).rejects.toThrow(/set-b is not complete/);
  });

  it('resumes an interrupted build after its last stored batch', async () => {
    const store = new MemoryStore();
    // The build stops (the page closed) with two full batches stored and 88 examples pending.
    await write(store, 'set-c', examples);
    const w = await ExampleSetWriter.resume(store, 'set-c');
    expect(w.count).toBe(2 * EXAMPLES_PER_BATCH);
    await write(store, 'set-c', examples.slice(w.count), w);
    expect((await w.finish()).count).toBe(N);
    expect(await readAll(await ExampleSetReader.open(store, 'set-c'))).toEqual(examples);
  });

  it('appends to a finished set, refilling its last partial batch', async () => {
    const store = new MemoryStore();
    const first = examples.slice(0, EXAMPLES_PER_BATCH + 44);
    await (await write(store, 'set-d', first)).finish();
    const w = await ExampleSetWriter.resume(store, 'set-d');
    expect(w.count).toBe(first.length);
    // Until the appended set is finished, the stored one reads as it was.
    await write(store, 'set-d', examples.slice(first.length, first.length + 300), w);
    expect((await ExampleSetReader.open(store, 'set-d')).size).toBe(first.length);
    const m = await w.finish();
    expect(m).toMatchObject({ count: first.length + 300, batches: 3 });
    expect(await readAll(await ExampleSetReader.open(store, 'set-d'))).toEqual(examples.slice(0, first.length + 300));
  });

  it('says which batch is missing', async () => {
    const store = new MemoryStore();
    await (await write(store, 'set-e', examples)).finish();
    await store.del(exampleSetKey.batch('set-e', 1));
    const r = await ExampleSetReader.open(store, 'set-e');
    expect(await r.get(0)).toEqual(examples[0]);
    await expect(r.get(EXAMPLES_PER_BATCH)).rejects.toThrow(
      /example set set-e: batch 1 \("set-e\/000001"\) is missing/,
    );
    await expect(r.recordBlobs()).rejects.toThrow(/batch 1/);
    await expect(ExampleSetWriter.resume(store, 'set-e')).rejects.toThrow(/batch 1 .* is missing/);
    // An interrupted build with a gap cannot be resumed either.
    await store.del(exampleSetKey.manifest('set-e'));
    await expect(ExampleSetWriter.resume(store, 'set-e')).rejects.toThrow(/batch 1 .* missing.*cannot be resumed/);
  });

  it('refuses an example of another shape, and a set without examples', async () => {
    const store = new MemoryStore();
    const w = await write(store, 'set-f', examples.slice(0, 2));
    const longer = syntheticExamples({ count: 1, vocabSize: 60, maxSeqLength: 32, maxPredictionsPerSeq: 3 })[0];
    await expect(w.add(longer)).rejects.toThrow(/example 2 of set set-f.*max_seq_length 16/);
    await expect(new ExampleSetWriter(store, 'empty').finish()).rejects.toThrow(/the corpus gave no examples/);
  });

  it('removes a set with its manifest, leaving other sets alone', async () => {
    const store = new MemoryStore();
    await (await write(store, 'set-g', examples.slice(0, 10))).finish();
    await (await write(store, 'set-g2', examples.slice(0, 10))).finish();
    await deleteExampleSet(store, 'set-g');
    await expect(ExampleSetReader.open(store, 'set-g')).rejects.toThrow(/not complete/);
    expect(await store.keys()).toEqual([exampleSetKey.manifest('set-g2'), exampleSetKey.batch('set-g2', 0)].sort());
  });
});
