import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countRoundTrips } from '../backend/roundTrips.ts';
import type { MaskedExample } from '../examples/maskedExample.ts';
import { initWeights } from '../model/init.ts';
import { parseBertConfig } from '../model/config.ts';
import { MemoryStore, StorageQuotaError } from '../storage/keyValueStore.ts';
import { bertMaskedLm, disposeBatch, toBatchTensors } from './batch.ts';
import { decodeFloat16, encodeFloat16 } from './float16.ts';
import { syntheticExamples } from '../../testing/syntheticExamples.ts';
import {
  batchFromTeacherOutputs,
  batchRecordBytes,
  cachedTrainingSet,
  decodeBatchRecord,
  encodeBatchRecord,
  fillTeacherCache,
  TeacherCache,
} from './teacherCache.ts';
import { computeTeacherOutputs, type TeacherOutputBatch } from './teacherOutputs.ts';

const cfg = parseBertConfig({
  vocab_size: 40,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 32,
});

/** A deterministic stand-in for the teacher: outputs depend only on the example. */
function fakeTeacher(examples: MaskedExample[], k: number): TeacherOutputBatch {
  const slots = examples[0].maskedLmPositions.length;
  const probs = new Float32Array(examples.length * slots * k);
  const ids = new Int32Array(examples.length * slots * k);
  const weights = new Float32Array(examples.length * slots);
  examples.forEach((ex, i) => {
    for (let s = 0; s < slots; s++) {
      weights[i * slots + s] = ex.maskedLmWeights[s];
      if (!ex.maskedLmWeights[s]) continue;
      for (let j = 0; j < k; j++) {
        probs[(i * slots + s) * k + j] = 0.5 ** (j + 1);
        ids[(i * slots + s) * k + j] = (ex.maskedLmIds[s] + j) % cfg.vocab_size;
      }
    }
  });
  return { count: examples.length, slots, k, probs, ids, weights };
}

describe('teacher outputs', () => {
  it('are the top-k of the full-vocabulary softmax, with padding slots zeroed', async () => {
    const weights = initWeights(cfg, { pooler: false, mlmHead: true }, 3);
    const examples = syntheticExamples({ count: 3, vocabSize: 40, maxSeqLength: 12, maxPredictionsPerSeq: 4, seed: 5 });
    const model = bertMaskedLm(cfg);
    const out = await computeTeacherOutputs(model, weights, examples, 8);
    expect(out.probs.length).toBe(3 * 4 * 8);
    // reference: the full softmax at slot 0 of example 0, sorted
    const bt = toBatchTensors([{ example: examples[0] }], false);
    const probsAll = tf.tidy(() => tf.softmax(model(weights, bt, { training: false }), -1).arraySync() as number[][][]);
    disposeBatch(bt);
    const row = probsAll[0][0].map((p, id) => ({ p, id })).sort((a, b) => b.p - a.p);
    for (let j = 0; j < 8; j++) {
      expect(out.probs[j]).toBeCloseTo(row[j].p, 6);
      expect(out.ids[j]).toBe(row[j].id);
    }
    // probabilities are not renormalised: top-8 of 40 sums below 1
    const s0 = out.probs.slice(0, 8).reduce((a, b) => a + b, 0);
    expect(s0).toBeLessThan(1);
    // padding slots: weight 0, zeros
    examples.forEach((ex, i) => {
      for (let s = 0; s < 4; s++) {
        expect(out.weights[i * 4 + s]).toBe(ex.maskedLmWeights[s] > 0 ? 1 : 0);
        if (!ex.maskedLmWeights[s])
          expect(out.probs.slice((i * 4 + s) * 8, (i * 4 + s + 1) * 8).every((x) => x === 0)).toBe(true);
      }
    });
    Object.values(weights).forEach((t) => {
      t.dispose();
    });
  });
});

describe('teacher outputs, round trips', () => {
  it('come back in one read of [batch, slots, 2k] and equal tf.topk at every real slot', async () => {
    const weights = initWeights(cfg, { pooler: false, mlmHead: true }, 4);
    const examples = syntheticExamples({ count: 4, vocabSize: 40, maxSeqLength: 12, maxPredictionsPerSeq: 4, seed: 6 });
    const model = bertMaskedLm(cfg);
    const k = 8;
    const { result: out, counts } = await countRoundTrips(() => computeTeacherOutputs(model, weights, examples, k));
    expect(counts.reads).toBe(1);
    expect(counts.bytesRead).toBe(4 * 4 * 2 * k * 4);
    const bt = toBatchTensors(
      examples.map((example) => ({ example })),
      false,
    );
    const ref = tf.tidy(() => tf.topk(tf.softmax(model(weights, bt, { training: false }), -1), k));
    const [values, indices] = [ref.values.dataSync(), ref.indices.dataSync()];
    tf.dispose([ref.values, ref.indices]);
    disposeBatch(bt);
    examples.forEach((ex, i) => {
      for (let s = 0; s < 4; s++) {
        if (!(ex.maskedLmWeights[s] > 0)) continue;
        const at = (i * 4 + s) * k;
        expect(Array.from(out.probs.subarray(at, at + k))).toEqual(Array.from(values.subarray(at, at + k)));
        expect(Array.from(out.ids.subarray(at, at + k))).toEqual(Array.from(indices.subarray(at, at + k)));
      }
    });
    tf.dispose(Object.values(weights));
  });
});

