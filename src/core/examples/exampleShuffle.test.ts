import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.ts';
import { clearExample, copyExample, ExampleShuffleBuffer, newExample } from './exampleShuffle.ts';
import type { MaskedExample } from './maskedExample.ts';

const shape = { maxSeqLength: 8, maxPredictionsPerSeq: 3 };

/** An example whose every value encodes `n`, so copies can be told apart. */
function numbered(n: number): MaskedExample {
  const ex = newExample(shape);
  ex.inputIds.fill(n);
  ex.inputMask.fill(1, 0, 1 + (n % 8));
  ex.segmentIds.fill(n % 2);
  ex.maskedLmPositions.fill(n + 1);
  ex.maskedLmIds.fill(n + 2);
  ex.maskedLmWeights.fill(n % 3 === 0 ? 1 : 0.5);
  ex.nextSentenceLabel = n % 2;
  return ex;
}

describe('newExample / clearExample / copyExample', () => {
  it('makes zeroed arrays of the shape in one buffer, clears and copies them', () => {
    const ex = numbered(5);
    expect(ex.inputIds.length).toBe(8);
    expect(ex.maskedLmWeights.length).toBe(3);
    expect(ex.maskedLmWeights.buffer).toBe(ex.inputIds.buffer);
    const copy = copyExample(ex, shape);
    expect(copy.inputIds.buffer).not.toBe(ex.inputIds.buffer);
    expect(copy).toEqual(ex);
    clearExample(ex);
    expect(ex).toEqual(newExample(shape));
  });
});

describe('ExampleShuffleBuffer', () => {
  it('holds at most its capacity and hands out every example once, unchanged, in a new order', () => {
    const buf = new ExampleShuffleBuffer(10, shape, new Rng(1));
    const out: MaskedExample[] = [];
    const scratch = newExample(shape);
    for (let i = 0; i < 100; i++) {
      // The caller reuses its object: the buffer must have copied it.
      const src = numbered(i);
      copyInto(scratch, src);
      const leaving = buf.push(scratch);
      if (i < 10) expect(leaving).toBeUndefined();
      else out.push(leaving!);
      expect(buf.size).toBeLessThanOrEqual(10);
    }
    out.push(...buf.drain());
    expect(buf.size).toBe(0);
    const ids = out.map((ex) => ex.inputIds[0]);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(ids).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const ex of out) expect(ex).toEqual(numbered(ex.inputIds[0]));
  });

  it('with capacity 0 hands back a copy at once', () => {
    const buf = new ExampleShuffleBuffer(0, shape, new Rng(1));
    const ex = numbered(3);
    const back = buf.push(ex)!;
    expect(back).not.toBe(ex);
    expect(back).toEqual(ex);
    expect([...buf.drain()]).toEqual([]);
  });
});

function copyInto(dst: MaskedExample, src: MaskedExample): void {
  dst.inputIds.set(src.inputIds);
  dst.inputMask.set(src.inputMask);
  dst.segmentIds.set(src.segmentIds);
  dst.maskedLmPositions.set(src.maskedLmPositions);
  dst.maskedLmIds.set(src.maskedLmIds);
  dst.maskedLmWeights.set(src.maskedLmWeights);
  dst.nextSentenceLabel = src.nextSentenceLabel;
}
