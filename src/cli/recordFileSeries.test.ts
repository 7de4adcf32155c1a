import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../core/tfrecord/recordReader.ts';
import { RecordFileSeries } from './recordFileSeries.ts';

async function count(file: string): Promise<number> {
  let n = 0;
  for await (const _ of readRecords(new Blob([await readFile(file)]))) n++;
  return n;
}

describe('RecordFileSeries', () => {
  it('starts a new file every N records, each under its final name only when complete', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'series-'));
    const series = new RecordFileSeries((n) => path.join(dir, `teacher_${n}.tfrecord`), 20);
    for (let i = 0; i < 45; i++) await series.write(new Uint8Array([i]));
    expect((await readdir(dir)).sort()).toEqual([
      'teacher_0.tfrecord',
      'teacher_1.tfrecord',
      'teacher_2.tfrecord.partial',
    ]);
    await series.close();
    expect(series.done.map((f) => path.basename(f))).toEqual([
      'teacher_0.tfrecord',
      'teacher_1.tfrecord',
      'teacher_2.tfrecord',
    ]);
    expect(await Promise.all(series.done.map(count))).toEqual([20, 20, 5]);
  });

  it('after an error, what was written stays in the .partial file and complete files keep their names', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'series-'));
    const series = new RecordFileSeries((n) => path.join(dir, `teacher_${n}.tfrecord`), 20);
    for (let i = 0; i < 27; i++) await series.write(new Uint8Array([i]));
    const partial = series.partial;
    await series.abandon();
    expect(path.basename(partial)).toBe('teacher_1.tfrecord.partial');
    expect((await readdir(dir)).sort()).toEqual(['teacher_0.tfrecord', 'teacher_1.tfrecord.partial']);
    expect(await count(partial)).toBe(7);
  });
});
