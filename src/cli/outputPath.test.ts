import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeOutputDir, prepareOutputFile } from './outputPath.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'outpath-'));
  dirs.push(d);
  return d;
}

describe('makeOutputDir', () => {
  it('makes every missing level of a new folder and accepts an existing one', async () => {
    const d = await tmp();
    await makeOutputDir(path.join(d, 'a', 'b', 'c'), '--output_dir');
    expect((await stat(path.join(d, 'a', 'b', 'c'))).isDirectory()).toBe(true);
    await makeOutputDir(path.join(d, 'a', 'b', 'c'), '--output_dir');
  });

  it.runIf(existsSync('/proc/self'))(
    'fails at once under /proc, where a recursive mkdir loops forever',
    async () => {
      await expect(makeOutputDir('/proc/no_such_dir/out', '--output_dir')).rejects.toThrow(
        /^--output_dir "\/proc\/no_such_dir\/out": cannot create the folder "\/proc\/no_such_dir"/,
      );
    },
    5000,
  );

  it('names the flag when the path, or a part of it, is a file', async () => {
    const d = await tmp();
    const f = path.join(d, 'file.txt');
    await writeFile(f, 'x');
    await expect(makeOutputDir(f, '--output_dir')).rejects.toThrow(/--output_dir ".*file.txt": exists and is a file/);
    await expect(makeOutputDir(path.join(f, 'sub'), '--output_dir')).rejects.toThrow(
      /--output_dir ".*file.txt\/sub": .*file.txt" is (a file|not a folder)/,
    );
  });
});

describe('prepareOutputFile', () => {
  it('refuses a folder, makes a missing parent folder and accepts a file to overwrite', async () => {
    const d = await tmp();
    await mkdir(path.join(d, 'taken'));
    await expect(prepareOutputFile(path.join(d, 'taken'), '--output_file')).rejects.toThrow(
      /--output_file ".*taken": is an existing folder; name a file/,
    );
    await prepareOutputFile(path.join(d, 'new', 'out.tfrecord'), '--output_file');
    expect((await stat(path.join(d, 'new'))).isDirectory()).toBe(true);
    await writeFile(path.join(d, 'old.tfrecord'), 'x');
    await prepareOutputFile(path.join(d, 'old.tfrecord'), '--output_file');
  });
});
