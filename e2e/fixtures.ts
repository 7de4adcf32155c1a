/**
 * Test inputs the e2e suite makes for itself: a small Chinese corpus (from the
 * chinese-poetry package, MIT: 论语), a vocabulary built from its characters,
 * and a tiny random teacher checkpoint written with the project's own
 * Hugging Face exporter. Nothing is copied from ../shared/ref.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exportCheckpoint } from '../src/core/checkpoint/exportCheckpoint.ts';
import { parseBertConfig, type BertConfig } from '../src/core/model/config.ts';
import { initWeights } from '../src/core/model/init.ts';

const require = createRequire(import.meta.url);

export interface Fixtures {
  dir: string;
  corpusFile: string;
  badFile: string;
  notCorpusFile: string;
  teacherDir: string;
  teacherFiles: string[];
  vocab: string[];
  config: BertConfig;
  /** A small learnable sentence-pair task in LCQMC's TSV format (label 1 when text_b holds the keyword). */
  taskTrainFile: string;
  taskDevFile: string;
  /** A TSV task file whose third line has one column. */
  badTaskFile: string;
  /** the character whose presence in text_b makes a pair label 1 */
  taskKeyword: string;
}

/**
 * Rows of a pair task a small model can learn: text_a and text_b are random strings of
 * characters both the demo vocabulary (public/demo/vocab.txt) and the e2e teacher's know;
 * half the rows have the keyword in text_b and are labelled 1, the others 0.
 */
function pairTaskRows(chars: string[], keyword: string, n: number, seed: number): string[] {
  let state = seed >>> 0;
  const rand = (k: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % k;
  };
  const text = (len: number) => Array.from({ length: len }, () => chars[rand(chars.length)]).join('');
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const a = text(4 + rand(5));
    let b = text(4 + rand(5));
    if (label === 1) {
      const at = rand(b.length + 1);
      b = b.slice(0, at) + keyword + b.slice(at);
    }
    rows.push(`${a}\t${b}\t${label}`);
  }
  return rows;
}

/** Documents: one chapter of 论语 each, one paragraph per line. */
async function lunyuDocuments(maxChapters: number): Promise<string[][]> {
  const path = require.resolve('chinese-poetry/dist/lunyu/lunyu.json');
  const chapters = JSON.parse(await readFile(path, 'utf8')) as { chapter: string; paragraphs: string[] }[];
  return chapters.slice(0, maxChapters).map((c) => c.paragraphs);
}

export async function makeFixtures(dir: string): Promise<Fixtures> {
  await mkdir(dir, { recursive: true });
  const docs = await lunyuDocuments(3);
  const corpusFile = join(dir, 'lunyu.txt');
  await writeFile(corpusFile, docs.map((d) => d.join('\n')).join('\n\n') + '\n');

  // A "corpus" that is binary: NUL bytes after a bit of text.
  const badFile = join(dir, 'broken.txt');
  const bad = new Uint8Array(4096);
  bad.set(new TextEncoder().encode('子曰：学而时习之。\n'));
  for (let i = 40; i < bad.length; i++) bad[i] = (i * 37) & 0xff;
  await writeFile(badFile, bad);
  const notCorpusFile = join(dir, 'picture.png');
  await writeFile(notCorpusFile, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));

  // Vocabulary: BERT's specials, then every character of the corpus (BERT splits CJK per character).
  const chars = new Set<string>();
  for (const d of docs) for (const line of d) for (const c of line) if (c.trim()) chars.add(c);
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...[...chars].sort()];

  const config = parseBertConfig(
    {
      vocab_size: vocab.length,
      hidden_size: 32,
      num_hidden_layers: 4,
      num_attention_heads: 2,
      intermediate_size: 64,
      max_position_embeddings: 64,
      type_vocab_size: 2,
      // Large init: the random teacher's predictions are far from uniform, so
      // the student has something to learn.
      initializer_range: 0.5,
    },
    'e2e teacher',
  );
  await tf.ready();
  const weights = initWeights(config, { pooler: true, mlmHead: true }, 7);
  const files = await exportCheckpoint('safetensors', weights, config, vocab);
  tf.dispose(Object.values(weights));
  const teacherDir = join(dir, 'teacher');
  await mkdir(teacherDir, { recursive: true });
  const teacherFiles: string[] = [];
  for (const f of files) {
    const p = join(teacherDir, f.name);
    await writeFile(p, f.data);
    teacherFiles.push(p);
  }

  // The pair task: characters of both vocabularies (the demo's and this teacher's), one of them the keyword.
  const demoVocab = new Set((await readFile(new URL('../public/demo/vocab.txt', import.meta.url), 'utf8')).split('\n'));
  const known = vocab.filter((t) => t.length === 1 && /\p{Script=Han}/u.test(t) && demoVocab.has(t));
  const taskKeyword = known.includes('学') ? '学' : known[0];
  const others = known.filter((c) => c !== taskKeyword).slice(0, 60);
  const taskTrainFile = join(dir, 'train.tsv');
  const taskDevFile = join(dir, 'dev.tsv');
  await writeFile(taskTrainFile, `text_a\ttext_b\tlabel\n${pairTaskRows(others, taskKeyword, 192, 11).join('\n')}\n`);
  await writeFile(taskDevFile, `${pairTaskRows(others, taskKeyword, 40, 23).join('\n')}\n`);
  const badTaskFile = join(dir, 'bad.tsv');
  await writeFile(badTaskFile, `学而\t时习\t1\n不亦\t说乎\t0\n有朋自远方来\n`);
  return {
    dir,
    corpusFile,
    badFile,
    notCorpusFile,
    teacherDir,
    teacherFiles,
    vocab,
    config,
    taskTrainFile,
    taskDevFile,
    badTaskFile,
    taskKeyword,
  };
}
