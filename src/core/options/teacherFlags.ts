/**
 * create_teacher_output_data's option flags (the seed's names) and the teacher pass's
 * options, converted both ways in this one place. The first three describe the shape of
 * the teacher-output records (k, sequence length, prediction slots); run_distill takes
 * them too, with the same defaults. The defaults are the original create_teacher_output_data.py's
 * (k 128, 512 tokens, 20 slots, predict_batch_size 4).
 */
import type { FlagsOf, OptionFlagTable } from './flagSpec.ts';

/** The shape of the seed's example and teacher-output records. */
export interface TeacherRecordShape {
  /** k: the teacher's top probabilities kept per prediction slot */
  k: number;
  maxSeqLength: number;
  maxPredictionsPerSeq: number;
}

/** What the teacher pass needs besides the model and the examples. */
export interface TeacherOutputOptions extends TeacherRecordShape {
  /** examples per teacher forward pass */
  batchSize: number;
}

/** The record-shape flags, shared by create_teacher_output_data and run_distill. */
export const TEACHER_RECORD_FLAGS = {
  truncation_factor: {
    option: 'k',
    type: 'int',
    default: 128,
    min: 1,
    label: 'Top k',
    help: 'k: how many of the highest teacher probabilities to keep per slot.',
  },
  max_seq_length: {
    option: 'maxSeqLength',
    type: 'int',
    default: 512,
    min: 1,
    label: 'Sequence length',
    help: 'Sequence length of the examples (must match data generation).',
  },
  max_predictions_per_seq: {
    option: 'maxPredictionsPerSeq',
    type: 'int',
    default: 20,
    min: 1,
    label: 'Prediction slots',
    help: 'Prediction slots per example.',
  },
} as const satisfies OptionFlagTable<keyof TeacherRecordShape>;

export const TEACHER_FLAGS = {
  ...TEACHER_RECORD_FLAGS,
  predict_batch_size: {
    option: 'batchSize',
    type: 'int',
    default: 4,
    min: 1,
    label: 'Batch size',
    help: 'Examples per teacher forward pass.',
  },
} as const satisfies OptionFlagTable<keyof TeacherOutputOptions>;

export type TeacherRecordFlagValues = FlagsOf<typeof TEACHER_RECORD_FLAGS>;
export type TeacherFlagValues = FlagsOf<typeof TEACHER_FLAGS>;

const R = TEACHER_RECORD_FLAGS;

/** The record shape these flags give; a flag left out takes its default. */
export function recordShapeFromFlags(v: Partial<TeacherRecordFlagValues>): TeacherRecordShape {
  return {
    k: v.truncation_factor ?? R.truncation_factor.default,
    maxSeqLength: v.max_seq_length ?? R.max_seq_length.default,
    maxPredictionsPerSeq: v.max_predictions_per_seq ?? R.max_predictions_per_seq.default,
  };
}

export function flagsFromRecordShape(s: TeacherRecordShape): TeacherRecordFlagValues {
  return { truncation_factor: s.k, max_seq_length: s.maxSeqLength, max_predictions_per_seq: s.maxPredictionsPerSeq };
}

/** The teacher pass's options these flags give; a flag left out takes its default. */
export function teacherOptionsFromFlags(v: Partial<TeacherFlagValues>): TeacherOutputOptions {
  return { ...recordShapeFromFlags(v), batchSize: v.predict_batch_size ?? TEACHER_FLAGS.predict_batch_size.default };
}

export function flagsFromTeacherOptions(o: TeacherOutputOptions): TeacherFlagValues {
  return { ...flagsFromRecordShape(o), predict_batch_size: o.batchSize };
}
