/**
 * A checkpoint held in memory as its file's own float values instead of as tfjs tensors.
 * tfjs has no float16 tensors: a float16 checkpoint loaded as tensors takes twice its file's
 * size. Held, its float16 tensors stay float16 (the bits read from the file), and the model
 * widens them to float32 tensors a part at a time while it runs (distill/heldTeacher.ts), so a
 * float16 teacher needs about its file's size plus one part. Float32 (and bfloat16, float64)
 * tensors are held as float32.
 *
 * Read as loadCheckpoint reads: planned and checked first, then one ranged read per tensor,
 * each buffer kept as it is (a float16 tensor's bits are a view of the bytes read, no copy).
 */
import * as tf from '@tensorflow/tfjs';
import type { Weights } from '../model/weights.ts';
import {
  type CheckpointPlan,
  type LoadedCheckpoint,
  type LoadOptions,
  planCheckpoint,
  streamPlannedTensors,
} from './loadCheckpoint.ts';
import { widenFloat16 } from './tensorRecord.ts';

export interface HeldTensor {
  shape: number[];
  /** float16 bits (2 bytes a value) or float32 values */
  values: Uint16Array | Float32Array;
}

export interface HeldCheckpoint extends Omit<LoadedCheckpoint, 'weights'> {
  held: Map<string, HeldTensor>;
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

/** The named held tensors as float32 tfjs tensors (the caller disposes them). */
export function widenToTensors(held: Map<string, HeldTensor>, names: Iterable<string>): Weights {
  const out: Weights = {};
  for (const name of names) {
    const t = held.get(name);
    if (!t) throw new Error(`held checkpoint: tensor "${name}" is not held`);
    out[name] = tf.tensor(heldFloat32(t), t.shape, 'float32');
  }
  return out;
}

/** Reads a planned checkpoint into memory, keeping float16 tensors as float16. */
export async function holdPlannedCheckpoint(plan: CheckpointPlan, opts: LoadOptions = {}): Promise<HeldCheckpoint> {
  const held = new Map<string, HeldTensor>();
  let heldBytes = 0;
  let float16Tensors = 0;
  const read = await streamPlannedTensors(
    plan,
    (canonical, rec, asFloat32) => {
      const values = 'half' in rec ? rec.half : asFloat32();
      if ('half' in rec) float16Tensors++;
      held.set(canonical, { shape: rec.shape, values });
      heldBytes += values.byteLength;
    },
    { ...opts, keepFloat16: true },
  );
  return {
    format: plan.format,
    config: plan.config,
    vocab: plan.vocab,
    held,
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
