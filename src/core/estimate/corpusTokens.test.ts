import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPretrainingExamples, PRETRAINING_DEFAULTS } from '../examples/createPretrainingData.ts';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { describeWithRef, refDocuments, refPath } from '../../testing/refData.ts';
import { RARE_CHAR, streamDocuments, syntheticVocabText } from '../../testing/syntheticCorpus.ts';
import { corpusTokenStats, lengthBucket } from './corpusTokens.ts';
import { estimateExamples } from './exampleCount.ts';

const tokenizer = BertTokenizer.fromVocabText(syntheticVocabText(), { doLowerCase: true });

describe('corpusTokenStats', () => {
  it('counts tokens and [UNK], names the unknown characters by frequency, and skips short documents', async () => {
    const docs = [
      // 13 in-vocabulary characters, 2 × 龘 and 1 × 鱻: 16 tokens, 3 unknown
      [`中国经济${RARE_CHAR}发展北京`, `人民政府${RARE_CHAR}鱻。`],
      // 7 code points: skipped (under 14)
      ['中国经济发展。'],
      // 20 characters with "<eop>" removed before tokenising (25 code points counted, as the builder)
      ['中国经济发展北京人民政府社会我们他们国家<eop>'],
    ];
    const s = await corpusTokenStats(streamDocuments(docs), tokenizer, { minDocumentChars: 14 });
    expect(s.documents).toBe(2);
    expect(s.skippedDocuments).toBe(1);
    expect(s.unknown).toBe(3);
    expect(s.tokens).toBe(16 + 20);
    expect(s.topUnknown).toEqual([
      { text: RARE_CHAR, count: 2 },
      { text: '鱻', count: 1 },
    ]);
    // lengths without [UNK]: 13 and 20 tokens
    expect(s.lengths).toEqual([
      [13, 1],
      [20, 1],
    ]);
  });

  it('gives the document lengths the builder uses: one example per short document at full length', async () => {
    const docs = [
      ['中国经济发展，北京人民政府社会。我们他们国家。'],
      [`我们他们${RARE_CHAR}国家企业，市场文化学生。老师今天明天问题工作。`],
    ];
    // short_seq_prob 1: every target is max_seq_length, so each document is one span
    const o = { ...PRETRAINING_DEFAULTS, dupeFactor: 1, maxSeqLength: 128, shortSeqProb: 1 };
    const s = await corpusTokenStats(streamDocuments(docs), tokenizer, { minDocumentChars: o.minDocumentChars });
    let built = 0;
    for await (const ex of createPretrainingExamples(streamDocuments(docs), tokenizer, o)) {
      built++;
      const n = ex.inputMask.reduce((a, b) => a + b, 0) - 3;
      expect(s.lengths.map(([len]) => len)).toContain(n);
    }
    expect(built).toBe(2);
    expect(estimateExamples(s.lengths, o).examples).toBe(2);
  });

  it('rounds long lengths to under 2% and keeps short ones exact', () => {
    for (const n of [1, 17, 256]) expect(lengthBucket(n)).toBe(n);
    for (const n of [257, 1000, 4097, 123_457, 9_999_999])
      expect(Math.abs(lengthBucket(n) - n) / n).toBeLessThan(0.016);
  });
});

describeWithRef('corpusTokenStats on a real corpus and vocabulary', () => {
  it('finds few [UNK] in news with bert-base-chinese’s vocab, most of them curly quotes it lacks', async () => {
    const vocab = BertTokenizer.fromVocabText(readFileSync(refPath('vocab-bert-chinese', 'vocab.txt'), 'utf8'), {
      doLowerCase: true,
    });
    const docs = await refDocuments('corpus-zh', 'news_zh_1.txt');
    const s = await corpusTokenStats(streamDocuments(docs), vocab, { minDocumentChars: 20 });
    expect(s.tokens).toBeGreaterThan(10_000);
    expect(s.unknown / s.tokens).toBeGreaterThan(0);
    expect(s.unknown / s.tokens).toBeLessThan(0.03);
    expect(s.topUnknown[0].text).toBe('“');
    for (const u of s.topUnknown) expect(vocab.encode(u.text)).toContain(vocab.unkId);
  });
});
