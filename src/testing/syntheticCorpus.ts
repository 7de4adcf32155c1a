/**
 * A small generated corpus and a vocabulary that covers it, for tests and benchmarks that
 * must run on a fresh clone (without ../shared/ref). Sentences mix common Chinese words
 * (which jieba keeps whole), single characters, punctuation, digits and English words
 * that WordPiece splits into `##` pieces; a rare character outside the vocabulary can be
 * sprinkled in to exercise [UNK].
 */
import { Rng } from '../core/random/rng.ts';

const WORDS = [
  '中国',
  '经济',
  '发展',
  '北京',
  '人民',
  '政府',
  '社会',
  '我们',
  '他们',
  '国家',
  '企业',
  '市场',
  '文化',
  '学生',
  '老师',
  '今天',
  '明天',
  '问题',
  '工作',
  '生活',
  '技术',
  '科学',
  '研究',
  '时间',
  '世界',
  '公司',
  '城市',
  '历史',
  '教育',
  '医院',
  '手机',
  '电脑',
  '朋友',
  '中华人民共和国',
  '互联网',
  '图书馆',
  '自行车',
];
const SINGLES = ['的', '了', '在', '是', '和', '有', '也', '都', '很', '不', '说', '去'];
const PUNCT = ['，', '。', '；', '！', '？'];
const ENGLISH = ['playing', 'player', 'data', 'model', 'the', 'in', '2020'];
/** Outside the vocabulary: becomes [UNK]. */
export const RARE_CHAR = '龘';

/** Text of a vocab.txt covering the synthetic corpus, padded with [unused] entries to `size` lines. */
export function syntheticVocabText(size = 600): string {
  const lines = ['[PAD]'];
  for (let i = 1; i < 100; i++) lines.push(`[unused${i}]`);
  lines.push('[UNK]', '[CLS]', '[SEP]', '[MASK]');
  const chars = new Set<string>();
  for (const w of [...WORDS, ...SINGLES, ...PUNCT]) for (const c of w) chars.add(c);
  lines.push(...[...chars].sort());
  lines.push('play', '##ing', '##er', 'data', 'model', 'the', 'in', '20', '##20', '.', ',');
  for (let i = 100; lines.length < size; i++) lines.push(`[unused${i}]`);
  return lines.join('\n') + '\n';
}

export interface SyntheticOptions {
  /** Sentences (lines) per document, inclusive range. */
  sentences?: [number, number];
  /** Words per sentence, inclusive range. */
  words?: [number, number];
  /** Probability that a word is the out-of-vocabulary character. */
  unkRate?: number;
  /** Probability that a word is English. */
  englishRate?: number;
}

/** One sentence: words, then a closing punctuation mark. */
function sentence(rng: Rng, o: Required<SyntheticOptions>): string {
  const n = rng.randint(o.words[0], o.words[1]);
  let s = '';
  for (let k = 0; k < n; k++) {
    const r = rng.random();
    if (r < o.unkRate) s += RARE_CHAR;
    else if (r < o.unkRate + o.englishRate) s += ` ${ENGLISH[rng.randint(0, ENGLISH.length - 1)]} `;
    else if (r < 0.6) s += WORDS[rng.randint(0, WORDS.length - 1)];
    else if (r < 0.9) s += SINGLES[rng.randint(0, SINGLES.length - 1)];
    else s += PUNCT[rng.randint(0, 1)];
  }
  return s + PUNCT[rng.randint(1, PUNCT.length - 1)];
}

/** `count` documents, each a list of lines. */
export function syntheticDocuments(seed: number, count: number, opts: SyntheticOptions = {}): string[][] {
  const o: Required<SyntheticOptions> = {
    sentences: opts.sentences ?? [3, 12],
    words: opts.words ?? [4, 16],
    unkRate: opts.unkRate ?? 0,
    englishRate: opts.englishRate ?? 0.05,
  };
  const rng = new Rng(seed);
  const docs: string[][] = [];
  for (let d = 0; d < count; d++) {
    const lines: string[] = [];
    const n = rng.randint(o.sentences[0], o.sentences[1]);
    for (let k = 0; k < n; k++) lines.push(sentence(rng, o));
    docs.push(lines);
  }
  return docs;
}

/** Plain-text corpus layout: one line per sentence, a blank line between documents. */
export function documentsToText(docs: string[][]): string {
  return docs.map((d) => d.join('\n')).join('\n\n') + '\n';
}

/** The documents as the async stream createPretrainingExamples reads. */
export async function* streamDocuments(docs: Iterable<string[]>): AsyncGenerator<string[]> {
  for (const d of docs) yield d;
}
