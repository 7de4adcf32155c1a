import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFlags } from '../args.ts';
import { useWasmBackend } from '../nodeBackend.ts';
import runClassifier from './run_classifier.ts';
import runSquad from './run_squad.ts';
import { describeWithRef, refPath } from '../../testing/refData.ts';
import { configToJson, parseBertConfig } from '../../core/model/config.ts';
import { Rng } from '../../core/random/rng.ts';

// The CLI runs these commands on tfjs wasm (src/cli/main.ts); so do the tests.
beforeAll(async () => {
  const why = await useWasmBackend();
  if (why) throw new Error(why);
});

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const CHARS = [...'天地人山水风云日月花草木石金火土春夏秋冬东南西北上下左右'];
const KEY = '好';
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...CHARS, KEY];
const cfg = parseBertConfig({
  vocab_size: VOCAB.length,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 64,
  max_position_embeddings: 32,
});

/** LCQMC-layout rows: label 1 exactly when text_b holds the keyword. */
function rows(rng: Rng, n: number): string {
  const text = () => Array.from({ length: rng.randint(3, 7) }, () => CHARS[rng.randint(0, CHARS.length - 1)]).join('');
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    let b = text();
    if (label) b = b.slice(0, 1) + KEY + b.slice(1);
    out.push(`${text()}\t${b}\t${label}\n`);
  }
  return out.join('');
}

const run = (argv: string[]) => runClassifier.run(parseFlags(argv, runClassifier.flags));

