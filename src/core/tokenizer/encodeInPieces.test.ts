import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { describeWithRef, refPath } from '../../testing/refData.ts';
import { syntheticVocabText } from '../../testing/syntheticCorpus.ts';
import { BertTokenizer } from './bertTokenizer.ts';
import { encodeInPieces, LINE_PIECE_CHARS } from './encodeInPieces.ts';

const MIXED = [
  '满纸荒唐言，一把辛酸泪。',
  "Hello, World! déjà vu; it's [MASK] time?",
  '  \t tabs\tand spaces ',
  '😀𠀀emoji and astral 𠀁 characters ',
  'averyveryverylongwordwithoutanyspaceatallthatgoesonandonandonandonandonandonandonandonandonandonandonandon ',
  '３．１４１５９ full-width ＡＢＣ ',
].join('');

describe('encodeInPieces', () => {
  const tokenizer = BertTokenizer.fromVocabText(syntheticVocabText());

  it('gives exactly the ids of encoding the whole line, for every piece size', () => {
    const line = MIXED.repeat(40);
    const whole = tokenizer.encode(line);
    // (pieces at least twice the longest word: a word longer than half a piece may be cut, giving one more [UNK])
    for (const piece of [256, 257, 333, 1000, 4096]) {
      expect(Array.from(encodeInPieces(tokenizer, line, piece)), `piece ${piece}`).toEqual(whole);
    }
  });

  it('encodes a normal line whole, and a long one in pieces no longer than the limit (bounded memory)', () => {
    const spy = vi.spyOn(tokenizer, 'encode');
    encodeInPieces(tokenizer, MIXED);
    expect(spy.mock.calls.map((c) => c[0])).toEqual([MIXED]);
    spy.mockClear();
    const long = MIXED.repeat(2000); // ~300,000 characters
    encodeInPieces(tokenizer, long, 1000);
    const lengths = spy.mock.calls.map((c) => c[0].length);
    expect(lengths.length).toBeGreaterThan(long.length / 1000);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(1001);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(long.length);
    spy.mockRestore();
    expect(LINE_PIECE_CHARS).toBeGreaterThanOrEqual(1024);
  });
});

describeWithRef('encodeInPieces on real text', () => {
  it('红楼梦 as one line, with the real vocabulary: the same ids as one encode', () => {
    const vocab = readFileSync(refPath('vocab-bert-chinese', 'vocab.txt'), 'utf8');
    const tokenizer = BertTokenizer.fromVocabText(vocab, { doLowerCase: true });
    const line = readFileSync(refPath('corpus-zh', 'hongloumeng.txt'), 'utf8').slice(0, 300_000).replace(/\r?\n/g, ' ');
    expect(Array.from(encodeInPieces(tokenizer, line, 2048))).toEqual(tokenizer.encode(line));
  });
});
