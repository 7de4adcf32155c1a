/**
 * The NLTKWordTokenizer port against NLTK itself: a table of outputs of NLTK 3.8's
 * NLTKWordTokenizer (Debian's python3-nltk 3.8-1) kept in nltkWordTokenize.cases.json, and,
 * where a Python with nltk is installed here, a live side-by-side run on random strings.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.ts';
import { nltkWordTokenize } from './nltkWordTokenize.ts';

const CASES = JSON.parse(readFileSync(new URL('./nltkWordTokenize.cases.json', import.meta.url), 'utf8')) as [
  string,
  string[],
][];

describe('nltkWordTokenize', () => {
  it('NLTK documentation example', () => {
    expect(
      nltkWordTokenize(
        'Good muffins cost $3.88 (roughly 3,36 euros)\nin New York.  Please buy me\ntwo of them.\nThanks.',
      ),
    ).toEqual([
      'Good',
      'muffins',
      'cost',
      '$',
      '3.88',
      '(',
      'roughly',
      '3,36',
      'euros',
      ')',
      'in',
      'New',
      'York.',
      'Please',
      'buy',
      'me',
      'two',
      'of',
      'them.',
      'Thanks',
      '.',
    ]);
  });

  it('contractions, quotes, final period, Unicode quotes and spaces', () => {
    expect(nltkWordTokenize("They'll save and invest more.")).toEqual([
      'They',
      "'ll",
      'save',
      'and',
      'invest',
      'more',
      '.',
    ]);
    expect(nltkWordTokenize('"Hello," she said. "Isn\'t it?"')).toEqual([
      '``',
      'Hello',
      ',',
      "''",
      'she',
      'said.',
      '``',
      'Is',
      "n't",
      'it',
      '?',
      "''",
    ]);
    expect(nltkWordTokenize('I cannot, gonna wanna\tgo')).toEqual([
      'I',
      'can',
      'not',
      ',',
      'gon',
      'na',
      'wan',
      'na',
      'go',
    ]);
    expect(nltkWordTokenize('«a» “b” ‘c’')).toEqual(['«', 'a', '»', '“', 'b', '”', '‘', 'c', '’']);
    expect(nltkWordTokenize('end.\n')).toEqual(['end', '.']);
    expect(nltkWordTokenize('3.14 1,000 12:30 a:b')).toEqual(['3.14', '1,000', '12:30', 'a', ':', 'b']);
    expect(nltkWordTokenize('a\u00a0b\u3000c')).toEqual(['a', 'b', 'c']);
  });

  it(`gives NLTK 3.8's tokens on ${CASES.length} recorded strings`, () => {
    for (const [text, tokens] of CASES) expect({ text, tokens: nltkWordTokenize(text) }).toEqual({ text, tokens });
  });

  const python = findPythonWithNltk();
  it.skipIf(!python)(
    `matches NLTK live on 3000 random strings${python ? '' : ' (skipped: no python3 with nltk here; apt-get install python3-nltk)'}`,
    () => {
      const pool = [
        ...'abcXYZ019 .,:;!?\'"`()[]{}<>-*@#$%&/_~',
        "n't",
        "'s",
        "'ll",
        'can',
        'not',
        'wan',
        'na',
        "'t",
        'is',
        '...',
        '--',
        ...'«»“”‘’„',
        '\n',
        '\t',
        ...'éß〇ａ１²Ⅻ',
        '\u00a0',
        '\u0301',
        '\u3000',
        "'re",
        "'ve",
        'gon',
        'more',
        "'n",
      ];
      const rng = new Rng(5);
      const texts: string[] = [];
      for (let n = 0; n < 3000; n++) {
        let s = '';
        const len = rng.randint(0, 14);
        for (let i = 0; i < len; i++) s += pool[rng.randint(0, pool.length - 1)];
        texts.push(s);
      }
      const script =
        'import json,sys\nfrom nltk.tokenize.destructive import NLTKWordTokenizer\n' +
        't=NLTKWordTokenizer()\nprint(json.dumps([t.tokenize(s) for s in json.load(sys.stdin)]))';
      const r = spawnSync(python!, ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const want = JSON.parse(r.stdout) as string[][];
      for (let k = 0; k < texts.length; k++) {
        expect({ text: texts[k], tokens: nltkWordTokenize(texts[k]) }).toEqual({ text: texts[k], tokens: want[k] });
      }
    },
  );
});

function findPythonWithNltk(): string | undefined {
  for (const exe of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(exe, ['-c', 'import nltk.tokenize.destructive'], { encoding: 'utf8' });
    if (r.status === 0) return exe;
  }
  return undefined;
}
