import { openAsBlob, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithRef, refPath } from '../../testing/refData.ts';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { classificationFeature, classificationFeatures, truncateSeqPair } from './classificationFeatures.ts';
import { type PairTaskFile, readTaskFile, type SingleTaskFile } from './taskFiles.ts';

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...'一二三四五六七八九十'];
const tok = new BertTokenizer(VOCAB);
const id = (c: string) => tok.idOf(c)!;

describe('truncateSeqPair (run_classifier._truncate_seq_pair)', () => {
  it('pops from the end of the longer sequence, from b on a tie', () => {
    const a = [1, 2, 3, 4, 5];
    const b = [6, 7, 8];
    expect(truncateSeqPair(a, b, 6)).toBe(true);
    expect([a, b]).toEqual([
      [1, 2, 3],
      [6, 7, 8],
    ]);
    const c = [1, 2, 3];
    const d = [4, 5, 6];
    truncateSeqPair(c, d, 4);
    expect([c, d]).toEqual([
      [1, 2],
      [4, 5],
    ]);
    const e = [1, 2, 3];
    const f = [4, 5, 6];
    truncateSeqPair(e, f, 5);
    expect([e, f]).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(truncateSeqPair([1], [2], 2)).toBe(false);
  });
});

describe('classificationFeature', () => {
  it('builds [CLS] a [SEP] b [SEP] with segment ids, mask and padding', () => {
    const f = classificationFeature(tok, '一二三', '四五', '1', ['0', '1'], 10);
    expect([...f.inputIds]).toEqual([
      tok.clsId,
      id('一'),
      id('二'),
      id('三'),
      tok.sepId,
      id('四'),
      id('五'),
      tok.sepId,
      tok.padId,
      tok.padId,
    ]);
    expect([...f.segmentIds]).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 0, 0]);
    expect([...f.inputMask]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(f.labelId).toBe(1);
    expect(f.truncated).toBe(false);
  });

  it('single sentences: [CLS] a [SEP], cut to max_seq_length - 2', () => {
    const f = classificationFeature(tok, '一二三四五', undefined, undefined, ['100'], 5);
    expect([...f.inputIds]).toEqual([tok.clsId, id('一'), id('二'), id('三'), tok.sepId]);
    expect([...f.segmentIds]).toEqual([0, 0, 0, 0, 0]);
    expect(f.labelId).toBe(-1);
    expect(f.truncated).toBe(true);
  });

  it('cuts a pair with the run_classifier rule', () => {
    const f = classificationFeature(tok, '一二三四五六', '七八', '0', ['0', '1'], 8);
    // 5 tokens for a and b: a loses 一二三四五六 → 一二三
    expect(tok.idsToTokens(f.inputIds)).toEqual(['[CLS]', '一', '二', '三', '[SEP]', '七', '八', '[SEP]']);
    expect(f.truncated).toBe(true);
  });

  it('rejects unknown labels (naming the example) and too small lengths', () => {
    expect(() =>
      classificationFeatures([{ guid: '7', textA: '一', textB: '二', label: '2', line: 9 }], tok, ['0', '1'], 8),
    ).toThrow(/example 7 \(line 9\): label "2" is not in the label list \(0, 1\)/);
    expect(() => classificationFeature(tok, '一', '二', '0', ['0'], 2)).toThrow(/at least 3/);
  });
});

describeWithRef('classificationFeatures on the real dev files', () => {
  const vocab = () => BertTokenizer.fromVocabText(readFileSync(refPath('vocab-bert-chinese', 'vocab.txt'), 'utf8'));

  it('LCQMC dev (max_seq_length 128) and TNEWS dev (max_seq_length 32)', async () => {
    const t = vocab();
    const lcqmc = (await readTaskFile(await openAsBlob(refPath('lcqmc', 'dev.tsv')), {
      task: 'lcqmc',
    })) as PairTaskFile;
    const feats = classificationFeatures(lcqmc.examples, t, lcqmc.labels, 128);
    expect(feats).toHaveLength(8802);
    expect(feats.filter((f) => f.labelId === 1)).toHaveLength(4402);
    expect(feats.some((f) => f.truncated)).toBe(false);
    expect(t.idsToTokens(feats[0].inputIds.slice(0, 13))).toEqual(['[CLS]', ...'开初婚未育证明怎么弄？', '[SEP]']);
    const tnews = (await readTaskFile(await openAsBlob(refPath('clue-tnews', 'dev.json')), {
      task: 'tnews',
    })) as SingleTaskFile;
    const tf = classificationFeatures(tnews.examples, t, tnews.labels, 32);
    expect(tf).toHaveLength(4928);
    expect(tf.every((f) => f.labelId >= 0 && f.labelId < 15 && f.segmentIds.every((s) => s === 0))).toBe(true);
    expect(tf.filter((f) => f.truncated).length).toBeGreaterThan(0);
  });
});
