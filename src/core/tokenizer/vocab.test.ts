import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithRef, refPath } from '../../testing/refData.ts';
import { parseVocab, vocabIndex } from './vocab.ts';

describe('parseVocab', () => {
  it('splits on LF, with or without a final newline', () => {
    expect(parseVocab('[PAD]\n[UNK]\nx\n')).toEqual(['[PAD]', '[UNK]', 'x']);
    expect(parseVocab('[PAD]\n[UNK]\nx')).toEqual(['[PAD]', '[UNK]', 'x']);
    expect(parseVocab('')).toEqual([]);
    expect(parseVocab('\n')).toEqual(['']);
  });

  it('keeps empty lines in the middle and at the end as tokens (they take ids)', () => {
    expect(parseVocab('a\n\nb\n\n')).toEqual(['a', '', 'b', '']);
  });

  it('treats CRLF and a lone CR as line ends, as Python universal-newline reading does', () => {
    expect(parseVocab('a\r\nb\r\nc\r\n')).toEqual(['a', 'b', 'c']);
    expect(parseVocab('a\r\nb')).toEqual(['a', 'b']);
    expect(parseVocab('a\rb\nc')).toEqual(['a', 'b', 'c']);
    expect(parseVocab('a\r')).toEqual(['a']);
  });

  it('does not split on U+2028, U+2029, U+0085, VT or FF', () => {
    const tokens = parseVocab('a\u2028b\n\u2028\n##\u2028\nc\u2029\u0085\u000b\u000cd\n');
    expect(tokens).toEqual(['a\u2028b', '\u2028', '##\u2028', 'c\u2029\u0085\u000b\u000cd']);
  });

  it('drops a leading byte-order mark only', () => {
    expect(parseVocab('\ufeff[PAD]\nx\ufeff\n')).toEqual(['[PAD]', 'x\ufeff']);
  });
});

describe('vocabIndex', () => {
  it('maps a token to its line; a repeated token maps to its later line', () => {
    const m = vocabIndex(['a', 'b', 'a', 'c']);
    expect(m.get('a')).toBe(2);
    expect(m.get('b')).toBe(1);
    expect(m.get('c')).toBe(3);
    expect(m.get('d')).toBeUndefined();
  });

  it('handles tokens that are Object.prototype names', () => {
    const m = vocabIndex(['__proto__', 'constructor', 'toString']);
    expect(m.get('__proto__')).toBe(0);
    expect(m.get('constructor')).toBe(1);
    expect(m.get('hasOwnProperty')).toBeUndefined();
  });
});

describeWithRef('parseVocab on the real Chinese vocab', () => {
  const text = readFileSync(refPath('vocab-bert-chinese/vocab.txt'), 'utf8');

  it('reads 21128 tokens with the U+2028 tokens at ids 343 and 13502', () => {
    const v = parseVocab(text);
    expect(v.length).toBe(21128);
    expect(v[0]).toBe('[PAD]');
    expect(v[100]).toBe('[UNK]');
    expect(v[101]).toBe('[CLS]');
    expect(v[102]).toBe('[SEP]');
    expect(v[103]).toBe('[MASK]');
    expect(v[343]).toBe('\u2028');
    expect(v[13502]).toBe('##\u2028');
    expect(v[21127]).toBe('##😎');
    // the count agrees with an independent LF count of the file
    expect(v.length).toBe(text.split('\n').length - 1);
  });

  it('gives the same tokens from a CRLF copy and a copy without the final newline', () => {
    const v = parseVocab(text);
    expect(parseVocab(text.replaceAll('\n', '\r\n'))).toEqual(v);
    expect(parseVocab(text.slice(0, -1))).toEqual(v);
  });
});
