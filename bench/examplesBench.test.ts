import { describe, expect, it } from 'vitest';
import { documentsToText, syntheticDocuments, syntheticVocabText } from '../src/testing/syntheticCorpus.ts';
import { benchExamples } from './examplesBench.ts';

describe('benchExamples (smoke run on a tiny generated corpus; not a timing test)', () => {
  it('runs the whole pipeline and reports its figures', async () => {
    const r = await benchExamples({
      vocabText: syntheticVocabText(),
      corpusText: documentsToText(syntheticDocuments(5, 40)),
      repetitions: 2,
    });
    expect(r.examples).toBeGreaterThan(100);
    expect(r.mbPerSec).toBeGreaterThan(0);
    expect(r.examplesPerSec).toBeGreaterThan(0);
    expect(r.heapSamplesMB.length).toBe(2);
    expect(Number.isFinite(r.heapGrowthMB)).toBe(true);
  });
});