describe('teacher cache record', () => {
  it('is 512 bytes per slot at k = 128 with 16-bit ids, and round-trips (probs to float16 precision)', () => {
    expect(batchRecordBytes(1, 1, 128, 2) - batchRecordBytes(0, 0, 128, 2)).toBe(512 + 4); // +1 flag byte, aligned
    expect(batchRecordBytes(32, 20, 128, 2)).toBe(20 + 640 + 32 * 20 * 512);
    const examples = syntheticExamples({ count: 3, vocabSize: 40, maxSeqLength: 12, maxPredictionsPerSeq: 5, seed: 1 });
    const b = fakeTeacher(examples, 6);
    const bytes = encodeBatchRecord(b, 40);
    // decode from an unaligned copy too (Node buffers may start anywhere)
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    for (const src of [bytes, shifted]) {
      const d = decodeBatchRecord(src, 'rec');
      expect(d.ids).toEqual(b.ids);
      expect(d.weights).toEqual(b.weights);
      expect(d.probs).toEqual(decodeFloat16(encodeFloat16(b.probs)));
    }
    // 32-bit ids for a big vocabulary
    const big = { ...b, ids: b.ids.map((x) => x + 70000) };
    expect(decodeBatchRecord(encodeBatchRecord(big, 100000), 'rec').ids).toEqual(big.ids);
  });

  it('reports corrupt records with the key and byte offset', () => {
    const examples = syntheticExamples({ count: 1, vocabSize: 40, maxSeqLength: 12, maxPredictionsPerSeq: 2 });
    const bytes = encodeBatchRecord(fakeTeacher(examples, 4), 40);
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => decodeBatchRecord(bad, 'teacher-outputs/x/batch/0')).toThrow(
      /teacher-outputs\/x\/batch\/0: not a teacher-output batch \(bad magic at byte 0\)/,
    );
    expect(() => decodeBatchRecord(bytes.slice(0, bytes.length - 2), 'r')).toThrow(
      /r: \d+ bytes, the header .* needs \d+/,
    );
    expect(() => encodeBatchRecord({ ...fakeTeacher(examples, 4), ids: new Int32Array(8).fill(99) }, 40)).toThrow(
      /outside the vocabulary/,
    );
  });
});

