import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsStore } from './fsStore.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('FsStore', () => {
  it('stores binary as .bin and data as .json, in sub-folders, with prefix listing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fsstore-'));
    dirs.push(dir);
    const s = new FsStore(dir);
    await s.set('cache/batch/0', new Uint8Array([5, 6]));
    await s.set('cache/manifest', { done: [0] });
    expect(await s.get('cache/batch/0')).toEqual(new Uint8Array([5, 6]));
    expect(await s.get('cache/manifest')).toEqual({ done: [0] });
    expect(await s.keys('cache/')).toEqual(['cache/batch/0', 'cache/manifest']);
    // changing a key's kind replaces the old file
    await s.set('cache/manifest', new Uint8Array([1]));
    expect(await readdir(path.join(dir, 'cache'))).toEqual(['batch', 'manifest.bin']);
    await s.del('cache/batch/0');
    expect(await s.get('cache/batch/0')).toBeUndefined();
    await expect(s.set('../x', 1)).rejects.toThrow(/not usable as a file path/);
  });

  it('names the file when stored JSON is corrupt', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fsstore-'));
    dirs.push(dir);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'bad.json'), '{oops');
    await expect(new FsStore(dir).get('bad')).rejects.toThrow(/bad\.json: not valid JSON/);
  });
});
