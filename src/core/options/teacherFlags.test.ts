import { describe, expect, it } from 'vitest';
import { DEFAULT_TRUNCATION_FACTOR } from '../distill/teacherOutputs.ts';
import {
  flagsFromRecordShape,
  flagsFromTeacherOptions,
  recordShapeFromFlags,
  TEACHER_FLAGS,
  TEACHER_RECORD_FLAGS,
  type TeacherOutputOptions,
  teacherOptionsFromFlags,
} from './teacherFlags.ts';

describe('create_teacher_output_data flags ↔ teacher pass options', () => {
  const o: TeacherOutputOptions = { k: 5, maxSeqLength: 12, maxPredictionsPerSeq: 3, batchSize: 7 };

  it('round-trip: options → flags → options gives the same options', () => {
    expect(teacherOptionsFromFlags(flagsFromTeacherOptions(o))).toEqual(o);
    const { batchSize: _, ...shape } = o;
    expect(recordShapeFromFlags(flagsFromRecordShape(shape))).toEqual(shape);
    const flags = flagsFromTeacherOptions(o);
    expect(Object.keys(flags).sort()).toEqual(Object.keys(TEACHER_FLAGS).sort());
    for (const [name, row] of Object.entries(TEACHER_FLAGS))
      expect(flags[name as keyof typeof flags]).toBe(o[row.option]);
  });

  it("defaults: the original script's (k = the core's 128, 512 tokens, 20 slots, batches of 4)", () => {
    expect(teacherOptionsFromFlags({})).toEqual({ k: 128, maxSeqLength: 512, maxPredictionsPerSeq: 20, batchSize: 4 });
    expect(TEACHER_RECORD_FLAGS.truncation_factor.default).toBe(DEFAULT_TRUNCATION_FACTOR);
  });
});
