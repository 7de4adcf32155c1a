/**
 * A checkpoint held in memory as its file's own float values instead of as tfjs tensors.
 * tfjs has no float16 tensors: a float16 checkpoint loaded as tensors takes twice its file's
 * size. Held, its float16 tensors stay float16 (the bits read from the file), and the model
 * widens them to float32 tensors a part at a time while it runs (distill/heldTeacher.ts), so a
 * float16 teacher needs about its file's size plus one part. Every other tensor becomes a float32
 * tensor as it is read, as loadCheckpoint does, except the word embeddings, which are held as
 * float32 values: a teacher may have to store them in blocks (backend/bufferLimits.ts).
 *
 * Read as loadCheckpoint reads: planned and checked first, then one ranged read per tensor,
 * each buffer kept as it is (a float16 tensor's bits are a view of the bytes read, no copy).
 */
import * as tf from '@tensorflow/tfjs';
import { tensorFilledInPlace } from '../backend/tensorFilledInPlace.ts';
import { EMBEDDING_NAMES, type Weights } from '../model/weights.ts';
import {
  type CheckpointPlan,
  type LoadedCheckpoint,
  type LoadOptions,
  planCheckpoint,
  streamPlannedTensors,
} from './loadCheckpoint.ts';
import { widenFloat16, widenFloat16Into } from './tensorRecord.ts';

export interface HeldTensor {
  shape: number[];
  /** float16 bits (2 bytes a value) or float32 values */
  values: Uint16Array | Float32Array;
}

export interface HeldCheckpoint extends Omit<LoadedCheckpoint, 'weights'> {
  /** tensors held outside the backend: the float16 ones and the word embeddings */
  held: Map<string, HeldTensor>;
  /** the other tensors, already float32 tfjs tensors */
  uploaded: Weights;
  /** Bytes of all held values. */
  heldBytes: number;
  /** How many tensors are held as float16. */
  float16Tensors: number;
}

/** Is this tensor held as float16? */
export function isFloat16(t: HeldTensor): t is HeldTensor & { values: Uint16Array } {
  return t.values instanceof Uint16Array;
}

/** A held tensor's values as float32 (a fresh array for float16, the held array itself for float32). */
export function heldFloat32(t: HeldTensor): Float32Array {
  return isFloat16(t) ? widenFloat16(t.values) : (t.values as Float32Array);
}

/**
 * The named held tensors as float32 tfjs tensors (the caller disposes them). float16 ones are
 * widened straight into the backend's memory where it allows (backend/tensorFilledInPlace.ts).
 */
export function widenToTensors(held: Map<string, HeldTensor>, names: Iterable<string>): Weights {
  const out: Weights = {};
  try {
    for (const name of names) {
      const t = held.get(name);
      if (!t) throw new Error(`held checkpoint: tensor "${name}" is not held`);
      out[name] = isFloat16(t)
        ? tensorFilledInPlace(t.shape, (values) => widenFloat16Into(t.values, values))
        : tf.tensor(t.values, t.shape, 'float32');
    }
  } catch (e) {
    tf.dispose(Object.values(out));
    throw e;
  }
  return out;
}

/** Reads a planned checkpoint into memory, keeping float16 tensors as float16. */
export async function holdPlannedCheckpoint(plan: CheckpointPlan, opts: LoadOptions = {}): Promise<HeldCheckpoint> {
  const held = new Map<string, HeldTensor>();
  const uploaded: Weights = {};
  let heldBytes = 0;
  let float16Tensors = 0;
  let read: Awaited<ReturnType<typeof streamPlannedTensors>>;
  try {
    read = await streamPlannedTensors(
      plan,
      (canonical, rec, asFloat32) => {
        if ('half' in rec || canonical === EMBEDDING_NAMES.word) {
          const values = 'half' in rec ? rec.half : asFloat32();
          if ('half' in rec) float16Tensors++;
          held.set(canonical, { shape: rec.shape, values });
          heldBytes += values.byteLength;
        } else uploaded[canonical] = tf.tensor(asFloat32(), rec.shape, 'float32');
      },
      { ...opts, keepFloat16: true },
    );
  } catch (e) {
    tf.dispose(Object.values(uploaded));
    throw e;
  }
  return {
    format: plan.format,
    config: plan.config,
    vocab: plan.vocab,
    held,
    uploaded,
    heldBytes,
    float16Tensors,
    parts: plan.parts,
    fingerprint: read.fingerprint,
    sizeBytes: plan.sizeBytes,
    weightFiles: plan.weightFiles,
    skipped: read.skipped,
    warnings: read.warnings,
  };
}

/** Plans, checks and holds a checkpoint (see holdPlannedCheckpoint). */
export async function holdCheckpoint(
  files: Map<string, Blob> | File[],
  opts: LoadOptions = {},
): Promise<HeldCheckpoint> {
  return holdPlannedCheckpoint(await planCheckpoint(files), opts);
}

/** Disposes the uploaded tensors of a held checkpoint (the held values go with it). */
export function disposeHeld(ckpt: HeldCheckpoint): void {
  tf.dispose(Object.values(ckpt.uploaded));
}
