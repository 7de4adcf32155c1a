/**
 * A masked-LM example as a TFRecord payload with exactly the seed's (and Google
 * BERT's create_pretraining_data.py) features: input_ids, input_mask, segment_ids
 * (int64 × max_seq_length), masked_lm_positions, masked_lm_ids (int64 ×
 * max_predictions_per_seq), masked_lm_weights (float × max_predictions_per_seq),
 * next_sentence_labels (int64 × 1).
 */
import type { ExampleShape, MaskedExample } from '../examples/maskedExample.ts';
import { decodeExample, encodeExample, type Feature } from './example.ts';
import { type ReadRecordsOptions, readRecordEntries } from './recordReader.ts';

/** The feature names, as written in the seed's files. */
export const PRETRAINING_FEATURES = [
  'input_ids',
  'input_mask',
  'segment_ids',
  'masked_lm_positions',
  'masked_lm_ids',
  'masked_lm_weights',
  'next_sentence_labels',
] as const;

/** Thrown when a record lacks a feature or its lengths disagree; names the feature and the source. */
export class RecordFormatError extends Error {
  constructor(source: string, what: string) {
    super(`${source}: ${what}`);
    this.name = 'RecordFormatError';
  }
}

/** The seed's example features, ready to encode (also used by the teacher-output record). */
export function maskedExampleFeatures(ex: MaskedExample): Record<string, Feature> {
  const seq = ex.inputIds.length;
  const preds = ex.maskedLmPositions.length;
  const check = (name: string, len: number, want: number) => {
    if (len !== want) throw new Error(`masked example: ${name} has ${len} values, expected ${want}`);
  };
  check('input_mask', ex.inputMask.length, seq);
  check('segment_ids', ex.segmentIds.length, seq);
  check('masked_lm_ids', ex.maskedLmIds.length, preds);
  check('masked_lm_weights', ex.maskedLmWeights.length, preds);
  return {
    input_ids: { kind: 'int64', values: ex.inputIds },
    input_mask: { kind: 'int64', values: ex.inputMask },
    segment_ids: { kind: 'int64', values: ex.segmentIds },
    masked_lm_positions: { kind: 'int64', values: ex.maskedLmPositions },
    masked_lm_ids: { kind: 'int64', values: ex.maskedLmIds },
    masked_lm_weights: { kind: 'float', values: ex.maskedLmWeights },
    next_sentence_labels: { kind: 'int64', values: [ex.nextSentenceLabel] },
  };
}

/** Serialise one example as a tf.train.Example payload (frame it with TFRecordWriter). */
export function maskedExampleToRecord(ex: MaskedExample): Uint8Array<ArrayBuffer> {
  return encodeExample(maskedExampleFeatures(ex));
}

/** Fetch a feature of the wanted kind, or throw naming it. */
export function requireFeature(
  feats: Map<string, Feature>,
  name: string,
  kind: Feature['kind'],
  source: string,
): Feature {
  const f = feats.get(name);
  if (!f) {
    const have = [...feats.keys()].join(', ') || 'none';
    throw new RecordFormatError(source, `missing feature "${name}" (the record has: ${have})`);
  }
  if (f.kind !== kind) {
    // an empty Feature message decodes as an empty int64 list: accept it as empty of any kind
    if (f.values.length === 0) {
      if (kind === 'float') return { kind, values: new Float32Array(0) };
      return kind === 'bytes' ? { kind, values: [] } : { kind, values: [] };
    }
    throw new RecordFormatError(source, `feature "${name}" is a ${f.kind} list, expected ${kind}`);
  }
  return f;
}

function ints(feats: Map<string, Feature>, name: string, source: string, want?: number): Int32Array {
  const f = requireFeature(feats, name, 'int64', source);
  const v = f.values as number[];
  if (want !== undefined && v.length !== want) {
    throw new RecordFormatError(source, `feature "${name}" has ${v.length} values, expected ${want}`);
  }
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x > 0x7fffffff || x < -0x80000000) {
      throw new RecordFormatError(source, `feature "${name}" value ${x} at index ${i} does not fit in int32`);
    }
    out[i] = x;
  }
  return out;
}

