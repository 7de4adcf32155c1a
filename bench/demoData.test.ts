/**
 * The embedded demo's data (public/demo) and the scripts that make it
 * (scripts/demo/*): reproducible corpus, a vocabulary that the project's BERT
 * tokenizer accepts and that covers the corpus character by character, and a
 * shipped teacher (float16, written by the project's exporter) that loads as a
 * teacher and whose recorded held-out accuracy beats the unigram baseline. (Kept under bench/ because vitest collects tests
 * from src/, workers/ and bench/ only.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSafetensors } from '../src/core/checkpoint/safetensors.ts';
import { assertTeacher, disposeCheckpoint, loadCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { BertTokenizer } from '../src/core/tokenizer/bertTokenizer.ts';
import { buildCharVocab, SPECIAL_TOKENS, vocabToText } from '../scripts/demo/charVocab.ts';
import { buildPoetryCorpus } from '../scripts/demo/poetryCorpus.ts';

const DEMO = join(import.meta.dirname, '..', 'public', 'demo');

describe('demo vocabulary (scripts/demo/charVocab.ts)', () => {
  it('puts the special tokens first, then characters by falling frequency, skipping rare ones and whitespace', () => {
    const v = buildCharVocab('之之之而而不\n不 乎\t乎乎乎 獨', 2);
    expect(v.slice(0, 5)).toEqual([...SPECIAL_TOKENS]);
    expect(v.slice(5)).toEqual(['乎', '之', '不', '而']);
    expect(vocabToText(v).endsWith('而\n')).toBe(true);
  });

  it('is a vocabulary the BERT tokenizer accepts, splitting Chinese text into one known token per character', () => {
    const text = '子曰：“學而時習之，不亦說乎？”\n有朋自遠方來，不亦樂乎？';
    const vocab = buildCharVocab(text, 1);
    const tok = BertTokenizer.fromVocabText(vocabToText(vocab), { doLowerCase: true });
    const ids = tok.encode('學而時習之，不亦說乎？');
    expect(ids).toEqual([...'學而時習之，不亦說乎？'].map((c) => vocab.indexOf(c)));
    expect(ids).not.toContain(tok.unkId);
  });
});

describe('demo corpus (scripts/demo/poetryCorpus.ts, public/demo/corpus.txt)', () => {
  const { text, stats } = buildPoetryCorpus();

  it('is rebuilt byte for byte from the chinese-poetry package', () => {
    expect(readFileSync(join(DEMO, 'corpus.txt'), 'utf8')).toBe(text);
  });

  it("has BERT's layout: sentences on lines, blank lines between documents, no whitespace or Latin inside lines", () => {
    const docs = text.trimEnd().split('\n\n');
    expect(docs.length).toBe(stats.reduce((a, s) => a + s.documents, 0));
    for (const d of docs) {
      for (const line of d.split('\n')) {
        expect(line.length).toBeGreaterThan(0);
        expect(line).not.toMatch(/[\sA-Za-z0-9]/u);
      }
    }
    expect(new TextEncoder().encode(text).length).toBeGreaterThan(300_000);
  });

  it('is covered by the shipped vocabulary except for rare characters (under 2% [UNK])', () => {
    const vocab = new Set(readFileSync(join(DEMO, 'vocab.txt'), 'utf8').split('\n'));
    let known = 0;
    let all = 0;
    for (const c of text) {
      if (c === '\n') continue;
      all++;
      if (vocab.has(c)) known++;
    }
    expect(known / all).toBeGreaterThan(0.98);
  });
});

describe('the shipped demo teacher (public/demo/teacher)', () => {
  it('loads as a teacher whose vocabulary is the demo vocabulary', async () => {
    const files = new Map<string, Blob>();
    for (const f of ['config.json', 'vocab.txt', 'model.safetensors'])
      files.set(`teacher/${f}`, new Blob([readFileSync(join(DEMO, 'teacher', f))]));
    const ckpt = await loadCheckpoint(files);
    try {
      assertTeacher(ckpt);
      expect(ckpt.format).toBe('safetensors');
      expect(ckpt.config.vocab_size).toBe(readFileSync(join(DEMO, 'vocab.txt'), 'utf8').trimEnd().split('\n').length);
      expect(readFileSync(join(DEMO, 'teacher', 'vocab.txt'), 'utf8')).toBe(
        readFileSync(join(DEMO, 'vocab.txt'), 'utf8'),
      );
      expect(ckpt.sizeBytes).toBeLessThan(10e6);
    } finally {
      disposeCheckpoint(ckpt);
    }
  });

  it('is the float16 file its metrics.json describes, recorded above the unigram baseline', async () => {
    const bytes = readFileSync(join(DEMO, 'teacher', 'model.safetensors'));
    const metrics = JSON.parse(readFileSync(join(DEMO, 'teacher', 'metrics.json'), 'utf8'));
    expect(metrics.weightsBytes).toBe(bytes.byteLength);
    const src = await openSafetensors(new Blob([bytes]), 'teacher/model.safetensors');
    expect(src.metadata).toEqual({ format: 'pt' });
    const headerLen = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, { dtype?: string }>;
    for (const [name, e] of Object.entries(header)) if (name !== '__metadata__') expect(e.dtype, name).toBe('F16');
    const h = metrics.heldOut;
    expect(h.positions).toBeGreaterThan(500);
    expect(h.maskedTokenAccuracy).toBeGreaterThan(h.unigramAccuracy);
    expect(h.loss).toBeLessThan(h.unigramLoss);
  });
});
