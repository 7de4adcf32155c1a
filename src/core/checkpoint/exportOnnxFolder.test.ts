/**
 * The exported ONNX folder as transformers.js (@huggingface/transformers, Node, no hub
 * access: env.allowRemoteModels = false, env.localModelPath) reads it: its tokenizer
 * from tokenizer.json gives the project's ids, its fill-mask pipeline the project's
 * top-5 (predictMasked) and its feature-extraction pipeline the project's vectors
 * (bertEncoder), on the embedded demo teacher; the tokenizer also on the real Chinese
 * vocabulary and corpora (../shared/ref).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithRef, refPath, REPO_ROOT } from '../../testing/refData.ts';
import { randomWeights, tinyConfig } from '../../testing/tinyBert.ts';
import { bertEncoder } from '../model/bert.ts';
import { CLASSIFIER_NAMES, classifierLogits, QA_NAMES, spanLogits } from '../model/heads.ts';
import type { Weights } from '../model/weights.ts';
import { Rng } from '../random/rng.ts';
import { predictMasked } from '../model/predictMasked.ts';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { parseVocab } from '../tokenizer/vocab.ts';
import { exportCheckpoint } from './exportCheckpoint.ts';
import { jsonFile } from './exportFiles.ts';
import { disposeCheckpoint, loadCheckpoint, type LoadedCheckpoint } from './loadCheckpoint.ts';
import { tokenizerFiles, tokenizerJson } from './tokenizerFiles.ts';

type Transformers = typeof import('@huggingface/transformers');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'onnx-folder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** transformers.js reading models from `tmp` only. */
async function transformersJs(): Promise<Transformers> {
  const t = await import('@huggingface/transformers');
  t.env.allowRemoteModels = false;
  t.env.allowLocalModels = true;
  t.env.localModelPath = `${tmp}/`;
  t.env.useFSCache = false;
  return t;
}

function writeFolder(name: string, files: { name: string; data: Uint8Array }[]): void {
  for (const f of files) {
    const p = path.join(tmp, name, f.name);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, f.data);
  }
}

async function loadDemoTeacher(): Promise<LoadedCheckpoint> {
  const dir = path.join(REPO_ROOT, 'public/demo/teacher');
  const files = new Map<string, Blob>();
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt'])
    files.set(`teacher/${f}`, new Blob([readFileSync(path.join(dir, f))]));
  return loadCheckpoint(files);
}

const SENTENCE = '子曰学而时习之不亦说乎';

describe('transformers.js runs the exported ONNX folder (the demo teacher)', () => {
  let ckpt: LoadedCheckpoint;
  let tokenizer: BertTokenizer;
  let t: Transformers;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    ckpt = await loadDemoTeacher();
    tokenizer = new BertTokenizer(ckpt.vocab!);
    writeFolder('demo', await exportCheckpoint('onnx', ckpt.weights, ckpt.config, ckpt.vocab));
    t = await transformersJs();
  });
  afterAll(() => disposeCheckpoint(ckpt));

  it("fill-mask gives the project's top-5 tokens and probabilities", async () => {
    const fill = await t.pipeline('fill-mask', 'demo', { dtype: 'fp32' });
    for (const masked of [3, 7]) {
      const chars = [...SENTENCE];
      const ours = (await predictMasked(ckpt.weights, ckpt.config, tokenizer, SENTENCE, [masked], 5))[0].top;
      chars[masked] = '[MASK]';
      const theirs = (await fill(chars.join(''), { top_k: 5 })) as { score: number; token_str: string }[];
      expect(theirs.map((r) => r.token_str)).toEqual(ours.map((r) => r.token));
      for (let i = 0; i < 5; i++) expect(Math.abs(theirs[i].score - ours[i].prob)).toBeLessThan(1e-4);
    }
    await fill.dispose();
  });

  it("feature-extraction gives the project's last hidden state", async () => {
    const extract = await t.pipeline('feature-extraction', 'demo', { dtype: 'fp32' });
    const text = '有朋自远方来，不亦乐乎？';
    const out = await extract(text);
    const ids = [tokenizer.clsId, ...tokenizer.encode(text), tokenizer.sepId];
    expect(out.dims).toEqual([1, ids.length, ckpt.config.hidden_size]);
    const seq = bertEncoder(ckpt.weights, ckpt.config, { inputIds: tf.tensor2d([ids], undefined, 'int32') });
    const ref = await seq.data();
    seq.dispose();
    const got = out.data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    await extract.dispose();
  });

  it('the quantised model (transformers.js dtype q8) loads and mostly agrees at the top', async () => {
    const fill = await t.pipeline('fill-mask', 'demo', { dtype: 'q8' });
    const chars = [...SENTENCE];
    const ours = (await predictMasked(ckpt.weights, ckpt.config, tokenizer, SENTENCE, [5], 5))[0].top;
    chars[5] = '[MASK]';
    const theirs = (await fill(chars.join(''), { top_k: 5 })) as { score: number; token_str: string }[];
    expect(theirs).toHaveLength(5);
    // the top token survives 8-bit weights on this sentence; the agreement rate is in the bench
    expect(theirs[0].token_str).toBe(ours[0].token);
    await fill.dispose();
  });

  it("the tokenizer gives the project's ids on the demo corpus, single texts and pairs", async () => {
    const tok = await t.AutoTokenizer.from_pretrained('demo');
    const lines = readFileSync(path.join(REPO_ROOT, 'public/demo/corpus.txt'), 'utf8').split('\n').slice(0, 400);
    for (const line of lines) {
      const ids = Array.from(tok(line).input_ids.data as BigInt64Array, Number);
      expect({ line, ids }).toEqual({ line, ids: [tokenizer.clsId, ...tokenizer.encode(line), tokenizer.sepId] });
    }
    const [a, b] = lines;
    const pair = tok(a, { text_pair: b });
    const first = [tokenizer.clsId, ...tokenizer.encode(a), tokenizer.sepId];
    const second = [...tokenizer.encode(b), tokenizer.sepId];
    expect(Array.from(pair.input_ids.data as BigInt64Array, Number)).toEqual([...first, ...second]);
    expect(Array.from(pair.token_type_ids!.data as BigInt64Array, Number)).toEqual([
      ...first.map(() => 0),
      ...second.map(() => 1),
    ]);
    expect(tok.decode([tokenizer.idOf('子')!, tokenizer.idOf('曰')!])).toBe('子 曰');
  });
});

