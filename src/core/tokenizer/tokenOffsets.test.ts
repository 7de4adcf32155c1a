/**
 * BertTokenizer.encodeWithOffsets: the same ids as encode(), each with the span of the original
 * text it stands for — on mixed Chinese / English / digits / accents / punctuation, [UNK]s,
 * literal special tokens, dropped characters, and random strings.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.ts';
import { describeWithRef, refDocuments, refPath } from '../../testing/refData.ts';
import { BertTokenizer } from './bertTokenizer.ts';
import { lowerAndStripAccents } from './basicTokenizer.ts';
import { classOf, DROP, KIND_MASK, SPACE } from './charClasses.ts';
import { readFileSync } from 'node:fs';

const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  ...'我在北京大学读书年月日，。！？、,.!?()-',
  'peking',
  'un',
  '##want',
  '##ed',
  'cafe',
  'creme',
  'na',
  '##ive',
  '2019',
  '12',
  '##34',
  '##5',
  'istanbul',
  'οδος',
  'bert',
  '##s',
];

/** [token, original text] pairs of an encoding, for readable expectations. */
function spans(tok: BertTokenizer, text: string): [string, string][] {
  const { ids, starts, ends } = tok.encodeWithOffsets(text);
  return ids.map((id, k) => [tok.vocab[id], text.slice(starts[k], ends[k])]);
}

describe('BertTokenizer.encodeWithOffsets', () => {
  const tok = new BertTokenizer(VOCAB);

  it('maps Chinese characters, English words, digits and punctuation to their own text', () => {
    const text = '我在Peking大学读书, 2019年12345!';
    expect(spans(tok, text)).toEqual([
      ['我', '我'],
      ['在', '在'],
      ['peking', 'Peking'],
      ['大', '大'],
      ['学', '学'],
      ['读', '读'],
      ['书', '书'],
      [',', ','],
      ['2019', '2019'],
      ['年', '年'],
      ['12', '12'],
      ['##34', '34'],
      ['##5', '5'],
      ['!', '!'],
    ]);
    expect(tok.encodeWithOffsets(text).ids).toEqual(tok.encode(text));
  });

  it('gives wordpieces consecutive parts of their word', () => {
    const r = tok.encodeWithOffsets('  UNwanted  BERTs');
    expect(r.ids).toEqual(tok.tokensToIds(['un', '##want', '##ed', 'bert', '##s']));
    expect(r.starts).toEqual([2, 4, 8, 12, 16]);
    expect(r.ends).toEqual([4, 8, 10, 16, 17]);
  });

  it('undoes lower-casing and accent stripping: composed and decomposed accents, İ, final sigma', () => {
    expect(spans(tok, 'Café Crème')).toEqual([
      ['cafe', 'Café'],
      ['creme', 'Crème'],
    ]);
    // e + U+0301: the stripped accent stays inside the word's span
    expect(spans(tok, 'Cafe\u0301!')).toEqual([
      ['cafe', 'Cafe\u0301'],
      ['!', '!'],
    ]);
    expect(spans(tok, 'naïve')).toEqual([
      ['na', 'na'],
      ['##ive', 'ïve'],
    ]);
    expect(spans(tok, 'İstanbul ΟΔΟΣ')).toEqual([
      ['istanbul', 'İstanbul'],
      ['οδος', 'ΟΔΟΣ'],
    ]);
  });

  it('gives [UNK] the span of the character or whole word it replaces', () => {
    expect(spans(tok, '“北京”是xyz。')).toEqual([
      ['[UNK]', '“'],
      ['北', '北'],
      ['京', '京'],
      ['[UNK]', '”'],
      ['[UNK]', '是'],
      ['[UNK]', 'xyz'],
      ['。', '。'],
    ]);
    // a word WordPiece cannot finish is one [UNK] over the whole word, accents included
    expect(spans(tok, 'unwantedX Ünïcödé')).toEqual([
      ['[UNK]', 'unwantedX'],
      ['[UNK]', 'Ünïcödé'],
    ]);
  });

  it('skips dropped characters, joins words across them, and handles astral characters', () => {
    expect(spans(tok, 'pe\u200bking\u0000!')).toEqual([
      ['peking', 'pe\u200bking'],
      ['!', '!'],
    ]);
    expect(spans(tok, 'a\u{20000}北😎')).toEqual([
      ['[UNK]', 'a'],
      ['[UNK]', '\u{20000}'],
      ['北', '北'],
      ['[UNK]', '😎'],
    ]);
  });

  it('keeps literal special tokens whole with their own span', () => {
    expect(spans(tok, '北[MASK]京 [SEP]x')).toEqual([
      ['北', '北'],
      ['[MASK]', '[MASK]'],
      ['京', '京'],
      ['[SEP]', '[SEP]'],
      ['[UNK]', 'x'],
    ]);
  });

  it('without lower-casing, spans the cased text', () => {
    const cased = new BertTokenizer([...VOCAB, 'Peking'], { doLowerCase: false });
    expect(spans(cased, 'Peking café')).toEqual([
      ['Peking', 'Peking'],
      ['[UNK]', 'café'],
    ]);
  });

  it('on random strings: same ids as encode(), ordered spans, each span normalising to its piece', () => {
    const pool = [
      ...'abAB019 .,!?-',
      ' ',
      '\t',
      '\n',
      '\u0000',
      '\u200b',
      '\u0301',
      ...'éÉïİΣΟΔ',
      '\u1FEF',
      '\u037E',
      ...'我在北京大学读书年，。“”',
      '\u{20000}',
      '😎',
      '한',
      '\u3000',
      '\u00a0',
      '\ud800',
    ];
    const words = ['peking', 'Café', 'UNwanted', 'naïve', '2019', '12345', 'BERTs', '[MASK]', '[SEP]'];
    const rng = new Rng(7);
    const lower = tok;
    const cased = new BertTokenizer(VOCAB, { doLowerCase: false });
    for (let n = 0; n < 3000; n++) {
      const len = rng.randint(0, 25);
      let s = '';
      for (let i = 0; i < len; i++) {
        s += rng.random() < 0.2 ? words[rng.randint(0, words.length - 1)] : pool[rng.randint(0, pool.length - 1)];
      }
      for (const t of [lower, cased]) {
        const r = t.encodeWithOffsets(s);
        expect({ s, ids: r.ids }).toEqual({ s, ids: t.encode(s) });
        checkSpans(t, s, r);
      }
    }
  });
});

