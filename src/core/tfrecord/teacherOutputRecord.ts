/**
 * The seed's teacher-output record (create_teacher_output_data.py): the masked
 * example's features plus truncated_masked_lm_probs (float, max_predictions_per_seq × k,
 * row-major [slot][k]) and top_k_indices (int64, the same length): the teacher's
 * top-k probabilities at each prediction slot and their vocabulary ids.
 */
import type { MaskedExample } from '../examples/maskedExample.ts';
import { decodeExample, encodeExample, type Feature } from './example.ts';
import { readRecordEntries } from './recordReader.ts';
import {
  type ReadExamplesOptions,
  RecordFormatError,
  checkExampleShape,
  featuresToMaskedExample,
  maskedExampleFeatures,
  requireFeature,
} from './pretrainingRecord.ts';

export interface TeacherOutput {
  example: MaskedExample;
  /** [max_predictions_per_seq × k], row-major [slot][k]. */
  probs: Float32Array;
  /** Vocabulary ids matching `probs`. */
  topKIds: Int32Array;
  k: number;
}

/** Serialise an example with its teacher outputs. */
export function teacherOutputToRecord(
  ex: MaskedExample,
  probs: Float32Array,
  topKIds: Int32Array,
  k: number,
): Uint8Array<ArrayBuffer> {
  const slots = ex.maskedLmPositions.length;
  if (!Number.isInteger(k) || k < 1) throw new Error(`teacher output: k must be a positive integer, got ${k}`);
  if (probs.length !== slots * k) {
    throw new Error(
      `teacher output: truncated_masked_lm_probs has ${probs.length} values, expected ${slots} slots × k ${k}`,
    );
  }
  if (topKIds.length !== slots * k) {
    throw new Error(`teacher output: top_k_indices has ${topKIds.length} values, expected ${slots} slots × k ${k}`);
  }
  const feats = maskedExampleFeatures(ex);
  feats.truncated_masked_lm_probs = { kind: 'float', values: probs };
  feats.top_k_indices = { kind: 'int64', values: topKIds };
  return encodeExample(feats);
}

/** Parse a teacher-output payload; k = length / max_predictions_per_seq. `source` names the record in errors. */
export function recordToTeacherOutput(bytes: Uint8Array, source = 'record'): TeacherOutput {
  let feats: Map<string, Feature>;
  try {
    feats = decodeExample(bytes);
  } catch (e) {
    throw new RecordFormatError(source, (e as Error).message);
  }
  const example = featuresToMaskedExample(feats, source);
  const slots = example.maskedLmPositions.length;
  const pf = requireFeature(feats, 'truncated_masked_lm_probs', 'float', source);
  const probs = pf.values instanceof Float32Array ? pf.values : Float32Array.from(pf.values as number[]);
  const idf = requireFeature(feats, 'top_k_indices', 'int64', source).values as number[];
  if (slots === 0) throw new RecordFormatError(source, 'masked_lm_positions is empty: cannot infer k');
  if (probs.length === 0 || probs.length % slots !== 0) {
    throw new RecordFormatError(
      source,
      `feature "truncated_masked_lm_probs" has ${probs.length} values, not a positive multiple of max_predictions_per_seq ${slots}`,
    );
  }
  if (idf.length !== probs.length) {
    throw new RecordFormatError(
      source,
      `feature "top_k_indices" has ${idf.length} values but truncated_masked_lm_probs has ${probs.length}`,
    );
  }
  const topKIds = new Int32Array(idf.length);
  for (let i = 0; i < idf.length; i++) {
    const x = idf[i];
    if (x < 0 || x > 0x7fffffff)
      throw new RecordFormatError(source, `feature "top_k_indices" value ${x} at index ${i} is not a vocabulary id`);
    topKIds[i] = x;
  }
  return { example, probs, topKIds, k: probs.length / slots };
}

/**
 * Stream the teacher outputs of a TFRecord file written by the seed's
 * create_teacher_output_data.py or by this project. Every record must share the
 * first record's (or `opts.shape`'s) lengths and k; errors name the file, the
 * record number and its byte offset.
 */
export async function* readTeacherOutputs(
  file: Blob,
  opts: ReadExamplesOptions & { k?: number } = {},
): AsyncGenerator<TeacherOutput> {
  const name = opts.name ?? (file as Partial<File>).name ?? 'teacher.tfrecord';
  let shape = opts.shape;
  let k = opts.k;
  for await (const r of readRecordEntries(file, { ...opts, name })) {
    const source = `${name}: record ${r.index} at byte ${r.byteOffset}`;
    const t = recordToTeacherOutput(r.data, source);
    if (!shape)
      shape = { maxSeqLength: t.example.inputIds.length, maxPredictionsPerSeq: t.example.maskedLmPositions.length };
    checkExampleShape(t.example, shape, source);
    if (k === undefined) k = t.k;
    if (t.k !== k) {
      throw new RecordFormatError(source, `feature "truncated_masked_lm_probs" gives k = ${t.k}, expected ${k}`);
    }
    yield t;
  }
}