describe('transformers.js runs exported fine-tuned models (classifier, question answering)', () => {
  const cfg = tinyConfig();
  const chars = [
    ...'学而时习之不亦说乎有朋自远方来乐人知愠君子其为也孝弟好犯上者鲜矣作乱未本立道生仁与巧言令色曾吾日三省身谋忠',
  ];
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...chars].slice(0, cfg.vocab_size);
  const tokenizer = new BertTokenizer(vocab);
  const head = (names: { W: string; B: string }, outputs: number, seed: number): Weights => {
    const rng = new Rng(seed);
    const values = (n: number) => Float32Array.from({ length: n }, () => 0.5 * rng.normal());
    return {
      [names.W]: tf.tensor(values(outputs * cfg.hidden_size), [outputs, cfg.hidden_size]),
      [names.B]: tf.tensor(values(outputs), [outputs]),
    };
  };
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let m = a.length === b.length ? 0 : Infinity;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  };
  let t: Transformers;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    t = await transformersJs();
  });

  it("AutoModelForSequenceClassification gives the project's logits; text-classification names its label", async () => {
    const w = { ...randomWeights(cfg, { pooler: true, mlmHead: false }, 21), ...head(CLASSIFIER_NAMES, 3, 22) };
    writeFolder('cls', await exportCheckpoint('onnx', w, cfg, vocab, ['甲', '乙', '丙']));
    const [a, b] = ['学而时习之', '有朋自远方来'];
    const ids = [tokenizer.clsId, ...tokenizer.encode(a), tokenizer.sepId, ...tokenizer.encode(b), tokenizer.sepId];
    const types = ids.map((_, i) => (i <= tokenizer.encode(a).length + 1 ? 0 : 1));
    const seq = bertEncoder(w, cfg, {
      inputIds: tf.tensor2d([ids], undefined, 'int32'),
      tokenTypeIds: tf.tensor2d([types], undefined, 'int32'),
    });
    const ours = await classifierLogits(w, cfg, seq, { training: false }).data();
    const tok = await t.AutoTokenizer.from_pretrained('cls');
    const model = await t.AutoModelForSequenceClassification.from_pretrained('cls', { dtype: 'fp32' });
    const theirs = await model(tok(a, { text_pair: b }));
    expect(maxDiff(theirs.logits.data as Float32Array, ours)).toBeLessThan(1e-4);
    const classify = await t.pipeline('text-classification', 'cls', { dtype: 'fp32' });
    const single = (await classify(a)) as { label: string }[];
    const alone = bertEncoder(w, cfg, {
      inputIds: tf.tensor2d([[tokenizer.clsId, ...tokenizer.encode(a), tokenizer.sepId]], undefined, 'int32'),
    });
    const best = (await tf.argMax(classifierLogits(w, cfg, alone, { training: false }), -1).data())[0];
    expect(single[0].label).toBe(['甲', '乙', '丙'][best]);
    await model.dispose();
    await classify.dispose();
  });

  it("AutoModelForQuestionAnswering gives the project's start and end logits", async () => {
    const w = { ...randomWeights(cfg, { pooler: true, mlmHead: false }, 23), ...head(QA_NAMES, 2, 24) };
    writeFolder('qa', await exportCheckpoint('onnx', w, cfg, vocab));
    const [q, c] = ['其为人也', '君子务本本立而道生'];
    const qIds = tokenizer.encode(q);
    const ids = [tokenizer.clsId, ...qIds, tokenizer.sepId, ...tokenizer.encode(c), tokenizer.sepId];
    const types = ids.map((_, i) => (i <= qIds.length + 1 ? 0 : 1));
    const seq = bertEncoder(w, cfg, {
      inputIds: tf.tensor2d([ids], undefined, 'int32'),
      tokenTypeIds: tf.tensor2d([types], undefined, 'int32'),
    });
    const { start, end } = spanLogits(w, seq);
    const tok = await t.AutoTokenizer.from_pretrained('qa');
    const inputs = tok(q, { text_pair: c });
    expect(Array.from(inputs.input_ids.data as BigInt64Array, Number)).toEqual(ids);
    const model = await t.AutoModelForQuestionAnswering.from_pretrained('qa', { dtype: 'fp32' });
    const out = await model(inputs);
    expect(maxDiff(out.start_logits.data as Float32Array, await start.data())).toBeLessThan(1e-4);
    expect(maxDiff(out.end_logits.data as Float32Array, await end.data())).toBeLessThan(1e-4);
    await model.dispose();
  });
});

