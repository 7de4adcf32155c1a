import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointFiles } from './checkpointFiles.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'checkpoint-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [n, text] of Object.entries(files)) writeFileSync(path.join(dir, n), text);
  return dir;
}

/** The keys, relative to the temporary folder, sorted. */
async function keys(files: Promise<Map<string, Blob>>): Promise<string[]> {
  return [...(await files).keys()].map((k) => path.relative(tmp, k)).sort();
}

const st = folder('st', { 'model.safetensors': 'w', 'config.json': '{"own":1}', 'vocab.txt': 'a', 'notes.md': '' });
const tf1 = folder('tf', {
  'bert_model.ckpt.index': 'i',
  'bert_model.ckpt.data-00000-of-00001': 'd',
  'bert_model.ckpt.meta': 'm',
  'bert_config.json': '{}',
  'vocab.txt': 'a',
  'other.ckpt.index': 'o',
});
const tfjs = folder('tfjs', {
  'model.json': JSON.stringify({ weightsManifest: [{ paths: ['group1-shard1of1.bin'] }] }),
  'group1-shard1of1.bin': 'b',
  'pytorch_model.bin': 'p',
  'config.json': '{}',
});
const bare = folder('bare', { 'model.safetensors': 'w' });
const given = folder('given', { 'student_config.json': '{"given":1}', 'config.json': '{"given":2}', 'words.txt': 'b' });

describe('checkpointFiles', () => {
  it('takes every file of a folder', async () => {
    expect(await keys(checkpointFiles(st))).toEqual([
      'st/config.json',
      'st/model.safetensors',
      'st/notes.md',
      'st/vocab.txt',
    ]);
  });

  it('takes a weight file with its config and vocab siblings, a model.json with its own shards only', async () => {
    expect(await keys(checkpointFiles(path.join(st, 'model.safetensors')))).toEqual([
      'st/config.json',
      'st/model.safetensors',
      'st/vocab.txt',
    ]);
    expect(await keys(checkpointFiles(path.join(tfjs, 'model.json')))).toEqual([
      'tfjs/config.json',
      'tfjs/group1-shard1of1.bin',
      'tfjs/model.json',
    ]);
  });

  it('takes a TF1 prefix, or its .index file, with the data shards', async () => {
    const want = [
      'tf/bert_config.json',
      'tf/bert_model.ckpt.data-00000-of-00001',
      'tf/bert_model.ckpt.index',
      'tf/vocab.txt',
    ];
    expect(await keys(checkpointFiles(path.join(tf1, 'bert_model.ckpt')))).toEqual(want);
    expect(await keys(checkpointFiles(path.join(tf1, 'bert_model.ckpt.index')))).toEqual(want);
  });

  it('says what it looked for when the path is none of these', async () => {
    await expect(checkpointFiles(path.join(tmp, 'nowhere'))).rejects.toThrow(
      /--init_checkpoint ".*nowhere": no such folder, file or TF1 checkpoint prefix \(.*nowhere\.index\)/,
    );
  });

  it('configFile replaces the checkpoint config, kept under its own folder with a name the loader reads', async () => {
    const files = await checkpointFiles(st, { configFile: path.join(given, 'student_config.json') });
    expect([...files.keys()].map((k) => path.relative(tmp, k)).sort()).toEqual([
      'given/bert_config.json',
      'st/model.safetensors',
      'st/notes.md',
      'st/vocab.txt',
    ]);
    expect(await files.get(path.join(given, 'bert_config.json'))!.text()).toBe('{"given":1}');
    expect(await keys(checkpointFiles(st, { configFile: path.join(given, 'config.json') }))).toContain(
      'given/config.json',
    );
  });

  it('defaultConfigFile is used only when the checkpoint has no config', async () => {
    const config = path.join(given, 'student_config.json');
    expect(await keys(checkpointFiles(st, { defaultConfigFile: config }))).toContain('st/config.json');
    expect(await keys(checkpointFiles(st, { defaultConfigFile: config }))).not.toContain('given/bert_config.json');
    expect(await keys(checkpointFiles(bare, { defaultConfigFile: config }))).toEqual([
      'bare/model.safetensors',
      'given/bert_config.json',
    ]);
    expect(
      await keys(checkpointFiles(st, { configFile: path.join(given, 'config.json'), defaultConfigFile: config })),
    ).toEqual(['given/config.json', 'st/model.safetensors', 'st/notes.md', 'st/vocab.txt']);
  });

  it('vocabFile replaces the checkpoint vocabulary', async () => {
    const files = await checkpointFiles(st, { vocabFile: path.join(given, 'words.txt') });
    expect([...files.keys()].map((k) => path.relative(tmp, k)).sort()).toEqual([
      'given/vocab.txt',
      'st/config.json',
      'st/model.safetensors',
      'st/notes.md',
    ]);
    expect(await files.get(path.join(given, 'vocab.txt'))!.text()).toBe('b');
  });
});
