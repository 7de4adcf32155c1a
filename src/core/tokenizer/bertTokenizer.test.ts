/**
 * BertTokenizer on vocabularies built here (no reference data needed): BERT's own worked
 * examples, error cases, and token-for-token parity with @huggingface/transformers'
 * BertTokenizer on tricky and on random text.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.ts';
import { BertTokenizer } from './bertTokenizer.ts';
import { loadHfBertTokenizer, type HfBertTokenizer } from '../../testing/hfTokenizer.ts';
import { classOf, CJK, DROP, KIND_MASK } from './charClasses.ts';

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

describe('BertTokenizer: BERT worked examples', () => {
  const tok = new BertTokenizer([...SPECIALS, 'want', '##want', '##ed', 'wa', 'un', 'runn', '##ing', ',']);

  it('cuts words greedily, longest match first, with ## continuations', () => {
    expect(tok.tokenize('UNwant\u00E9d,running')).toEqual(['un', '##want', '##ed', ',', 'runn', '##ing']);
    expect(tok.encode('UNwant\u00E9d,running')).toEqual(
      tok.tokensToIds(['un', '##want', '##ed', ',', 'runn', '##ing']),
    );
    expect(tok.tokenize('unwantedX running')).toEqual(['[UNK]', 'runn', '##ing']);
    expect(tok.tokenize('')).toEqual([]);
    expect(tok.tokenize(' \t\r\n ')).toEqual([]);
  });

  it('basic tokenizer: whitespace, punctuation, lower-casing, accents, CJK', () => {
    expect(tok.basicTokenize(' \tHeLLo!how  \n Are yoU?  ')).toEqual(['hello', '!', 'how', 'are', 'you', '?']);
    expect(tok.basicTokenize('H\u00E9llo')).toEqual(['hello']);
    expect(tok.basicTokenize('ah\u535A\u63A8zz')).toEqual(['ah', '\u535A', '\u63A8', 'zz']);
    const cased = new BertTokenizer(tok.vocab, { doLowerCase: false });
    expect(cased.basicTokenize(' \tHeLLo!how  \n Are yoU?  ')).toEqual(['HeLLo', '!', 'how', 'Are', 'yoU', '?']);
    expect(cased.basicTokenize('H\u00E9llo')).toEqual(['H\u00E9llo']);
  });

  it('cleans text: NUL, U+FFFD and control / format characters vanish, joining their neighbours', () => {
    expect(tok.basicTokenize('ab\u0000cd\ufffdef\u0007gh\u200bij\u00adkl')).toEqual(['abcdefghijkl']);
    expect(tok.basicTokenize('a\u2028b\u2029c\u3000d\u00a0e\u000bf')).toEqual(['a', 'b', 'c', 'd', 'ef']);
  });

  it('splits every CJK block BERT lists, astral ones included, and drops unassigned code points', () => {
    // U+20000 (Extension B) and U+2F800 (Compatibility Supplement) are in BERT's ranges.
    expect(tok.basicTokenize('a\u{20000}b\u{2F800}c')).toEqual([
      'a',
      '\u{20000}',
      'b',
      '\u{2F800}'.normalize('NFD'),
      'c',
    ]);
    const cased = new BertTokenizer(tok.vocab, { doLowerCase: false });
    expect(cased.basicTokenize('a\u{20000}b\u{2F800}c')).toEqual(['a', '\u{20000}', 'b', '\u{2F800}', 'c']);
    // U+0378 is unassigned (category Cn, a "C" category): BERT's clean-up drops it.
    expect(classOf(0x378) & KIND_MASK).toBe(DROP);
    expect(tok.basicTokenize('x\u0378y')).toEqual(['xy']);
    expect(classOf(0x4e00) & KIND_MASK).toBe(CJK);
  });

  it('keeps literal special tokens whole, case-sensitively', () => {
    expect(tok.tokenize('[MASK]want[CLS],[mask]')).toEqual(['[MASK]', 'want', '[CLS]', ',', '[UNK]', '[UNK]', '[UNK]']);
    expect(tok.basicTokenize('a[SEP]b[')).toEqual(['a', '[SEP]', 'b', '[']);
  });

  it('gives [UNK] for a word over 100 code points, counting astral characters once', () => {
    const t = new BertTokenizer([...SPECIALS, 'a', '##a', '😎', '##😎']);
    expect(t.tokenize('a'.repeat(100))).toEqual(['a', ...Array(99).fill('##a')]);
    expect(t.tokenize('a'.repeat(101))).toEqual(['[UNK]']);
    expect(t.tokenize('😎'.repeat(100))).toEqual(['😎', ...Array(99).fill('##😎')]);
    expect(t.tokenize('😎'.repeat(101))).toEqual(['[UNK]']);
    expect(t.wordpiece('a😎a')).toEqual(['a', '##😎', '##a']);
  });

  it('exposes the special ids and converts both ways', () => {
    expect([tok.padId, tok.unkId, tok.clsId, tok.sepId, tok.maskId]).toEqual([0, 1, 2, 3, 4]);
    expect(tok.idOf('want')).toBe(5);
    expect(tok.idOf('nope')).toBeUndefined();
    expect(tok.tokensToIds(['want', 'nope'])).toEqual([5, tok.unkId]);
    expect(tok.idsToTokens(new Int32Array([5, 6]))).toEqual(['want', '##want']);
    expect(() => tok.idsToTokens([1, 99])).toThrow(
      /token id 99 \(at position 1\) is outside the vocabulary of 13 tokens/,
    );
  });

  it('names the file and the missing special tokens when the vocab lacks them', () => {
    expect(() => BertTokenizer.fromVocabText('[PAD]\n[UNK]\n[CLS]\nhello\n', { source: 'my/vocab.txt' })).toThrow(
      /my\/vocab\.txt: the vocabulary \(4 lines\) lacks the special tokens \[SEP\], \[MASK\]/,
    );
    expect(() => BertTokenizer.fromVocabText('')).toThrow(
      /vocab\.txt: .*lacks the special tokens \[PAD\], \[UNK\], \[CLS\], \[SEP\], \[MASK\]/,
    );
  });

  it('returns the same result for a word the second time (cache)', () => {
    const a = tok.encode('running running UNwanted');
    expect(tok.encode('running running UNwanted')).toEqual(a);
    expect(a).toEqual(tok.tokensToIds(['runn', '##ing', 'runn', '##ing', 'un', '##want', '##ed']));
  });
});

// ---------------------------------------------------------------------------------------------

/** Characters for tricky and random text; astral CJK and unassigned code points are left out
 *  (there transformers.js departs from BERT: see the test above and the file comment of charClasses.ts). */
