import { describe, expect, it } from 'vitest';
import { heldOutCount, heldOutMessage, heldOutSizeWarning, MIN_SCORED, splitHeldOut } from './heldOut.ts';
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

  it('flags a score on fewer than 30 predictions as too small, and says nothing from 30 on', () => {
    expect(MIN_SCORED).toBe(30);
    expect(heldOutSizeWarning(5)).toBe(
      'only 5 masked positions scored (fewer than 30): too few for the score to mean much',
    );
    expect(heldOutSizeWarning(29, 'dev examples')).toBe(
      'only 29 dev examples scored (fewer than 30): too few for the score to mean much',
    );
    expect(heldOutSizeWarning(0)).toBe('no masked positions scored: nothing is measured');
    expect(heldOutSizeWarning(30)).toBeNull();
    expect(heldOutSizeWarning(96)).toBeNull();
  });

  it('says what a run evaluates on, or plainly that it evaluates nothing', () => {
    expect(heldOutMessage(24)).toBe('evaluating on the last 24 examples of the set, held out from training');
    expect(heldOutMessage(1)).toBe('evaluating on the last 1 example of the set, held out from training');
    expect(heldOutMessage(0)).toBe('no evaluation: a set of fewer than 20 examples is all used for training');
  });
});
