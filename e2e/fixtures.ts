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
  return { dir, corpusFile, badFile, notCorpusFile, teacherDir, teacherFiles, vocab, config };
}