describe('tokenizer files', () => {
  it('tokenizer_config.json and special_tokens_map.json say what the project tokenizer does', () => {
    const files = tokenizerFiles(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a'], {
      doLowerCase: false,
      modelMaxLength: 128,
    });
    expect(files.map((f) => f.name)).toEqual(['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']);
    const config = JSON.parse(new TextDecoder().decode(files[1].data));
    expect(config).toMatchObject({ tokenizer_class: 'BertTokenizer', do_lower_case: false, model_max_length: 128 });
    const json = JSON.parse(new TextDecoder().decode(files[0].data));
    expect(json.normalizer).toMatchObject({ type: 'BertNormalizer', handle_chinese_chars: true, lowercase: false });
  });
  it('refuses a vocabulary without the special tokens, naming them', () => {
    expect(() => tokenizerJson(['[PAD]', '[UNK]', 'a'], { doLowerCase: true, modelMaxLength: 8 })).toThrow(
      'lacks the special tokens [SEP], [CLS], [MASK]',
    );
  });
});

describeWithRef('transformers.js tokenizer from the exported tokenizer.json on the real Chinese vocab', () => {
  let ours: BertTokenizer;
  let theirs: Awaited<ReturnType<Transformers['AutoTokenizer']['from_pretrained']>>;
  beforeAll(async () => {
    const vocab = parseVocab(readFileSync(refPath('vocab-bert-chinese/vocab.txt'), 'utf8'));
    ours = new BertTokenizer(vocab);
    writeFolder('real-vocab', [
      ...tokenizerFiles(vocab, { doLowerCase: true, modelMaxLength: 512 }),
      jsonFile('config.json', { model_type: 'bert' }),
    ]);
    theirs = await (await transformersJs()).AutoTokenizer.from_pretrained('real-vocab');
  });
  for (const f of ['corpus-zh/news_zh_1.txt', 'corpus-zh/clue_sample_zh.txt', 'lcqmc/dev.tsv']) {
    it(`gives the project's ids on every line of ${f}`, () => {
      for (const [i, line] of readFileSync(refPath(f), 'utf8').split('\n').entries()) {
        const ids = Array.from(theirs(line).input_ids.data as BigInt64Array, Number);
        const want = [ours.clsId, ...ours.encode(line), ours.sepId];
        if (ids.length !== want.length || ids.some((x, j) => x !== want[j]))
          expect({ file: f, line: i + 1, ids }).toEqual({ file: f, line: i + 1, ids: want });
      }
    });
  }
});