/** Per-character normalisation of BERT's basic tokenizer, separators removed. */
function normalise(s: string, lower: boolean): string {
  let out = '';
  for (const ch of s) {
    const kind = classOf(ch.codePointAt(0)!) & KIND_MASK;
    if (kind === DROP || kind === SPACE || (ch.length === 1 && ch >= '\ud800' && ch <= '\udfff')) continue;
    for (const u of lower ? lowerAndStripAccents(ch) : ch) {
      if ((classOf(u.codePointAt(0)!) & KIND_MASK) !== SPACE) out += u;
    }
  }
  return out;
}

function checkSpans(t: BertTokenizer, s: string, r: { ids: number[]; starts: number[]; ends: number[] }): void {
  let prevStart = 0;
  for (let k = 0; k < r.ids.length; k++) {
    const start = r.starts[k];
    const end = r.ends[k];
    expect(start >= prevStart && start < end && end <= s.length, `${JSON.stringify(s)} token ${k}`).toBe(true);
    prevStart = start;
    const piece = t.vocab[r.ids[k]];
    const slice = s.slice(start, end);
    if (piece === '[UNK]') continue;
    if (['[MASK]', '[SEP]', '[CLS]', '[PAD]'].includes(piece) && slice === piece) continue;
    const bare = piece.startsWith('##') ? piece.slice(2) : piece;
    // a character that normalises to several units (a Hangul syllable) may be shared by two pieces
    expect(normalise(slice, t.doLowerCase).includes(bare), `${JSON.stringify(s)}: ${piece} ← ${slice}`).toBe(true);
  }
}

describeWithRef('BertTokenizer.encodeWithOffsets on the real Chinese vocab and corpora', () => {
  it('news and 红楼梦 lines: same ids as encode(), spans normalise to their pieces', async () => {
    const tok = BertTokenizer.fromVocabText(readFileSync(refPath('vocab-bert-chinese', 'vocab.txt'), 'utf8'));
    const docs = [
      ...(await refDocuments('corpus-zh', 'news_zh_1.txt')),
      ...(await refDocuments('corpus-zh', 'hongloumeng.txt')).slice(0, 40),
    ];
    let tokens = 0;
    for (const doc of docs) {
      for (const line of doc) {
        const r = tok.encodeWithOffsets(line);
        expect(r.ids).toEqual(tok.encode(line));
        checkSpans(tok, line, r);
        tokens += r.ids.length;
      }
    }
    expect(tokens).toBeGreaterThan(10_000);
  });
});
