/**
 * Models as the workers use them: the loaded weights of a stored checkpoint (kept once per worker, keyed by
 * model id, so repeated jobs do not reload a large teacher).
 */
import { loadCheckpoint, type LoadedCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { disposeCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { getModelFiles } from '../src/contract/storageLayout.ts';
import { disposeHeld, holdCheckpoint } from '../src/core/checkpoint/heldCheckpoint.ts';
import { HeldTeacher } from '../src/core/distill/heldTeacher.ts';

let loaded: { modelId: string; ckpt: LoadedCheckpoint } | null = null;
let teacher: { modelId: string; teacher: HeldTeacher } | null = null;

/** Loads a stored checkpoint (one kept at a time per worker). */
export async function loadModel(
  modelId: string,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<LoadedCheckpoint> {
  if (loaded?.modelId === modelId) return loaded.ckpt;
  unloadTeacher();
  if (loaded) {
    disposeCheckpoint(loaded.ckpt);
    loaded = null;
  }
  const files = await getModelFiles(modelId);
  const ckpt = await loadCheckpoint(files, { onProgress: (p) => onProgress?.(p.bytesRead, p.totalBytes) });
  loaded = { modelId, ckpt };
  return ckpt;
}

/**
 * Loads a stored checkpoint as a teacher for the teacher pass (one kept at a time per worker, in
 * place of a loaded checkpoint): float16 weights stay float16 (core/distill/heldTeacher.ts).
 */
export async function loadTeacher(
  modelId: string,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<HeldTeacher> {
  if (teacher?.modelId === modelId) return teacher.teacher;
  unloadTeacher();
  unloadModel();
  const files = await getModelFiles(modelId);
  const held = await holdCheckpoint(files, { onProgress: (p) => onProgress?.(p.bytesRead, p.totalBytes) });
  try {
    teacher = { modelId, teacher: new HeldTeacher(held) };
  } catch (e) {
    disposeHeld(held);
    throw e;
  }
  return teacher.teacher;
}

function unloadTeacher(): void {
  teacher?.teacher.dispose();
  teacher = null;
}

/** Frees the loaded checkpoint of this worker (e.g. once a student was cut from it). */
export function unloadModel(): void {
  if (loaded) disposeCheckpoint(loaded.ckpt);
  loaded = null;
}
