import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { exportCheckpoint } from '../../core/checkpoint/exportCheckpoint.ts';
import { disposeCheckpoint, loadCheckpoint } from '../../core/checkpoint/loadCheckpoint.ts';
import { arraysToWeights, randomArrays, tinyConfig, tinyVocab } from '../../testing/checkpointFixtures.ts';
import { describeWithRef, refPath } from '../../testing/refData.ts';
import { parseFlags } from '../args.ts';
import { checkpointFiles } from '../checkpointFiles.ts';
import convert from './convert.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'convert-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

/** A BertModel folder (no MLM head) made by the project, optionally in sentence-transformers' layout. */
async function bertModelFolder(dir: string, sentenceTransformers = false): Promise<void> {
  const cfg = tinyConfig();
  const w = arraysToWeights(randomArrays(cfg, { pooler: true, mlmHead: false }, 5));
  const files = await exportCheckpoint('safetensors', w, cfg, tinyVocab(cfg.vocab_size));
  for (const t of Object.values(w)) t.dispose();
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(path.join(dir, f.name), f.data);
  if (sentenceTransformers) {
    // the pooling module's own config.json has no vocab_size: it must not be taken for the model's
    mkdirSync(path.join(dir, '1_Pooling'));
    writeFileSync(
      path.join(dir, '1_Pooling', 'config.json'),
      JSON.stringify({ word_embedding_dimension: cfg.hidden_size, pooling_mode_mean_tokens: true }),
    );
    mkdirSync(path.join(dir, '2_Normalize'));
    writeFileSync(
      path.join(dir, 'modules.json'),
      JSON.stringify([{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' }]),
    );
    writeFileSync(path.join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 16 }));
  }
}

async function runConvert(argv: string[]): Promise<string> {
  const lines: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    lines.push(a.join(' '));
  });
  await convert.run(parseFlags(argv, convert.flags));
  return lines.join('\n');
}

describe('convert --layers on a checkpoint without a masked-LM head', () => {
  it('says the head is new, and the student has one tied to its embeddings', async () => {
    const src = path.join(tmp, 'bert-model');
    await bertModelFolder(src);
    const out = path.join(tmp, 'student');
    const log = await runConvert([`--init_checkpoint=${src}`, `--output_dir=${out}`, '--layers=1']);
    expect(log).toMatch(/student: the masked-LM head is new \(random init, decoder tied to the word embeddings\)/);
    expect(log).not.toMatch(/pooler is new/);
    const student = await loadCheckpoint(await checkpointFiles(out));
    try {
      expect(student.parts).toEqual({ pooler: true, mlmHead: true });
      expect(student.config.num_hidden_layers).toBe(1);
    } finally {
      disposeCheckpoint(student);
    }
  });
});

describe('the model card of a converted checkpoint', () => {
  it('without a card in the source: says what was converted and that training is not recorded', async () => {
    const src = path.join(tmp, 'no-card');
    await bertModelFolder(src);
    const out = path.join(tmp, 'no-card-tf');
    await runConvert([`--init_checkpoint=${src}`, `--output_dir=${out}`, '--format=tf', '--layers=0,1']);
    const card = readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(card).toMatch(/^# .*no-card\n/);
    expect(card).toContain('the data, loss, training and metrics that made it are not recorded here');
    expect(card).toMatch(/Converted from .*no-card \(safetensors\) to tf with wwm-distill-workbench 0\.1\.0 on \d{4}-/);
    expect(card).toContain("a student keeping the source's layers 0, 1.");
    expect(card).toContain(`Written: 2 layers, hidden size ${tinyConfig().hidden_size},`);
  });

  it("with the source's card (a run_distill export): carries it over and adds the conversion", async () => {
    const src = path.join(tmp, 'with-card');
    await bertModelFolder(src);
    writeFileSync(path.join(src, 'README.md'), '# my run\n\nDistilled from a teacher.\n');
    const out = path.join(tmp, 'with-card-onnx');
    await runConvert([`--init_checkpoint=${path.join(src, 'model.safetensors')}`, `--output_dir=${out}`]);
    const card = readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(card.startsWith('# my run\n\nDistilled from a teacher.\n\n## Conversion\n\nConverted from ')).toBe(true);
    expect(card).not.toContain('not recorded here');
  });
});

describe('a Hugging Face folder in the sentence-transformers layout', () => {
  it('loads from the root config.json; the sub-folders are not read', async () => {
    const dir = path.join(tmp, 'st-layout');
    await bertModelFolder(dir, true);
    const files = await checkpointFiles(dir);
    // the root's files only: nothing of 1_Pooling/ or 2_Normalize/
    expect([...files.keys()].every((k) => path.dirname(k) === dir)).toBe(true);
    expect([...files.keys()].map((k) => path.basename(k))).toContain('config.json');
    const ckpt = await loadCheckpoint(files);
    expect(ckpt.config.vocab_size).toBe(tinyConfig().vocab_size);
    disposeCheckpoint(ckpt);
  });
});

describeWithRef('convert --layers on a real BertModel', () => {
  it('model-tiny-bert-safetensors-coldfire (no MLM head, no pooler): says both are new', async () => {
    const src = path.join(tmp, 'coldfire');
    cpSync(refPath('model-tiny-bert-safetensors-coldfire'), src, { recursive: true });
    const out = path.join(tmp, 'coldfire-student');
    const log = await runConvert([`--init_checkpoint=${src}`, `--output_dir=${out}`, '--layers=0']);
    expect(log).toMatch(/student: the masked-LM head is new/);
    expect(log).toMatch(/student: the pooler is new/);
    expect(readdirSync(out).sort()).toEqual([
      'README.md',
      'config.json',
      'model.safetensors',
      'special_tokens_map.json',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
  });
});