describe('run_classifier (Google BERT flags)', () => {
  it("fine-tunes a random model on a learnable LCQMC-format task and writes the script's result files", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'run-classifier-'));
    dirs.push(dir);
    const data = path.join(dir, 'lcqmc');
    await mkdir(data);
    const rng = new Rng(1);
    await writeFile(path.join(data, 'train.tsv'), rows(rng, 320));
    await writeFile(path.join(data, 'dev.tsv'), rows(rng, 60));
    await writeFile(path.join(data, 'test.tsv'), rows(rng, 10));
    await writeFile(path.join(dir, 'vocab.txt'), VOCAB.map((t) => `${t}\n`).join(''));
    await writeFile(path.join(dir, 'bert_config.json'), JSON.stringify(configToJson(cfg)));
    const out = path.join(dir, 'out');
    const argv = [
      '--task_name=lcqmc',
      `--data_dir=${data}`,
      `--vocab_file=${path.join(dir, 'vocab.txt')}`,
      `--bert_config_file=${path.join(dir, 'bert_config.json')}`,
      '--do_train=true',
      '--do_eval=true',
      '--do_predict=true',
      '--max_seq_length=20',
      '--train_batch_size=16',
      '--learning_rate=2e-3',
      '--num_train_epochs=3',
      '--save_checkpoints_steps=20',
      `--output_dir=${out}`,
    ];
    await run(argv);
    const results = Object.fromEntries(
      (await readFile(path.join(out, 'eval_results.txt'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => l.split(' = ')),
    );
    expect(Object.keys(results).sort()).toEqual([
      'best_eval_accuracy',
      'best_step',
      'eval_accuracy',
      'eval_loss',
      'global_step',
    ]);
    expect(Number(results.global_step)).toBe(60); // int(320 / 16 × 3)
    expect(Number(results.eval_accuracy)).toBeGreaterThanOrEqual(0.9);
    const probs = (await readFile(path.join(out, 'test_results.tsv'), 'utf8')).trim().split('\n');
    expect(probs.length).toBe(10);
    for (const line of probs) {
      const p = line.split('\t').map(Number);
      expect(p.length).toBe(2);
      expect(p[0] + p[1]).toBeCloseTo(1, 5);
    }
    const clue = (await readFile(path.join(out, 'lcqmc_predict.json'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(clue[3]).toEqual({ id: 3, label: expect.stringMatching(/^[01]$/) });
    const config = JSON.parse(await readFile(path.join(out, 'best', 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['BertForSequenceClassification']);
    // evaluated once per epoch (20 steps) and the metrics log holds every step
    const log = (await readFile(path.join(out, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.filter((m) => m.kind === 'eval').map((m) => m.step)).toEqual([20, 40, 60]);
    expect(log.filter((m) => m.kind === 'train').length).toBe(60);

    // Run again with the same output_dir: it resumes at the end and only re-scores.
    await run(argv.filter((a) => a !== '--do_train=true'));
    expect((await readFile(path.join(out, 'eval_results.txt'), 'utf8')).includes('global_step = 60')).toBe(true);
  });

  it('names a missing split file and refuses flags that cannot work, before any work', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'run-classifier-bad-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'vocab.txt'), VOCAB.map((t) => `${t}\n`).join(''));
    await writeFile(path.join(dir, 'bert_config.json'), JSON.stringify(configToJson(cfg)));
    const base = [
      `--data_dir=${dir}`,
      `--vocab_file=${path.join(dir, 'vocab.txt')}`,
      `--output_dir=${path.join(dir, 'o')}`,
    ];
    await expect(
      run(['--task_name=afqmc', ...base, `--bert_config_file=${path.join(dir, 'bert_config.json')}`, '--do_eval=true']),
    ).rejects.toThrow(/no dev file for afqmc \(expected dev\.json\)/);
    expect(() => parseFlags(['--task_name=squad', ...base], runClassifier.flags)).toThrow(/task_name/);
    await expect(run(['--task_name=lcqmc', ...base, '--do_train=true'])).rejects.toThrow(
      /--init_checkpoint, or --bert_config_file/,
    );
    expect(() => parseFlags(['--task_name=lcqmc', ...base, '--train_batch_size=0'], runClassifier.flags)).toThrow(
      /train_batch_size/,
    );
  });
});

/** A SQuAD-style file: the answer is 是 and the character after it, in each context. */
function squadFile(rng: Rng, n: number): string {
  const text = (k: number) => Array.from({ length: k }, () => CHARS[rng.randint(0, CHARS.length - 1)]).join('');
  const qas = [];
  const paragraphs = [];
  for (let i = 0; i < n; i++) {
    const answer = `是${text(1)}`;
    const before = text(rng.randint(1, 10));
    const context = `${before}${answer}${text(rng.randint(1, 10))}`;
    qas.push({ id: `q${i}`, question: text(3), answers: [{ text: answer, answer_start: before.length }] });
    paragraphs.push({ context: context.replaceAll(KEY, '天'), qas: [qas[i]] });
  }
  return JSON.stringify({ version: 'v1', data: [{ title: 't', paragraphs }] });
}

const squadVocab = [...VOCAB, '是'];
const squadCfg = { ...cfg, vocab_size: squadVocab.length };
const runS = (argv: string[]) => runSquad.run(parseFlags(argv, runSquad.flags));

describe('run_squad (Google BERT flags)', () => {
  it('trains on a SQuAD-style file and predicts every question with an answer from its own context', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'run-squad-'));
    dirs.push(dir);
    const rng = new Rng(2);
    await writeFile(path.join(dir, 'train.json'), squadFile(rng, 96));
    await writeFile(path.join(dir, 'dev.json'), squadFile(rng, 20));
    await writeFile(path.join(dir, 'vocab.txt'), squadVocab.map((t) => `${t}\n`).join(''));
    await writeFile(path.join(dir, 'bert_config.json'), JSON.stringify(configToJson(squadCfg)));
    const out = path.join(dir, 'out');
    await runS([
      `--vocab_file=${path.join(dir, 'vocab.txt')}`,
      `--bert_config_file=${path.join(dir, 'bert_config.json')}`,
      `--train_file=${path.join(dir, 'train.json')}`,
      `--predict_file=${path.join(dir, 'dev.json')}`,
      '--do_train=true',
      '--do_predict=true',
      '--max_seq_length=32',
      '--doc_stride=16',
      '--max_query_length=8',
      '--train_batch_size=16',
      '--learning_rate=3e-3',
      '--num_train_epochs=20',
      `--output_dir=${out}`,
    ]);
    const dev = JSON.parse(await readFile(path.join(dir, 'dev.json'), 'utf8'));
    const predictions = JSON.parse(await readFile(path.join(out, 'predictions.json'), 'utf8'));
    const contexts = new Map<string, string>();
    for (const p of dev.data[0].paragraphs) contexts.set(p.qas[0].id, p.context);
    expect(Object.keys(predictions).sort()).toEqual([...contexts.keys()].sort());
    for (const [id, answer] of Object.entries(predictions)) expect(contexts.get(id)).toContain(answer as string);
    const nbest = JSON.parse(await readFile(path.join(out, 'nbest_predictions.json'), 'utf8'));
    expect(nbest.q0.length).toBeGreaterThan(1);
    const results = await readFile(path.join(out, 'eval_results.txt'), 'utf8');
    const f1 = Number(/F1 = ([\d.]+)/.exec(results)![1]);
    console.log(`run_squad on the synthetic task: ${results.replaceAll('\n', ', ')}`);
    expect(f1).toBeGreaterThan(50); // the span at 是 is learnable; an untrained model scores far lower
    const config = JSON.parse(await readFile(path.join(out, 'export', 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['BertForQuestionAnswering']);
  });
});

describeWithRef('run_squad on the CMRC 2018 trial file', () => {
  it('writes a complete predictions.json that the official metric scores', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'run-squad-cmrc-'));
    dirs.push(dir);
    const vocab = refPath('vocab-bert-chinese', 'vocab.txt');
    const bigCfg = parseBertConfig({ ...cfg, vocab_size: 21128, max_position_embeddings: 128 });
    await writeFile(path.join(dir, 'bert_config.json'), JSON.stringify(configToJson(bigCfg)));
    const trial = refPath('cmrc2018', 'cmrc2018_trial.squad.json');
    const out = path.join(dir, 'out');
    await runS([
      `--vocab_file=${vocab}`,
      `--bert_config_file=${path.join(dir, 'bert_config.json')}`,
      `--predict_file=${trial}`,
      '--do_predict=true',
      '--max_seq_length=128',
      '--doc_stride=64',
      '--predict_batch_size=64',
      `--output_dir=${out}`,
    ]);
    const predictions = JSON.parse(await readFile(path.join(out, 'predictions.json'), 'utf8'));
    expect(Object.keys(predictions).length).toBe(1002);
    const results = await readFile(path.join(out, 'eval_results.txt'), 'utf8');
    expect(results).toMatch(/TOTAL = 1002\nSKIP = 0/);
  });
});
