import { describe, expect, it } from 'vitest';
import { PRETRAINING_DEFAULTS } from './createPretrainingData.ts';
import { exampleSetName, sourcesLabel, uniqueName } from './exampleSetName.ts';

describe('exampleSetName', () => {
  it('names a set by its sources and flags', () => {
    const o = { ...PRETRAINING_DEFAULTS, doWholeWordMask: true, maxSeqLength: 128, dupeFactor: 1 };
    expect(exampleSetName(['hongloumeng.txt'], o)).toBe('hongloumeng.txt · wwm · len 128 · dupe 1');
    expect(exampleSetName(['a.txt', 'b.jsonl'], { ...o, doWholeWordMask: false, mode: 'bert' }, 5000)).toBe(
      'a.txt + b.jsonl · wordpiece · bert pairs · len 128 · dupe 1 · max 5000',
    );
  });

  it('shortens many sources and says when there are none', () => {
    expect(sourcesLabel(['a.txt', 'b.txt', 'c.txt'])).toBe('a.txt + 2 more');
    expect(sourcesLabel([])).toBe('no corpus');
  });

  it('numbers a name already taken', () => {
    expect(uniqueName('x', [])).toBe('x');
    expect(uniqueName('x', ['x', 'x (2)'])).toBe('x (3)');
  });
});