function floats(feats: Map<string, Feature>, name: string, source: string, want?: number): Float32Array {
  const f = requireFeature(feats, name, 'float', source);
  const v = f.values instanceof Float32Array ? f.values : Float32Array.from(f.values as number[]);
  if (want !== undefined && v.length !== want) {
    throw new RecordFormatError(source, `feature "${name}" has ${v.length} values, expected ${want}`);
  }
  return v;
}

/** Read the seed's example features out of decoded features (shared with the teacher-output record). */
export function featuresToMaskedExample(feats: Map<string, Feature>, source = 'record'): MaskedExample {
  const inputIds = ints(feats, 'input_ids', source);
  const seq = inputIds.length;
  const inputMask = ints(feats, 'input_mask', source, seq);
  const segmentIds = ints(feats, 'segment_ids', source, seq);
  const maskedLmPositions = ints(feats, 'masked_lm_positions', source);
  const preds = maskedLmPositions.length;
  const maskedLmIds = ints(feats, 'masked_lm_ids', source, preds);
  const maskedLmWeights = floats(feats, 'masked_lm_weights', source, preds);
  const nsl = ints(feats, 'next_sentence_labels', source, 1);
  return {
    inputIds,
    inputMask,
    segmentIds,
    maskedLmPositions,
    maskedLmIds,
    maskedLmWeights,
    nextSentenceLabel: nsl[0],
  };
}

/**
 * Parse one payload into a MaskedExample. `source` names the record in errors,
 * e.g. "train.tfrecord record 17"; extra features are ignored.
 */
export function recordToMaskedExample(bytes: Uint8Array, source = 'record'): MaskedExample {
  let feats: Map<string, Feature>;
  try {
    feats = decodeExample(bytes);
  } catch (e) {
    throw new RecordFormatError(source, (e as Error).message);
  }
  return featuresToMaskedExample(feats, source);
}

/** Throws a RecordFormatError naming the feature when an example does not have the expected shape. */
export function checkExampleShape(ex: MaskedExample, shape: ExampleShape, source: string): void {
  const seq: [string, number][] = [
    ['input_ids', ex.inputIds.length],
    ['input_mask', ex.inputMask.length],
    ['segment_ids', ex.segmentIds.length],
  ];
  for (const [name, n] of seq) {
    if (n !== shape.maxSeqLength) {
      throw new RecordFormatError(
        source,
        `feature "${name}" has ${n} values, expected max_seq_length ${shape.maxSeqLength}`,
      );
    }
  }
  const preds: [string, number][] = [
    ['masked_lm_positions', ex.maskedLmPositions.length],
    ['masked_lm_ids', ex.maskedLmIds.length],
    ['masked_lm_weights', ex.maskedLmWeights.length],
  ];
  for (const [name, n] of preds) {
    if (n !== shape.maxPredictionsPerSeq) {
      throw new RecordFormatError(
        source,
        `feature "${name}" has ${n} values, expected max_predictions_per_seq ${shape.maxPredictionsPerSeq}`,
      );
    }
  }
}

export interface ReadExamplesOptions extends ReadRecordsOptions {
  /** Expected lengths; default: those of the first record (every record must then match it). */
  shape?: ExampleShape;
}

/**
 * Stream the MaskedExamples of a TFRecord file (the seed's or Google BERT's
 * pre-training data). Errors name the file, the record number and its byte offset.
 */
export async function* readMaskedExamples(file: Blob, opts: ReadExamplesOptions = {}): AsyncGenerator<MaskedExample> {
  const name = opts.name ?? (file as Partial<File>).name ?? 'records.tfrecord';
  let shape = opts.shape;
  for await (const r of readRecordEntries(file, { ...opts, name })) {
    const source = `${name}: record ${r.index} at byte ${r.byteOffset}`;
    const ex = recordToMaskedExample(r.data, source);
    if (!shape) shape = { maxSeqLength: ex.inputIds.length, maxPredictionsPerSeq: ex.maskedLmPositions.length };
    checkExampleShape(ex, shape, source);
    yield ex;
  }
}
