/**
 * Turns errors from workers, storage and the engine into one sentence a
 * researcher can act on, keeping the file name and byte offset the engine
 * reported.
 */
export function describeError(err: unknown, fileName?: string): string {
  if (err instanceof Error) {
    const e = err as Error & { fileName?: string; byteOffset?: number };
    let msg = e.message || e.name;
    if (e.name === 'StorageQuotaError' || e.name === 'QuotaExceededError') {
      msg = `${msg} — the browser's storage is full: free space by removing old example sets or runs (nothing stored was lost)`;
    }
    const file = e.fileName ?? fileName;
    if (file && !msg.includes(file)) msg = `${file}: ${msg}`;
    if (e.byteOffset !== undefined && !msg.includes(String(e.byteOffset))) msg = `${msg} (at byte ${e.byteOffset})`;
    return msg;
  }
  return String(err);
}
