import { describe, expect, it } from 'vitest';
import {
  ORIGINAL_PRETRAINING_DEFAULTS,
  PRETRAINING_DEFAULTS,
  type PretrainingOptions,
  validatePretrainingOptions,
} from '../examples/createPretrainingData.ts';
import { flagValueProblem } from './flagSpec.ts';
import {
  flagsFromPretrainingOptions,
  PRETRAINING_FLAG_DEFAULTS,
  PRETRAINING_FLAGS,
  pretrainingOptionsFromFlags,
} from './pretrainingFlags.ts';

/** Every field away from its default. */
const CUSTOM: PretrainingOptions = {
  mode: 'bert',
  doLowerCase: false,
  doWholeWordMask: false,
  maxSeqLength: 64,
  maxPredictionsPerSeq: 7,
  randomSeed: 99,
  dupeFactor: 3,
  maskedLmProb: 0.2,
  shortSeqProb: 0.3,
  docStride: 32,
  minDocumentChars: 5,
  shuffleBufferSize: 0,
};

const rows = Object.entries(PRETRAINING_FLAGS);

describe('create_pretraining_data flags ↔ PretrainingOptions', () => {
  it('round-trip: options → flags → options gives the same options', () => {
    for (const o of [CUSTOM, { ...PRETRAINING_DEFAULTS }]) {
      expect(pretrainingOptionsFromFlags(flagsFromPretrainingOptions(o))).toEqual(o);
    }
    for (const [k, v] of Object.entries(CUSTOM))
      expect(v).not.toBe(ORIGINAL_PRETRAINING_DEFAULTS[k as keyof PretrainingOptions]);
  });

  it('covers every option, including minDocumentChars and shuffleBufferSize, one flag each', () => {
    const options = rows.map(([, row]) => row.option).sort();
    expect(options).toEqual(Object.keys(PRETRAINING_DEFAULTS).sort());
    expect(options).toContain('minDocumentChars');
    expect(options).toContain('shuffleBufferSize');
    const flags = flagsFromPretrainingOptions(CUSTOM);
    expect(Object.keys(flags)).toEqual(Object.keys(PRETRAINING_FLAGS));
    // the table's option column says what the converters do
    for (const [name, row] of rows) expect(flags[name as keyof typeof flags]).toBe(CUSTOM[row.option]);
  });

  it("defaults are the original script's (512, dupe 5, whole words); flags left out take them", () => {
    const O = ORIGINAL_PRETRAINING_DEFAULTS;
    expect([O.maxSeqLength, O.dupeFactor, O.doWholeWordMask, O.maxPredictionsPerSeq, O.randomSeed]).toEqual([
      512,
      5,
      true,
      20,
      12345,
    ]);
    expect([O.maskedLmProb, O.shortSeqProb, O.docStride, O.doLowerCase]).toEqual([0.15, 0.1, 256, true]);
    for (const [, row] of rows) expect(row.default).toBe(O[row.option]);
    expect(pretrainingOptionsFromFlags({})).toEqual(O);
    expect(pretrainingOptionsFromFlags({ min_document_chars: 0, shuffle_buffer_size: 3 })).toEqual({
      ...O,
      minDocumentChars: 0,
      shuffleBufferSize: 3,
    });
    expect(PRETRAINING_FLAG_DEFAULTS).toEqual(flagsFromPretrainingOptions(O));
    expect(PRETRAINING_FLAG_DEFAULTS.shuffle_buffer_size).toBe(PRETRAINING_DEFAULTS.shuffleBufferSize);
    for (const [name, row] of rows) expect(flagValueProblem(name, row, row.default)).toBeNull();
  });

  it("the table's bounds are those validatePretrainingOptions checks", () => {
    const validates = (name: string, value: number) => {
      const o = pretrainingOptionsFromFlags({ ...PRETRAINING_FLAG_DEFAULTS, [name]: value });
      try {
        validatePretrainingOptions(o);
        return true;
      } catch (err) {
        expect((err as Error).message).toContain(name);
        return false;
      }
    };
    let checked = 0;
    for (const [name, row] of rows) {
      if (row.type !== 'int' && row.type !== 'float') continue;
      const step = row.type === 'int' ? 1 : 0.01;
      if ('min' in row) {
        expect(validates(name, row.min)).toBe(true);
        expect(validates(name, row.min - step)).toBe(false);
        checked++;
      }
      if ('max' in row) {
        expect(validates(name, row.max)).toBe(true);
        expect(validates(name, row.max + step)).toBe(false);
        checked++;
      }
    }
    expect(checked).toBe(10);
  });
});
