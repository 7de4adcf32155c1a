import { describe, expect, it } from 'vitest';
import { syntheticExamples } from '../../testing/syntheticExamples.ts';
import { checkTokenIds } from './checkTokenIds.ts';

describe('checkTokenIds', () => {
  const [ex] = syntheticExamples({ count: 1, vocabSize: 40, maxSeqLength: 12, maxPredictionsPerSeq: 3, seed: 4 });

  it('accepts ids inside the vocabulary', () => {
    expect(() => checkTokenIds(ex, 40, 'x.tfrecord record 0', "the teacher's")).not.toThrow();
  });

  it('names the example, the id and both sizes when an id is past the vocabulary', () => {
    const big = { ...ex, inputIds: ex.inputIds.slice() };
    big.inputIds[5] = 8024;
    expect(() => checkTokenIds(big, 4445, 'x.tfrecord record 7', "the teacher's")).toThrow(
      "x.tfrecord record 7: input_ids holds id 8024 at position 5, but the teacher's vocabulary has 4445 entries (vocab_size); these examples were built with a larger vocabulary (at least 8025 entries)",
    );
    const label = { ...ex, maskedLmIds: Int32Array.from([1, -3, 0]) };
    expect(() => checkTokenIds(label, 40, 'r', 'the')).toThrow(
      'r: masked_lm_ids holds the negative id -3 at position 1',
    );
  });
});
