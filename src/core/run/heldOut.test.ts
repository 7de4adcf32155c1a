import { describe, expect, it } from 'vitest';
import { heldOutCount, splitHeldOut } from './heldOut.ts';
import { inMemoryTrainingSet } from './task.ts';

describe('the held-out rule', () => {
  it('holds out 5% of a set, at least 1 and at most 256, none below 20 examples', () => {
    expect(heldOutCount(19)).toBe(0);
    expect(heldOutCount(20)).toBe(1);
    expect(heldOutCount(1008)).toBe(50);
    expect(heldOutCount(100_000)).toBe(256);
    expect(heldOutCount(1000, { fraction: 0.01 })).toBe(10);
    expect(heldOutCount(1000, { fraction: 0 })).toBe(0);
    expect(() => heldOutCount(1000, { fraction: 1 })).toThrow(/held-out fraction must be in \[0, 1\), got 1/);
  });

  it('holds out the last examples and trains on the others, in order', async () => {
    const set = inMemoryTrainingSet([...Array(40).keys()]);
    const { train, heldOut } = splitHeldOut(set);
    expect(train.size).toBe(38);
    expect(heldOut?.size).toBe(2);
    expect(await heldOut!.load([0, 1])).toEqual([38, 39]);
    expect(await train.load([0, 37])).toEqual([0, 37]);
    expect(() => train.load([38])).toThrow(/outside|38/);
    expect(splitHeldOut(inMemoryTrainingSet([1, 2, 3])).heldOut).toBeNull();
  });
});
