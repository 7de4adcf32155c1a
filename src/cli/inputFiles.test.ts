import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandInputFiles } from './inputFiles.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'input-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const corpusA = path.join(dir, 'corpus_a.txt');
const corpusB = path.join(dir, 'corpus_b.txt');
writeFileSync(corpusA, 'a\n');
writeFileSync(corpusB, 'b\n');

describe('expandInputFiles', () => {
  it('expands comma-separated lists and globs, sorted', async () => {
    expect(await expandInputFiles(`${path.join(dir, 'corpus_?.txt')}`)).toEqual([corpusA, corpusB]);
    expect(await expandInputFiles(`${corpusB},${path.join(dir, '*_a.txt')}`)).toEqual([corpusB, corpusA]);
    await expect(expandInputFiles(path.join(dir, 'nothing*.txt'))).rejects.toThrow(/matches no file/);
  });

  it('keeps plain paths as given, matches [abc] classes and globbed folders', async () => {
    mkdirSync(path.join(dir, 'part1'));
    mkdirSync(path.join(dir, 'part2'));
    writeFileSync(path.join(dir, 'part1', 'x.txt'), '');
    writeFileSync(path.join(dir, 'part2', 'x.txt'), '');
    expect(await expandInputFiles('not/there.txt')).toEqual(['not/there.txt']);
    expect(await expandInputFiles(path.join(dir, 'corpus_[b].txt'))).toEqual([corpusB]);
    expect(await expandInputFiles(path.join(dir, 'part*', '*.txt'))).toEqual([
      path.join(dir, 'part1', 'x.txt'),
      path.join(dir, 'part2', 'x.txt'),
    ]);
  });
});
