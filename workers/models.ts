/**
 * Models as the workers use them: the loaded weights of a stored checkpoint (kept once per worker, keyed by
 * model id, so repeated jobs do not reload a large teacher).
 */
import { loadCheckpoint, type LoadedCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { disposeCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { getModelFiles } from '../src/contract/storageLayout.ts';

let loaded: { modelId: string; ckpt: LoadedCheckpoint } | null = null;

/** Loads a stored checkpoint (one kept at a time per worker). */
export async function loadModel(
  modelId: string,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<LoadedCheckpoint> {
  if (loaded?.modelId === modelId) return loaded.ckpt;
  if (loaded) {
    disposeCheckpoint(loaded.ckpt);
    loaded = null;
  }
  const files = await getModelFiles(modelId);
  const ckpt = await loadCheckpoint(files, { onProgress: (p) => onProgress?.(p.bytesRead, p.totalBytes) });
  loaded = { modelId, ckpt };
  return ckpt;
}

/** Frees the loaded checkpoint of this worker (e.g. once a student was cut from it). */
export function unloadModel(): void {
  if (loaded) disposeCheckpoint(loaded.ckpt);
  loaded = null;
}