const POOL = [
  ...'abcxyzABCXYZ0123456789',
  ...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u000b',
  '\u000c',
  '\u0000',
  '\u0007',
  '\u007f',
  '\u0085',
  ...'éÉñÑüÜçÇàÀōßİǅΩÅÖø',
  '\u0301',
  '\u0308',
  '\u212B',
  '\u212A',
  'ﬁ',
  'Ⅻ',
  '㎡',
  'Ⓐ',
  ...'ΣσςΑΒΔΎόἈ',
  '\u1FEF',
  '\u037E',
  '\u0387',
  ...'你好世界中国人㐀',
  '\uF900',
  ...'，。、“”‘’《》【】…—！？；：·「」',
  ...'ＡａＢｂ１５ｈ＠．',
  '\u00a0',
  '\u3000',
  '\u2028',
  '\u2029',
  '\u2003',
  '\u202f',
  '\ufeff',
  '\u200b',
  '\u200d',
  '\u00ad',
  '\u180e',
  '😎',
  '👍',
  '🏽',
  '❤',
  '\ufe0f',
  '\u{10100}',
  '\u{1D400}',
  '\ufffd',
  '\ud800',
  '\udc00',
  ...'ДдЖжعकि',
  'ก',
  '\u0e48',
  '한',
  'が',
  'ア',
];
const WORDS = [
  'hello',
  'Hello',
  'WORLD',
  'naïve',
  'café',
  'ΟΔΥΣΣΕΥΣ',
  'ΑΣ',
  '[MASK]',
  '[CLS]',
  '[mask]',
  '[SEP',
  'running',
  '12345',
];

function buildVocab(): string[] {
  const v = [...SPECIALS];
  const seen = new Set(v);
  const add = (t: string) => {
    if (!seen.has(t)) {
      seen.add(t);
      v.push(t);
    }
  };
  for (const c of POOL) {
    for (const form of [
      c,
      c.toLowerCase(),
      c.normalize('NFD'),
      c
        .toLowerCase()
        .normalize('NFD')
        .replace(/\p{Mn}/gu, ''),
    ]) {
      if (form.length > 0 && [...form].length === 1) {
        add(form);
        add('##' + form);
      }
    }
  }
  for (const w of [
    'hello',
    'he',
    '##llo',
    'world',
    '##orld',
    'na',
    '##ive',
    'caf',
    '##e',
    'run',
    '##ning',
    '123',
    '##45',
    'σς',
    'οδ',
    '##υσσ',
  ])
    add(w);
  return v;
}

