import { describe, expect, it } from 'vitest';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { RARE_CHAR, syntheticVocabText } from '../../testing/syntheticCorpus.ts';
import { isCjkCodePoint, lineToPieces, markWordStarts, MAX_SEGMENT_CHARS } from './wholeWord.ts';
import { loadSegmenter } from './wordSegmenter.ts';

const tokenizer = BertTokenizer.fromVocabText(syntheticVocabText(), { doLowerCase: true });

describe('loadSegmenter (jieba-wasm in Node)', () => {
  it('loads once and cuts text into words that concatenate back to it', async () => {
    const seg = await loadSegmenter();
    expect(await loadSegmenter()).toBe(seg);
    const text = '我们在北京的图书馆研究经济发展，playing 2020。';
    const words = seg.cut(text);
    expect(words.join('')).toBe(text);
    expect(words.some((w) => w.length >= 2 && [...w].every((c) => isCjkCodePoint(c.codePointAt(0)!)))).toBe(true);
  });
});

describe('lineToPieces', () => {
  it('marks non-initial characters of each multi-character jieba word as continuations, ids stay per character', async () => {
    const seg = await loadSegmenter();
    const text = '我们在北京的图书馆研究经济发展，中华人民共和国的互联网很发展。';
    const { tokens, ids, startsWord } = lineToPieces(text, tokenizer, seg);
    // Chinese text: one token per character, each with its own vocabulary id.
    expect(tokens).toEqual([...text]);
    expect(Array.from(ids)).toEqual(tokenizer.tokensToIds([...text]));
    // Expected flags from jieba's words of the raw text.
    const expected: number[] = [];
    for (const w of seg.cut(text)) for (let k = 0; k < w.length; k++) expected.push(k === 0 ? 1 : 0);
    expect(Array.from(startsWord)).toEqual(expected);
    expect(expected.filter((f) => f === 0).length).toBeGreaterThan(5);
  });

  it('groups English `##` pieces with their word, with or without jieba', async () => {
    const seg = await loadSegmenter();
    for (const s of [seg, null]) {
      const { tokens, startsWord } = lineToPieces('the player in 北京 playing data', tokenizer, s);
      expect(tokens).toEqual(['the', 'play', '##er', 'in', '北', '京', 'play', '##ing', 'data']);
      expect(Array.from(startsWord)).toEqual(s ? [1, 1, 0, 1, 1, 0, 1, 0, 1] : [1, 1, 0, 1, 1, 1, 1, 0, 1]);
    }
  });

  it('lets [UNK] separate words', async () => {
    const seg = await loadSegmenter();
    const { tokens, startsWord } = lineToPieces(`北${RARE_CHAR}京`, tokenizer, seg);
    expect(tokens).toEqual(['北', '[UNK]', '京']);
    expect(Array.from(startsWord)).toEqual([1, 1, 1]);
  });

  it('segments a huge line in bounded pieces and still groups its words', async () => {
    const seg = await loadSegmenter();
    let cuts = 0;
    const counting = {
      cut: (t: string) => {
        cuts++;
        expect(t.length).toBeLessThanOrEqual(MAX_SEGMENT_CHARS);
        return seg.cut(t);
      },
    };
    const text = '我们研究经济发展。'.repeat(3000); // 27,000 characters on one line
    const ids = Int32Array.from(tokenizer.encode(text));
    const flags = markWordStarts(ids, tokenizer, counting);
    expect(cuts).toBeGreaterThanOrEqual(4);
    expect(flags.length).toBe(text.length);
    // Away from the piece boundaries every 我们/研究/经济/发展 is grouped as one word.
    const period = Array.from(flags.subarray(900, 909)).join('');
    expect(period).toBe('101010101');
    let grouped = 0;
    for (let i = 0; i < flags.length; i += 9) if (flags[i] === 1 && flags[i + 1] === 0) grouped++;
    expect(grouped).toBeGreaterThan(2990);
  });
});