describe('teacher cache', () => {
  const key = { teacherFingerprint: 'sha:abc', exampleSetId: 'corpus.tfrecord#100', k: 4 };
  const examples = syntheticExamples({ count: 23, vocabSize: 40, maxSeqLength: 12, maxPredictionsPerSeq: 3, seed: 9 });
  const layout = { numExamples: 23, batchSize: 5, slots: 3, vocabSize: 40 };

  it('resumes after an interruption: nothing computed twice, nothing lost or duplicated', async () => {
    const store = new MemoryStore();
    const computedRanges: number[] = [];
    const compute = async (exs: MaskedExample[]) => {
      computedRanges.push(examples.indexOf(exs[0]));
      return fakeTeacher(exs, 4);
    };
    const get = (s: number, e: number) => examples.slice(s, e);
    // first run: stopped after 2 batches
    const ctl = new AbortController();
    const c1 = await TeacherCache.open(store, key, layout);
    const n1 = await fillTeacherCache(c1, {
      examples: get,
      compute,
      signal: ctl.signal,
      onProgress: (p) => p.done === 2 && ctl.abort(),
    });
    expect(n1).toBe(2);
    // a crash between writing batch 2 and the manifest: the record exists, the manifest does not list it
    await store.set(`${c1.prefix}batch/2`, encodeBatchRecord(fakeTeacher(examples.slice(10, 15), 4), 40));
    computedRanges.push(10);
    // a fresh cache object (a reload) continues
    const c2 = await TeacherCache.open(store, key, layout);
    expect(c2.completedBatches()).toEqual([0, 1, 2]);
    const n2 = await fillTeacherCache(c2, { examples: get, compute });
    expect(n2).toBe(2);
    expect(c2.isComplete()).toBe(true);
    expect(computedRanges.sort((a, b) => a - b)).toEqual([0, 5, 10, 15, 20]); // each batch once
    expect((await store.keys(c2.prefix + 'batch/')).length).toBe(5);
    // every example reads back its own outputs
    for (let i = 0; i < 23; i++) {
      const t = await c2.getExample(i);
      const ref = fakeTeacher([examples[i]], 4);
      expect(t.ids).toEqual(ref.ids);
    }
    // nothing more to do on a third open
    const c3 = await TeacherCache.open(store, key, layout);
    expect(await fillTeacherCache(c3, { examples: get, compute })).toBe(0);
  });

  it('storedBytes is the size of the batch records in the store, the short last batch included', async () => {
    const store = new MemoryStore();
    const cache = await TeacherCache.open(store, key, layout);
    expect(cache.storedBytes()).toBe(0);
    const stored = async () => {
      let n = 0;
      for (const k of await store.keys(cache.prefix + 'batch/')) n += ((await store.get(k)) as Uint8Array).byteLength;
      return n;
    };
    const ctl = new AbortController();
    await fillTeacherCache(cache, {
      examples: (s, e) => examples.slice(s, e),
      compute: async (exs) => fakeTeacher(exs, 4),
      signal: ctl.signal,
      onProgress: (p) => p.done === 2 && ctl.abort(),
    });
    expect(cache.storedBytes()).toBe(await stored());
    expect(cache.storedBytes()).toBe(2 * batchRecordBytes(5, 3, 4, 2));
    await fillTeacherCache(cache, {
      examples: (s, e) => examples.slice(s, e),
      compute: async (exs) => fakeTeacher(exs, 4),
    });
    expect(cache.storedBytes()).toBe(await stored());
    expect(cache.storedBytes()).toBe(4 * batchRecordBytes(5, 3, 4, 2) + batchRecordBytes(3, 3, 4, 2));
  });

  it('keys by teacher fingerprint, example set and k, and refuses a changed layout under the same key', async () => {
    const store = new MemoryStore();
    const c = await TeacherCache.open(store, key, layout);
    await fillTeacherCache(c, { examples: (s, e) => examples.slice(s, e), compute: async (e) => fakeTeacher(e, 4) });
    const other = await TeacherCache.open(store, { ...key, teacherFingerprint: 'sha:def' }, layout);
    expect(other.completedBatches()).toEqual([]);
    const otherK = await TeacherCache.open(store, { ...key, k: 8 }, layout);
    expect(otherK.completedBatches()).toEqual([]);
    await expect(TeacherCache.open(store, key, { ...layout, batchSize: 7 })).rejects.toThrow(
      /stored with batchSize 5, now 7/,
    );
    await expect(other.getExample(0)).rejects.toThrow(/batch 0 .* has not been computed yet/);
  });

  it('a full store fails with a clear error and keeps what was stored', async () => {
    const one = batchRecordBytes(5, 3, 4, 2);
    const store = new MemoryStore({ quotaBytes: one * 2 + 600 });
    const c = await TeacherCache.open(store, key, layout);
    const err = await fillTeacherCache(c, {
      examples: (s, e) => examples.slice(s, e),
      compute: async (e) => fakeTeacher(e, 4),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(StorageQuotaError);
    const m = /storage quota exceeded while writing "[^"]*batch\/(\d+)"; nothing stored was changed/.exec(err.message);
    expect(m).not.toBeNull();
    const failed = Number(m![1]);
    expect(failed).toBeGreaterThanOrEqual(2);
    const again = await TeacherCache.open(store, key, layout);
    expect(again.completedBatches()).toEqual([...Array(failed).keys()]);
    expect((await again.getExample(9)).ids.length).toBe(12);
  });
});

describe('importing seed teacher-output records into the cache', () => {
  it('builds batches from per-example outputs and serves them as a training set', async () => {
    const examples = syntheticExamples({ count: 6, vocabSize: 40, maxSeqLength: 12, maxPredictionsPerSeq: 3, seed: 4 });
    const ref = fakeTeacher(examples, 4);
    // per-example records as recordToTeacherOutput returns them (padding slots with junk, as the seed writes them)
    const records = examples.map((example, i) => {
      const probs = ref.probs.slice(i * 12, (i + 1) * 12);
      const topKIds = ref.ids.slice(i * 12, (i + 1) * 12);
      for (let s = 0; s < 3; s++) if (!example.maskedLmWeights[s]) probs.fill(0.25, s * 4, s * 4 + 4);
      return { example, probs, topKIds, k: 4 };
    });
    const store = new MemoryStore();
    const cache = await TeacherCache.open(
      store,
      { teacherFingerprint: 'seed-file', exampleSetId: 'x.tfrecord', k: 4 },
      {
        numExamples: 6,
        batchSize: 4,
        slots: 3,
        vocabSize: 40,
      },
    );
    await fillTeacherCache(cache, {
      examples: (s, e) => examples.slice(s, e),
      compute: async (exs) =>
        batchFromTeacherOutputs(records.slice(examples.indexOf(exs[0]), examples.indexOf(exs[0]) + exs.length)),
    });
    const set = cachedTrainingSet(examples, cache);
    const items = await set.load([5, 0]);
    expect(items[0].example).toBe(examples[5]);
    expect(items[0].teacher.ids).toEqual(ref.ids.slice(60, 72));
    expect(items[1].teacher.probs).toEqual(decodeFloat16(encodeFloat16(ref.probs.slice(0, 12))));
    expect(() => batchFromTeacherOutputs([records[0], { ...records[1], k: 8 }], 'x.tfrecord')).toThrow(
      /x\.tfrecord: example 1 has k 8/,
    );
    expect(() => cachedTrainingSet(examples.slice(1), cache)).toThrow(/holds 6 examples, 5 were given/);
  });
});