const TRICKY = [
  'Hello WORLD, héllo Ça va? naïve café Ünïcödé',
  'ΑΣ.Β A.Σ ὈΔΥΣΣΕΎΣ ΣΑΣ Σ',
  '1234567 3.14 ５００円 ＡＢＣ ｈｅｌｌｏ＠ｅｘａｍｐｌｅ．ｃｏｍ',
  '😎abc 👍🏽 ❤️ 😎😎 a😎b',
  'a\u0000b\ufffdc\u200bd e\u0007f\u007fg\u0085h',
  'x\r\ny\u2028z\u2029w\tv\u000bu\u000ct',
  'a'.repeat(101) + ' ' + 'a'.repeat(100) + ' ' + 'é'.repeat(101),
  '“你好”，‘世界’……——《书》【注】、。！？；：',
  '[MASK]你[CLS][sep][UNK]x[ [MASK [PAD][PAD]]',
  'İstanbul ǅ ﬁ Ⅻ ㎡ Ⓐ ß ẞ',
  'e\u0301 é \u212B \u212A \uF900 \u1FEF a\u1FEFb \u037E',
  '\ufeffBOM at start',
  '\ud800 lone \udc00 surrogates \ud800x',
  '한국어 テキスト が ひらがな',
  '  leading and trailing  ',
  '',
];

describe('BertTokenizer: parity with @huggingface/transformers', () => {
  const vocab = buildVocab();
  const ours = { lower: new BertTokenizer(vocab), cased: new BertTokenizer(vocab, { doLowerCase: false }) };
  let hf: { lower: HfBertTokenizer; cased: HfBertTokenizer };
  beforeAll(async () => {
    hf = { lower: await loadHfBertTokenizer(vocab, true), cased: await loadHfBertTokenizer(vocab, false) };
  });

  for (const mode of ['lower', 'cased'] as const) {
    it(`tricky strings (${mode})`, () => {
      for (const s of TRICKY) {
        expect({ s, tokens: ours[mode].tokenize(s) }).toEqual({ s, tokens: hf[mode].tokenize(s) });
        expect({ s, ids: ours[mode].encode(s) }).toEqual({ s, ids: hf[mode].encode(s) });
      }
    });

    it(`3000 random strings (${mode})`, () => {
      const rng = new Rng(mode === 'lower' ? 1 : 2);
      let nonEmpty = 0;
      for (let n = 0; n < 3000; n++) {
        const len = rng.randint(0, 30);
        let s = '';
        for (let i = 0; i < len; i++) {
          s += rng.random() < 0.15 ? WORDS[rng.randint(0, WORDS.length - 1)] : POOL[rng.randint(0, POOL.length - 1)];
        }
        const a = ours[mode].encode(s);
        expect({ s, ids: a }).toEqual({ s, ids: hf[mode].encode(s) });
        if (a.length > 0) nonEmpty++;
      }
      expect(nonEmpty).toBeGreaterThan(2500);
    });
  }

  it('the pool really leaves out what BERT and transformers.js treat differently', () => {
    for (const c of POOL) {
      const cp = c.codePointAt(0)!;
      expect(cp >= 0x10000 && (classOf(cp) & KIND_MASK) === CJK).toBe(false);
      expect(/\p{Cn}/u.test(c)).toBe(false);
    }
  });
});

describe('BertTokenizer: every assigned BMP character against @huggingface/transformers', () => {
  // A vocabulary holding every assigned BMP character, alone and as "##" continuation, so that
  // each character's class (space, dropped, CJK, punctuation, case, accents) shows in the ids.
  const chars: string[] = [];
  for (let cp = 0; cp < 0x10000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCharCode(cp);
    if (!/\p{Cn}/u.test(c)) chars.push(c);
  }
  const vocab = [...SPECIALS, ...chars.filter((c) => !SPECIALS.includes(c)), ...chars.map((c) => '##' + c)];
  // Groups of three characters between spaces: each character is seen next to others of any class.
  const texts: string[] = [];
  for (let i = 0; i < chars.length; i += 300) {
    const block = chars.slice(i, i + 300);
    let s = '';
    for (let j = 0; j < block.length; j++) s += block[j] + (j % 3 === 2 ? ' ' : '');
    texts.push(s);
  }

  for (const doLowerCase of [true, false]) {
    it(`gives the same ids (doLowerCase=${doLowerCase})`, async () => {
      const ours = new BertTokenizer(vocab, { doLowerCase });
      const hf = await loadHfBertTokenizer(vocab, doLowerCase);
      let total = 0;
      for (const s of texts) {
        const a = ours.encode(s);
        expect({ s, ids: a }).toEqual({ s, ids: hf.encode(s) });
        total += a.length;
      }
      expect(total).toBeGreaterThan(20_000);
    });
  }
});
