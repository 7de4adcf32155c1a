/**
 * BertTokenizer against @huggingface/transformers' BertTokenizer on the real Chinese BERT
 * vocabulary and real corpora from ../shared/ref (whole files, line by line, ids compared),
 * and the user-edited vocabulary variant whose ids shift after line 131.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { describeWithRef, refPath } from '../../testing/refData.ts';
import { BertTokenizer } from './bertTokenizer.ts';
import { parseVocab } from './vocab.ts';
import { loadHfBertTokenizer, type HfBertTokenizer } from '../../testing/hfTokenizer.ts';

describeWithRef('BertTokenizer on the real Chinese vocab and corpora', () => {
  const vocabText = () => readFileSync(refPath('vocab-bert-chinese/vocab.txt'), 'utf8');
  let ours: BertTokenizer;
  let oursCased: BertTokenizer;
  let hf: HfBertTokenizer;
  let hfCased: HfBertTokenizer;
  beforeAll(async () => {
    const text = vocabText();
    ours = BertTokenizer.fromVocabText(text);
    oursCased = BertTokenizer.fromVocabText(text, { doLowerCase: false });
    hf = await loadHfBertTokenizer(parseVocab(text), true);
    hfCased = await loadHfBertTokenizer(parseVocab(text), false);
  });

  const files = [
    'corpus-zh/hongloumeng.txt',
    'corpus-zh/news_zh_1.txt',
    'corpus-zh/clue_sample_zh.txt',
    'lcqmc/dev.tsv',
  ];
  for (const f of files) {
    it(`gives Hugging Face's ids on every line of ${f}`, () => {
      const lines = readFileSync(refPath(f), 'utf8').split('\n');
      let tokens = 0;
      let unk = 0;
      for (let i = 0; i < lines.length; i++) {
        const a = ours.encode(lines[i]);
        const b = hf.encode(lines[i]);
        if (a.length !== b.length || a.some((x, j) => x !== b[j])) {
          expect({ file: f, line: i + 1, tokens: ours.tokenize(lines[i]) }).toEqual({
            file: f,
            line: i + 1,
            tokens: hf.tokenize(lines[i]),
          });
        }
        tokens += a.length;
        for (const x of a) if (x === ours.unkId) unk++;
      }
      expect(tokens).toBeGreaterThan(lines.length / 2);
      // the README: a few percent of the characters are outside the vocab, no more
      expect(unk / tokens).toBeLessThan(0.05);
    });
  }

  it("gives Hugging Face's ids without lower-casing too (news, LCQMC)", () => {
    for (const f of ['corpus-zh/news_zh_1.txt', 'lcqmc/dev.tsv']) {
      for (const line of readFileSync(refPath(f), 'utf8').split('\n')) {
        expect(oursCased.encode(line)).toEqual(hfCased.encode(line));
      }
    }
  });

  it('reads the vocab with the U+2028 tokens in place, so ids after 343 are not shifted', () => {
    expect(ours.vocab.length).toBe(21128);
    expect(ours.idOf('\u2028')).toBe(343);
    expect(ours.idOf('##\u2028')).toBe(13502);
    expect([ours.padId, ours.unkId, ours.clsId, ours.sepId, ours.maskId]).toEqual([0, 100, 101, 102, 103]);
    expect(ours.tokenize('我爱北京天安门。')).toEqual([...'我爱北京天安门。']);
    expect(ours.encode('我爱北京天安门。')).toEqual(hf.encode('我爱北京天安门。'));
  });

  it('a CRLF copy of the vocab gives the same ids', () => {
    const crlf = BertTokenizer.fromVocabText(vocabText().replaceAll('\n', '\r\n'));
    const line = readFileSync(refPath('corpus-zh/news_zh_1.txt'), 'utf8').split('\n')[0];
    expect(crlf.encode(line)).toEqual(ours.encode(line));
    expect(crlf.vocab).toEqual(ours.vocab);
  });

  it('the user-edited variant vocab (28 extra lines) gives the same tokens with ids shifted after 131', () => {
    const variant = BertTokenizer.fromVocabText(
      readFileSync(refPath('vocab-bert-chinese/variants/vocab.modified-21156-lines.txt'), 'utf8'),
    );
    expect(variant.vocab.length).toBe(21156);
    expect(variant.vocab.length - ours.vocab.length).toBe(28);
    // special tokens keep their ids; the inserted empty line is at 131
    expect([variant.padId, variant.unkId, variant.clsId, variant.sepId, variant.maskId]).toEqual([
      0, 100, 101, 102, 103,
    ]);
    expect(variant.vocab[131]).toBe('');
    const text = readFileSync(refPath('corpus-zh/news_zh_1.txt'), 'utf8');
    let shifted = 0;
    let same = 0;
    for (const line of text.split('\n')) {
      const a = ours.encode(line);
      const b = variant.encode(line);
      expect(variant.idsToTokens(b)).toEqual(ours.idsToTokens(a));
      for (let j = 0; j < a.length; j++) {
        if (a[j] < 131) {
          expect(b[j]).toBe(a[j]);
          same++;
        } else {
          // each id moves up by the number of lines inserted before its token
          expect(b[j]).toBe(variant.idOf(ours.vocab[a[j]]));
          expect(b[j]).toBeGreaterThan(a[j]);
          shifted++;
        }
      }
    }
    expect(shifted).toBeGreaterThan(1000);
    expect(same).toBeGreaterThan(0);
  });
});
