import { describe, expect, it } from 'vitest';
import { parseBertConfig } from '../model/config.ts';
import { planTeacherSplit, tensorByteLimit } from './bufferLimits.ts';

// RoBERTa-wwm-ext-large's shape: the original's teacher
const large = parseBertConfig({
  vocab_size: 21128,
  hidden_size: 1024,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  intermediate_size: 4096,
  max_position_embeddings: 512,
});
const MiB = 2 ** 20;

/** Bytes of the largest tensors one sub-batch makes under a split. */
function largestTensors(split: ReturnType<typeof planTeacherSplit>, seq: number, slots: number) {
  const E = split.examplesPerChunk;
  return {
    scores: E * large.num_attention_heads * seq * seq * 4,
    feedForward: E * seq * large.intermediate_size * 4,
    wordBlock: split.vocabBlockRows * large.hidden_size * 4,
    logits: E * slots * split.vocabChunk * 4,
  };
}

describe('planTeacherSplit', () => {
  it('splits nothing without a limit', () => {
    const s = planTeacherSplit(large, { batch: 32, seq: 512, slots: 80 }, Number.POSITIVE_INFINITY);
    expect(s).toEqual({
      examplesPerChunk: 32,
      vocabBlockRows: 21128,
      vocabChunk: 21128,
      subBatches: 1,
      vocabChunks: 1,
    });
  });

  it("the spec's default 128 MiB binding limit: the 86.5 MB word embeddings fit whole, 512-token batches go 8 examples at a time", () => {
    const s = planTeacherSplit(large, { batch: 32, seq: 512, slots: 80 }, 128 * MiB);
    // 16 heads × 512 × 512 × 4 bytes = 16 MiB of attention scores per example
    expect(s.examplesPerChunk).toBe(8);
    expect(s.subBatches).toBe(4);
    expect(s.vocabBlockRows).toBe(21128);
    expect(s.vocabChunks).toBe(1);
  });

  it('a 64 MiB limit puts the word embeddings in two blocks and the logits in two chunks', () => {
    const s = planTeacherSplit(large, { batch: 32, seq: 512, slots: 80 }, 64 * MiB);
    expect(s.vocabBlockRows).toBe(16384); // 16384 × 1024 × 4 = 64 MiB
    expect(s.examplesPerChunk).toBe(4);
    expect(s.vocabChunk).toBe(16384);
    expect(s.vocabChunks).toBe(2);
  });

  it('every tensor stays within the limit, and each split is as coarse as the limit allows', () => {
    for (const limitMiB of [20, 33, 64, 100, 128, 256, 2048]) {
      for (const [batch, seq, slots] of [
        [32, 128, 20],
        [64, 512, 80],
        [256, 128, 20],
        [1, 512, 512],
      ]) {
        const limit = limitMiB * MiB;
        const s = planTeacherSplit(large, { batch, seq, slots }, limit);
        const t = largestTensors(s, seq, slots);
        for (const bytes of Object.values(t)) expect(bytes).toBeLessThanOrEqual(limit);
        expect(s.subBatches).toBe(Math.ceil(batch / s.examplesPerChunk));
        // one more example per sub-batch would not fit (unless the batch is whole)
        if (s.examplesPerChunk < batch) {
          const E = s.examplesPerChunk + 1;
          expect(Math.max(E * 16 * seq * seq * 4, E * seq * 4096 * 4)).toBeGreaterThan(limit);
        }
        // chunks cover the vocabulary: full blocks of whole chunks, then the rest
        let covered = 0;
        let chunks = 0;
        for (let start = 0; start < large.vocab_size; start += s.vocabBlockRows) {
          const rows = Math.min(s.vocabBlockRows, large.vocab_size - start);
          chunks += Math.ceil(rows / s.vocabChunk);
          covered += rows;
        }
        expect(covered).toBe(large.vocab_size);
        expect(chunks).toBe(s.vocabChunks);
      }
    }
  });

  it('a layer weight over the limit cannot be split: a clear error naming it', () => {
    // [4096, 1024] × 4 = 16 MiB
    expect(() => planTeacherSplit(large, { batch: 8, seq: 128, slots: 20 }, 8 * MiB)).toThrow(
      /feed-forward weight \[4096, 1024\] takes 16777216 bytes \(16\.0 MiB\), over the device's buffer limit \(8388608 bytes, 8\.0 MiB\); it cannot be split/,
    );
  });

  it("one example's attention scores over the limit: a clear error", () => {
    const long = parseBertConfig({ ...large, max_position_embeddings: 4096 });
    expect(() => planTeacherSplit(long, { batch: 8, seq: 2048, slots: 20 }, 128 * MiB)).toThrow(
      /one example's attention scores \[16, 2048, 2048\] .* take 268435456 bytes .* over the device's buffer limit .*use shorter sequences/,
    );
  });

  it('the byte limit is the smaller of the two device limits', () => {
    expect(tensorByteLimit({ maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 256 * MiB })).toBe(128 * MiB);
    expect(tensorByteLimit({ maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 256 * MiB })).toBe(256 * MiB);
  });
});
