import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.ts';
import {
  createPretrainingExamples,
  PRETRAINING_DEFAULTS,
  type PretrainingOptions,
} from '../examples/createPretrainingData.ts';
import { seedSpans } from '../examples/spanInstances.ts';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { streamDocuments, syntheticDocuments, syntheticVocabText } from '../../testing/syntheticCorpus.ts';
import { corpusTokenStats } from './corpusTokens.ts';
import { capEstimate, estimateExamples, mergeLengths, seedSpanCount } from './exampleCount.ts';

const tokenizer = BertTokenizer.fromVocabText(syntheticVocabText(), { doLowerCase: true });

describe('seedSpanCount', () => {
  it('counts the spans seedSpans makes, and the last one’s length, for any document, span and stride', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 3000; i++) {
      const n = rng.randint(0, 3000);
      const m = rng.randint(1, 600);
      const stride = rng.randint(1, 700);
      const spans = seedSpans(n, m, stride);
      const got = seedSpanCount(n, m, stride);
      expect(got.spans, `n=${n} m=${m} stride=${stride}`).toBe(spans.length);
      const last = spans[spans.length - 1];
      if (last && last[1] !== m) expect(got.lastLength).toBe(last[1]);
    }
  });
});

/** Builds the examples for real and compares with the estimate from the scanned corpus. */
async function actualAndEstimate(docs: string[][], opts: Partial<PretrainingOptions>) {
  const o: PretrainingOptions = { ...PRETRAINING_DEFAULTS, ...opts };
  let examples = 0;
  let tokens = 0;
  let positions = 0;
  for await (const ex of createPretrainingExamples(streamDocuments(docs), tokenizer, o)) {
    examples++;
    tokens += ex.inputMask.reduce((a, b) => a + b, 0);
    positions += ex.maskedLmWeights.reduce((a, b) => a + b, 0);
  }
  const stats = await corpusTokenStats(streamDocuments(docs), tokenizer, { minDocumentChars: o.minDocumentChars });
  return { actual: { examples, tokens, positions }, estimate: estimateExamples(stats.lengths, o) };
}

describe('estimateExamples', () => {
  const docs = syntheticDocuments(3, 300, { sentences: [2, 40], unkRate: 0.02 });
  for (const opts of [
    { maxSeqLength: 128, dupeFactor: 2, docStride: 256 },
    { maxSeqLength: 64, dupeFactor: 3, docStride: 32, doWholeWordMask: true },
    { maxSeqLength: 512, dupeFactor: 1, shortSeqProb: 0.5, docStride: 128 },
  ] satisfies Partial<PretrainingOptions>[]) {
    // whole-word masking moves A/B splits to word starts, which drops some short spans
    const within = 'doWholeWordMask' in opts ? 0.1 : 0.02;
    it(`is within ${within * 100}% of what seed mode builds (${JSON.stringify(opts)})`, async () => {
      const { actual, estimate } = await actualAndEstimate(docs, opts);
      expect(actual.examples).toBeGreaterThan(100);
      expect(estimate.rough).toBe(false);
      expect(Math.abs(estimate.examples - actual.examples) / actual.examples).toBeLessThan(within);
      expect(Math.abs(estimate.tokens - actual.tokens) / actual.tokens).toBeLessThan(within);
      // whole-word masking can stop short of the count: the estimate is an upper bound within 10%
      expect(Math.abs(estimate.positions - actual.positions) / actual.positions).toBeLessThan(0.1);
    });
  }

  it('gives bert mode’s sentence pairs to within 35%, and says the figure is rough', async () => {
    const { actual, estimate } = await actualAndEstimate(docs, { mode: 'bert', maxSeqLength: 64, dupeFactor: 2 });
    expect(estimate.rough).toBe(true);
    expect(Math.abs(estimate.examples - actual.examples) / actual.examples).toBeLessThan(0.35);
  });

  it('gives the spread of a corpus of one long document: the built count is within 3 spreads over many seeds', async () => {
    const doc = [syntheticDocuments(5, 1, { sentences: [40, 40] })[0]];
    const o = { ...PRETRAINING_DEFAULTS, maxSeqLength: 32, dupeFactor: 2, docStride: 32 };
    const stats = await corpusTokenStats(streamDocuments(doc), tokenizer, { minDocumentChars: 20 });
    const e = estimateExamples(stats.lengths, o);
    expect(e.spread).toBeGreaterThan(0.1 * e.examples);
    let sum = 0;
    const seeds = 40;
    for (let seed = 1; seed <= seeds; seed++) {
      let n = 0;
      for await (const _ of createPretrainingExamples(streamDocuments(doc), tokenizer, { ...o, randomSeed: seed })) n++;
      expect(Math.abs(n - e.examples)).toBeLessThan(3 * e.spread);
      sum += n;
    }
    // the mean over seeds is near the estimate (its standard error is spread / √seeds)
    expect(Math.abs(sum / seeds - e.examples)).toBeLessThan((3 * e.spread) / Math.sqrt(seeds));
  });

  it('grows with dupe_factor in proportion and is zero for no documents', () => {
    const lengths: [number, number][] = [
      [50, 10],
      [700, 3],
    ];
    const one = estimateExamples(lengths, { ...PRETRAINING_DEFAULTS, dupeFactor: 1 });
    const five = estimateExamples(lengths, { ...PRETRAINING_DEFAULTS, dupeFactor: 5 });
    expect(Math.abs(five.examples - 5 * one.examples)).toBeLessThanOrEqual(3);
    expect(estimateExamples([], PRETRAINING_DEFAULTS).examples).toBe(0);
  });

  it('caps the examples and scales tokens and positions alike; merges histograms', () => {
    const e = { examples: 1000, tokens: 100_000, positions: 15_000, spread: 30, rough: false };
    expect(capEstimate(e, 250)).toEqual({ examples: 250, tokens: 25_000, positions: 3750, spread: 0, rough: false });
    expect(capEstimate(e, 5000)).toBe(e);
    expect(capEstimate(e, null)).toBe(e);
    expect(
      mergeLengths([
        [
          [3, 1],
          [9, 2],
        ],
        [[3, 4]],
      ]),
    ).toEqual([
      [3, 5],
      [9, 2],
    ]);
  });
});
