import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.ts';
import { maskSequence, MaskingScratch, numToPredict, roundHalfEven, type MaskingConfig } from './masking.ts';

const PAD = 0;
const UNK = 100;
const CLS = 101;
const SEP = 102;
const MASK = 103;
const VOCAB = 1000;

const cfg = (over: Partial<MaskingConfig> = {}): MaskingConfig => ({
  maskedLmProb: 0.15,
  maxPredictionsPerSeq: 20,
  wholeWordMask: false,
  vocabSize: VOCAB,
  maskId: MASK,
  clsId: CLS,
  sepId: SEP,
  padId: PAD,
  ...over,
});

/** [CLS] a.. [SEP] b.. [SEP] with distinct ordinary ids (>= 200), then padding. */
function sequence(lenA: number, lenB: number, padTo = 0): { ids: Int32Array; length: number } {
  const length = lenA + lenB + 3;
  const ids = new Int32Array(Math.max(length, padTo));
  ids[0] = CLS;
  for (let i = 0; i < lenA; i++) ids[1 + i] = 200 + i;
  ids[lenA + 1] = SEP;
  for (let i = 0; i < lenB; i++) ids[lenA + 2 + i] = 200 + lenA + i;
  ids[length - 1] = SEP;
  return { ids, length };
}

describe('numToPredict', () => {
  it('rounds half to even like Python 3 and clamps to [1, max]', () => {
    expect(roundHalfEven(4.5)).toBe(4);
    expect(roundHalfEven(7.5)).toBe(8);
    expect(roundHalfEven(2.4999)).toBe(2);
    expect(roundHalfEven(2.6)).toBe(3);
    expect(numToPredict(30, 0.15, 20)).toBe(4); // 4.5 -> 4
    expect(numToPredict(50, 0.15, 20)).toBe(8); // 7.5 -> 8
    expect(numToPredict(3, 0.15, 20)).toBe(1); // at least one
    expect(numToPredict(512, 0.15, 20)).toBe(20); // at most max
  });
});

