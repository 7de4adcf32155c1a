import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCheckpoint } from '../../core/checkpoint/exportCheckpoint.ts';
import { arraysToWeights, randomArrays, tinyConfig, tinyVocab } from '../../testing/checkpointFixtures.ts';
import forward from './forward.ts';
import convert from './convert.ts';
import { parseFlags } from '../args.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ckpt-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function writeCheckpoint(dir: string, fmt: 'safetensors' | 'tf' | 'tfjs', mlmHead = true) {
  const cfg = tinyConfig();
  const w = arraysToWeights(randomArrays(cfg, { pooler: true, mlmHead }, 11));
  const files = await exportCheckpoint(fmt, w, cfg, tinyVocab(cfg.vocab_size));
  for (const t of Object.values(w)) t.dispose();
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(path.join(dir, f.name), f.data);
}

async function runForward(
  init: string,
  extra: string[] = [],
): Promise<{ sequence_output: number[][]; mlm_logits?: number[][] }> {
  const out = path.join(tmp, `out-${Math.random()}.json`);
  await forward.run(
    parseFlags([`--init_checkpoint=${init}`, '--input_ids=2,9,4,3', `--output_file=${out}`, ...extra], forward.flags),
  );
  return JSON.parse(readFileSync(out, 'utf8'));
}

describe('forward and convert commands', () => {
  it('forward gives the same JSON for a folder, a weight file, a TF1 prefix and a tfjs model.json', async () => {
    const n0 = tf.memory().numTensors;
    await writeCheckpoint(path.join(tmp, 'st'), 'safetensors');
    const a = await runForward(path.join(tmp, 'st'));
    expect(a.sequence_output.length).toBe(4);
    expect(a.sequence_output[0].length).toBe(8);
    expect(a.mlm_logits!.length).toBe(4);
    expect(a.mlm_logits![0].length).toBe(23);
    expect(await runForward(path.join(tmp, 'st', 'model.safetensors'))).toEqual(a);
    await convert.run(
      parseFlags(
        [`--init_checkpoint=${path.join(tmp, 'st')}`, `--output_dir=${path.join(tmp, 'tf')}`, '--format=tf'],
        convert.flags,
      ),
    );
    expect(await runForward(path.join(tmp, 'tf', 'bert_model.ckpt'))).toEqual(a);
    await convert.run(
      parseFlags(
        [
          `--init_checkpoint=${path.join(tmp, 'tf', 'bert_model.ckpt')}`,
          `--output_dir=${path.join(tmp, 'tfjs')}`,
          '--format=tfjs',
        ],
        convert.flags,
      ),
    );
    expect(await runForward(path.join(tmp, 'tfjs', 'model.json'))).toEqual(a);
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('forward leaves out mlm_logits without the head; --bert_config_file overrides the config', async () => {
    await writeCheckpoint(path.join(tmp, 'enc'), 'safetensors', false);
    const r = await runForward(path.join(tmp, 'enc'));
    expect(r.mlm_logits).toBeUndefined();
    const badCfg = path.join(tmp, 'bad_config.json');
    writeFileSync(badCfg, JSON.stringify({ ...tinyConfig(), intermediate_size: 10 }));
    await expect(runForward(path.join(tmp, 'enc'), [`--bert_config_file=${badCfg}`])).rejects.toThrow(
      /has shape \[12,8\] but the config expects \[10,8\]/,
    );
    await expect(runForward(path.join(tmp, 'nowhere'))).rejects.toThrow(
      /no such folder, file or TF1 checkpoint prefix/,
    );
  });

  it('convert --layers builds a student', async () => {
    await writeCheckpoint(path.join(tmp, 'teacher'), 'safetensors');
    const out = path.join(tmp, 'student');
    await convert.run(
      parseFlags(
        [`--init_checkpoint=${path.join(tmp, 'teacher')}`, `--output_dir=${out}`, '--format=safetensors', '--layers=1'],
        convert.flags,
      ),
    );
    expect(readdirSync(out).sort()).toEqual([
      'README.md',
      'config.json',
      'model.safetensors',
      'special_tokens_map.json',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    expect(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).num_hidden_layers).toBe(1);
    const r = await runForward(out);
    expect(r.mlm_logits!.length).toBe(4);
    await expect(
      convert.run(parseFlags([`--init_checkpoint=${out}`, `--output_dir=${out}2`, '--format=onnnx'], convert.flags)),
    ).rejects.toThrow(/--format must be one of safetensors, pytorch, tf, tfjs, onnx, got "onnnx"/);
  });

  it('convert --format=onnx writes the folder transformers.js loads', async () => {
    await writeCheckpoint(path.join(tmp, 'for-onnx'), 'safetensors');
    const out = path.join(tmp, 'onnx-folder');
    await convert.run(
      parseFlags(
        [`--init_checkpoint=${path.join(tmp, 'for-onnx')}`, `--output_dir=${out}`, '--format=onnx'],
        convert.flags,
      ),
    );
    expect(readdirSync(out).sort()).toEqual([
      'README.md',
      'config.json',
      'onnx',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    expect(readdirSync(path.join(out, 'onnx')).sort()).toEqual(['model.onnx', 'model_quantized.onnx']);
    const tokenizer = JSON.parse(readFileSync(path.join(out, 'tokenizer.json'), 'utf8'));
    expect(tokenizer.model.type).toBe('WordPiece');
    expect(Object.keys(tokenizer.model.vocab).length).toBe(23);
  });
});
