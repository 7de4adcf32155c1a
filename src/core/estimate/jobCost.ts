/**
 * What a long job will cost before it starts: the bytes an example set and a teacher cache take
 * in storage, the model FLOPs of the teacher pass and of training, the time at a measured rate,
 * and warnings past the thresholds (an hour; half the free storage). Pure arithmetic over
 * ./exampleCount.ts's estimate, the cache's record layout and ../model/flops.ts.
 */
import { batchRecordBytes, idBytesFor } from '../distill/teacherCache.ts';
import type { ExampleShape } from '../examples/maskedExample.ts';
import { newExample } from '../examples/exampleShuffle.ts';
import { bertForwardFlops, TRAIN_FLOPS_PER_FORWARD } from '../model/flops.ts';
import { maskedExampleToRecord } from '../tfrecord/pretrainingRecord.ts';
import { frameRecord } from '../tfrecord/recordWriter.ts';

/** A job longer than this (seconds) is warned about. */
export const LONG_JOB_SECONDS = 3600;
/** A job storing more than this share of the free storage is warned about. */
export const STORAGE_SHARE_WARNING = 0.5;

/** A model's size, as the FLOP count needs it (a BERT config's fields). */
export interface ModelSize {
  layers: number;
  hidden: number;
  intermediate: number;
  vocab: number;
}

/**
 * Stored bytes of one example of this shape holding `tokens` tokens and `positions` masked
 * positions: the framed TFRecord the example store keeps, encoded for real with typical ids
 * (two-byte varints, as most Chinese characters in a 21k vocabulary).
 */
export function exampleRecordBytes(shape: ExampleShape, tokens: number, positions: number): number {
  const ex = newExample(shape);
  const n = Math.min(shape.maxSeqLength, Math.max(0, Math.round(tokens)));
  const p = Math.min(shape.maxPredictionsPerSeq, Math.max(0, Math.round(positions)));
  ex.inputIds.fill(1000, 0, n);
  ex.inputMask.fill(1, 0, n);
  ex.segmentIds.fill(1, Math.floor(n / 2), n);
  for (let i = 0; i < p; i++) ex.maskedLmPositions[i] = Math.min(n - 1, 1 + i);
  ex.maskedLmIds.fill(1000, 0, p);
  ex.maskedLmWeights.fill(1, 0, p);
  ex.nextSentenceLabel = 1;
  return frameRecord(maskedExampleToRecord(ex)).length;
}

/** Bytes of an example set of `examples` examples averaging `tokens` tokens and `positions` masked positions each. */
export function exampleSetBytes(shape: ExampleShape, examples: number, tokens: number, positions: number): number {
  if (examples <= 0) return 0;
  return Math.round(examples * exampleRecordBytes(shape, tokens / examples, positions / examples));
}

/**
 * Bytes of the teacher cache of `examples` examples: one record per batch of `batchSize`, each
 * holding every slot of max_predictions_per_seq (padding slots too) with k float16
 * probabilities and k ids (the layout of ../distill/teacherCache.ts).
 */
export function teacherCacheBytes(c: {
  examples: number;
  slots: number;
  k: number;
  batchSize: number;
  vocabSize: number;
}): number {
  const idBytes = idBytesFor(c.vocabSize);
  const full = Math.floor(c.examples / c.batchSize);
  const rest = c.examples - full * c.batchSize;
  return (
    full * batchRecordBytes(c.batchSize, c.slots, c.k, idBytes) +
    (rest > 0 ? batchRecordBytes(rest, c.slots, c.k, idBytes) : 0)
  );
}

/** Model FLOPs of the teacher pass: one forward per example at its padded length. */
export function teacherPassFlops(examples: number, teacher: ModelSize, shape: ExampleShape): number {
  return examples * bertForwardFlops({ ...teacher, seq: shape.maxSeqLength, masks: shape.maxPredictionsPerSeq });
}

/** Model FLOPs of training: forward and backward of every example of every step, plus the held-out evaluations' forwards. */
export function trainingFlops(
  t: { steps: number; examplesPerStep: number; evaluations: number; heldOut: number },
  student: ModelSize,
  shape: ExampleShape,
): number {
  const forward = bertForwardFlops({ ...student, seq: shape.maxSeqLength, masks: shape.maxPredictionsPerSeq });
  return t.steps * t.examplesPerStep * TRAIN_FLOPS_PER_FORWARD * forward + t.evaluations * t.heldOut * forward;
}

/** Seconds `flops` take at `gflops` model GFLOP/s. */
export function secondsAt(flops: number, gflops: number): number {
  if (!(gflops > 0)) throw new Error(`a rate of ${gflops} GFLOP/s cannot time a job`);
  return flops / (gflops * 1e9);
}

export interface StorageRoom {
  usage: number;
  quota: number;
}

export type CostWarning =
  | { kind: 'time'; seconds: number; limitSeconds: number }
  | { kind: 'storage'; bytes: number; freeBytes: number /** bytes / freeBytes */; share: number };

/**
 * Warnings about a job: past LONG_JOB_SECONDS, or storing more than STORAGE_SHARE_WARNING of the
 * free storage (share > 1: more than is free). Unknown time or storage gives no warning of that kind.
 */
export function costWarnings(c: { seconds: number | null; bytes: number; storage: StorageRoom | null }): CostWarning[] {
  const out: CostWarning[] = [];
  if (c.seconds !== null && c.seconds > LONG_JOB_SECONDS)
    out.push({ kind: 'time', seconds: c.seconds, limitSeconds: LONG_JOB_SECONDS });
  if (c.storage && c.storage.quota > 0) {
    const freeBytes = Math.max(0, c.storage.quota - c.storage.usage);
    const share = freeBytes > 0 ? c.bytes / freeBytes : Number.POSITIVE_INFINITY;
    if (share > STORAGE_SHARE_WARNING) out.push({ kind: 'storage', bytes: c.bytes, freeBytes, share });
  }
  return out;
}