describe('maskSequence', () => {
  it('masks exactly num_to_predict positions, sorted, never [CLS]/[SEP]/padding, labels = original ids', () => {
    const rng = new Rng(1);
    const scratch = new MaskingScratch();
    for (let trial = 0; trial < 500; trial++) {
      const lenA = 1 + (trial % 37);
      const lenB = 1 + ((trial * 7) % 53);
      const { ids, length } = sequence(lenA, lenB, 128);
      const orig = ids.slice();
      const { positions, labels } = maskSequence(ids, length, null, cfg(), rng, scratch);
      expect(positions.length).toBe(numToPredict(length, 0.15, 20));
      for (let k = 0; k < positions.length; k++) {
        const p = positions[k];
        if (k > 0) expect(p).toBeGreaterThan(positions[k - 1]);
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThan(length - 1);
        expect(orig[p]).not.toBe(SEP);
        expect(labels[k]).toBe(orig[p]);
      }
      // Unchosen positions, [CLS], [SEP] and padding are untouched.
      const chosen = new Set(positions);
      for (let i = 0; i < ids.length; i++) if (!chosen.has(i)) expect(ids[i]).toBe(orig[i]);
    }
  });

  it('replaces 80% with [MASK], keeps 10%, and puts a random vocabulary id in 10%', () => {
    const rng = new Rng(7);
    const scratch = new MaskingScratch();
    let total = 0;
    let masked = 0;
    let kept = 0;
    let random = 0;
    const randomIds = new Set<number>();
    while (total < 40000) {
      const { ids, length } = sequence(60, 60);
      const orig = ids.slice();
      const { positions } = maskSequence(ids, length, null, cfg(), rng, scratch);
      for (const p of positions) {
        total++;
        if (ids[p] === MASK) masked++;
        else if (ids[p] === orig[p]) kept++;
        else {
          random++;
          randomIds.add(ids[p]);
          expect(ids[p]).toBeGreaterThanOrEqual(0);
          expect(ids[p]).toBeLessThan(VOCAB);
        }
      }
    }
    // Binomial standard deviation at n=40000 is about 0.2% for 80% and 0.15% for 10%.
    expect(Math.abs(masked / total - 0.8)).toBeLessThan(0.01);
    // A random draw can hit the original id (1/1000), so "kept" is a hair above 10%.
    expect(Math.abs(kept / total - 0.1)).toBeLessThan(0.008);
    expect(Math.abs(random / total - 0.1)).toBeLessThan(0.008);
    expect(randomIds.size).toBeGreaterThan(900); // spread over the whole vocabulary
  });

  it('chooses every candidate position about equally often', () => {
    const rng = new Rng(3);
    const counts = new Array(20).fill(0);
    for (let t = 0; t < 20000; t++) {
      const { ids, length } = sequence(10, 7); // 20 tokens, 17 candidates, 3 chosen
      const { positions } = maskSequence(ids, length, null, cfg(), rng);
      for (const p of positions) counts[p]++;
    }
    expect(counts[0]).toBe(0);
    expect(counts[11]).toBe(0);
    expect(counts[19]).toBe(0);
    const expected = (20000 * 3) / 17;
    for (let i = 1; i < 19; i++) if (i !== 11) expect(Math.abs(counts[i] - expected) / expected).toBeLessThan(0.08);
  });

  it('masks whole words together and skips a word that would overflow the budget', () => {
    const rng = new Rng(11);
    // 40 tokens: words of sizes 1, 2, 3, 5 repeating; num_to_predict = round(43*.15) = 6.
    const lenA = 20;
    const lenB = 20;
    for (let trial = 0; trial < 300; trial++) {
      const { ids, length } = sequence(lenA, lenB);
      const starts = new Uint8Array(length).fill(1);
      const wordOf = new Int32Array(length).fill(-1);
      const sizes = [1, 2, 3, 5];
      let w = 0;
      for (const [from, count] of [
        [1, lenA],
        [lenA + 2, lenB],
      ]) {
        let i = 0;
        while (i < count) {
          const size = Math.min(sizes[w % 4], count - i);
          for (let k = 0; k < size; k++) {
            starts[from + i + k] = k === 0 ? 1 : 0;
            wordOf[from + i + k] = w;
          }
          i += size;
          w++;
        }
      }
      const { positions } = maskSequence(ids, length, starts, cfg({ wholeWordMask: true }), rng);
      expect(positions.length).toBeLessThanOrEqual(numToPredict(length, 0.15, 20));
      const chosen = new Set(positions);
      const words = new Set([...positions].map((p) => wordOf[p]));
      for (const word of words) {
        for (let i = 0; i < length; i++) if (wordOf[i] === word) expect(chosen.has(i)).toBe(true);
      }
    }
  });

  it('without whole-word masking ignores the word flags', () => {
    const rng = new Rng(5);
    let split = 0;
    for (let t = 0; t < 200; t++) {
      const { ids, length } = sequence(30, 30);
      const starts = new Uint8Array(length);
      starts[1] = 1; // one giant word
      const { positions } = maskSequence(ids, length, starts, cfg(), rng);
      if (positions.length > 0 && positions.length < 60) split++;
    }
    expect(split).toBe(200);
  });

  it('is deterministic for a seed and differs for another', () => {
    const run = (seed: number) => {
      const rng = new Rng(seed);
      const out: number[] = [];
      for (let t = 0; t < 20; t++) {
        const { ids, length } = sequence(40, 40);
        const { positions } = maskSequence(ids, length, null, cfg(), rng);
        out.push(...positions, ...ids);
      }
      return out;
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('never masks [CLS]/[SEP]/[PAD] ids wherever they are, and a continuation after one starts a group', () => {
    const rng = new Rng(9);
    const ids = Int32Array.from([CLS, 300, 301, SEP, 302, PAD, 303, 304, SEP]);
    const starts = Uint8Array.from([1, 1, 0, 1, 0, 1, 0, 0, 1]);
    for (let t = 0; t < 200; t++) {
      const work = ids.slice();
      const { positions } = maskSequence(
        work,
        work.length,
        starts,
        cfg({ maskedLmProb: 0.3, wholeWordMask: true }),
        rng,
      );
      for (const p of positions) expect([CLS, SEP, PAD]).not.toContain(ids[p]);
      const set = new Set(positions);
      // 300+301 is one word; 302 follows [SEP] so it is its own group; 303+304 is one word.
      expect(set.has(1)).toBe(set.has(2));
      expect(set.has(6)).toBe(set.has(7));
    }
    void UNK;
  });
});
