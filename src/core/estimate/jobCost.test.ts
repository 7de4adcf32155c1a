import { describe, expect, it } from 'vitest';
import { encodeBatchRecord } from '../distill/teacherCache.ts';
import { createPretrainingExamples, PRETRAINING_DEFAULTS } from '../examples/createPretrainingData.ts';
import { ExampleSetWriter } from '../examples/exampleSetStore.ts';
import { bertForwardFlops } from '../model/flops.ts';
import { MemoryStore } from '../storage/keyValueStore.ts';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { streamDocuments, syntheticDocuments, syntheticVocabText } from '../../testing/syntheticCorpus.ts';
import {
  costWarnings,
  exampleSetBytes,
  LONG_JOB_SECONDS,
  secondsAt,
  teacherCacheBytes,
  teacherPassFlops,
  trainingFlops,
} from './jobCost.ts';

describe('teacherCacheBytes', () => {
  it('equals the bytes of the records the cache stores, a short last batch included', () => {
    for (const [examples, batchSize, slots, k, vocabSize] of [
      [10, 4, 5, 3, 1000],
      [64, 8, 20, 128, 21128],
      [7, 8, 10, 16, 100_000],
    ]) {
      let stored = 0;
      for (let from = 0; from < examples; from += batchSize) {
        const count = Math.min(batchSize, examples - from);
        const n = count * slots * k;
        const batch = {
          count,
          slots,
          k,
          probs: new Float32Array(n),
          ids: new Int32Array(n),
          weights: new Float32Array(count * slots),
        };
        stored += encodeBatchRecord(batch, vocabSize).length;
      }
      expect(teacherCacheBytes({ examples, slots, k, batchSize, vocabSize })).toBe(stored);
    }
  });

  it('makes the issue’s 177,462 examples at 20 slots and top-128 about 1.8 GB', () => {
    const bytes = teacherCacheBytes({ examples: 177_462, slots: 20, k: 128, batchSize: 8, vocabSize: 21128 });
    // 4 bytes per kept probability and id, plus a flag byte per slot
    expect(bytes / (177_462 * 20 * 128 * 4)).toBeGreaterThan(1);
    expect(bytes / (177_462 * 20 * 128 * 4)).toBeLessThan(1.01);
  });
});

describe('exampleSetBytes', () => {
  it('is within 10% of what the example store keeps for built examples', async () => {
    const tokenizer = BertTokenizer.fromVocabText(syntheticVocabText(), { doLowerCase: true });
    const o = { ...PRETRAINING_DEFAULTS, maxSeqLength: 64, maxPredictionsPerSeq: 10, dupeFactor: 1 };
    const writer = new ExampleSetWriter(new MemoryStore(), 'set');
    let tokens = 0;
    let positions = 0;
    const docs = syntheticDocuments(11, 120);
    for await (const ex of createPretrainingExamples(streamDocuments(docs), tokenizer, o)) {
      tokens += ex.inputMask.reduce((a, b) => a + b, 0);
      positions += ex.maskedLmWeights.reduce((a, b) => a + b, 0);
      await writer.add(ex);
    }
    const m = await writer.finish();
    expect(m.count).toBeGreaterThan(300);
    const estimate = exampleSetBytes(o, m.count, tokens, positions);
    expect(Math.abs(estimate - m.storedBytes) / m.storedBytes).toBeLessThan(0.1);
  });
});

describe('time and warnings', () => {
  const base = { layers: 12, hidden: 768, intermediate: 3072, vocab: 21128 };
  it('counts a teacher pass as one forward per example and training as three per example plus evaluations', () => {
    const shape = { maxSeqLength: 128, maxPredictionsPerSeq: 20 };
    const forward = bertForwardFlops({ ...base, seq: 128, masks: 20 });
    // BERT-base at 128 tokens: about 22 GFLOP per forward (2 × 85M encoder weights × 128, plus attention)
    expect(forward / 1e9).toBeGreaterThan(20);
    expect(forward / 1e9).toBeLessThan(25);
    expect(teacherPassFlops(1000, base, shape)).toBe(1000 * forward);
    expect(trainingFlops({ steps: 10, examplesPerStep: 32, evaluations: 2, heldOut: 50 }, base, shape)).toBe(
      (10 * 32 * 3 + 2 * 50) * forward,
    );
    expect(secondsAt(2e12, 100)).toBe(20);
    expect(() => secondsAt(1, 0)).toThrow(/0 GFLOP\/s/);
  });

  it('warns past an hour and past half the free storage, and not below', () => {
    const storage = { usage: 1e9, quota: 11e9 }; // 10 GB free
    expect(costWarnings({ seconds: LONG_JOB_SECONDS - 1, bytes: 4.9e9, storage })).toEqual([]);
    expect(costWarnings({ seconds: LONG_JOB_SECONDS + 1, bytes: 6e9, storage })).toEqual([
      { kind: 'time', seconds: LONG_JOB_SECONDS + 1, limitSeconds: LONG_JOB_SECONDS },
      { kind: 'storage', bytes: 6e9, freeBytes: 10e9, share: 0.6 },
    ]);
    expect(costWarnings({ seconds: null, bytes: 12e9, storage })[0]).toMatchObject({ kind: 'storage', share: 1.2 });
    expect(costWarnings({ seconds: null, bytes: 1e12, storage: null })).toEqual([]);
  });
});
