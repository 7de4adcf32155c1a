/** Node-side file helpers for the CLI: core reads Blobs, so files are opened as lazy Blobs. */
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

/** A File-like Blob backed by a file on disk; nothing is read until sliced or streamed. */
export async function openFile(filePath: string): Promise<File> {
  const st = await stat(filePath).catch(() => {
    throw new Error(`cannot open "${filePath}": no such file`);
  });
  if (!st.isFile()) throw new Error(`"${filePath}" is not a file`);
  const blob = await openAsBlob(filePath);
  return new File([blob], path.basename(filePath));
}
