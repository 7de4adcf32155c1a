import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.ts';
import { WordPiece } from './wordpiece.ts';
import { vocabIndex } from './vocab.ts';

/** The algorithm as Google BERT states it, over code points, without bounds or cache. */
function naiveWordPiece(word: string, ids: Map<string, number>, unk: number): number[] {
  const chars = [...word];
  if (chars.length > 100) return [unk];
  const out: number[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let found: number | undefined;
    while (start < end) {
      const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
      found = ids.get(sub);
      if (found !== undefined) break;
      end--;
    }
    if (found === undefined) return [unk];
    out.push(found);
    start = end;
  }
  return out;
}

describe('WordPiece', () => {
  const vocab = ['[UNK]', 'a', 'b', 'ab', 'abc', '##a', '##b', '##c', '##bc', '##abcab', '😎', '##😎', 'x😎', '##😎y'];
  const ids = vocabIndex(vocab);
  const wp = new WordPiece(ids, 0);

  it('takes the longest match first and marks continuations with ##', () => {
    expect(wp.encode('abc')).toEqual([ids.get('abc')]);
    expect(wp.encode('abcabcab')).toEqual([ids.get('abc'), ids.get('##abcab')]);
    expect(wp.encode('abd')).toEqual([0]);
    expect(wp.encode('x😎😎y')).toEqual([ids.get('x😎'), ids.get('##😎y')]);
    expect(wp.encode('')).toEqual([]);
  });

  it('agrees with the plain algorithm on 5000 random words (short, long, astral, over 100 chars)', () => {
    const rng = new Rng(7);
    const alphabet = ['a', 'b', 'c', 'x', 'y', '😎'];
    for (let n = 0; n < 5000; n++) {
      const len = n % 50 === 0 ? rng.randint(95, 110) : rng.randint(1, 14);
      let w = '';
      for (let i = 0; i < len; i++) w += alphabet[rng.randint(0, alphabet.length - 1)];
      expect({ w, ids: wp.encode(w) }).toEqual({ w, ids: naiveWordPiece(w, ids, 0) });
      // a second call (from the cache, for short words) gives the same
      expect(wp.encode(w)).toEqual(naiveWordPiece(w, ids, 0));
    }
  });

  it('honours a smaller maximum word length', () => {
    const short = new WordPiece(ids, 0, 3);
    expect(short.encode('aba')).toEqual([ids.get('ab'), ids.get('##a')]);
    expect(short.encode('abab')).toEqual([0]);
  });
});
