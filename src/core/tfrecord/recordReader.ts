/**
 * Streaming TFRecord reader over a Blob (a browser File, or a lazy Node file blob):
 * reads slices of about 1 MiB, checks each frame's masked CRCs, and yields the
 * record payloads. A truncated file or a CRC mismatch stops with a TFRecordError
 * naming the file, the record's index and its byte offset; every record before it
 * has already been yielded.
 */
import { crc32c, maskCrc } from './crc32c.ts';

export class TFRecordError extends Error {
  readonly fileName: string;
  readonly byteOffset: number;
  readonly recordIndex: number;
  constructor(fileName: string, byteOffset: number, recordIndex: number, what: string) {
    super(`${fileName}: ${what} (record ${recordIndex} at byte ${byteOffset})`);
    this.name = 'TFRecordError';
    this.fileName = fileName;
    this.byteOffset = byteOffset;
    this.recordIndex = recordIndex;
  }
}

export interface ReadRecordsOptions {
  /** Name used in error messages (default: the File's name, else "records.tfrecord"). */
  name?: string;
  /** Check each payload's CRC (default true). The 8-byte length CRC is always checked. */
  verifyCrc?: boolean;
  /** Bytes per read (default 1 MiB). */
  chunkSize?: number;
  /** Called after each slice read with the bytes consumed so far. */
  onProgress?: (p: { bytesRead: number; totalBytes: number }) => void;
}

function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** A record's payload with its place in the file. */
export interface RecordEntry {
  data: Uint8Array<ArrayBuffer>;
  /** 0-based record number. */
  index: number;
  /** File offset of the record's frame (its length field). */
  byteOffset: number;
}

/**
 * Yields each record's payload in file order. A payload is a view into a freshly
 * read slice: it stays valid, but holding it keeps that slice alive; copy it to keep it long.
 */
export async function* readRecords(file: Blob, opts: ReadRecordsOptions = {}): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  for await (const batch of readRecordBatches(file, opts)) for (const e of batch) yield e.data;
}

/** Like readRecords, with each record's index and byte offset (for error messages downstream). */
export async function* readRecordEntries(file: Blob, opts: ReadRecordsOptions = {}): AsyncGenerator<RecordEntry> {
  for await (const batch of readRecordBatches(file, opts)) yield* batch;
}

/**
 * The fast form: all the records of each slice read at once. On a bad record the
 * records before it come as a last batch, then the error is thrown.
 */
export async function* readRecordBatches(file: Blob, opts: ReadRecordsOptions = {}): AsyncGenerator<RecordEntry[]> {
  const name = opts.name ?? (file as Partial<File>).name ?? 'records.tfrecord';
  const verify = opts.verifyCrc ?? true;
  const chunkSize = Math.max(1024, opts.chunkSize ?? 1 << 20);
  const total = file.size;
  let win = new Uint8Array(0); // bytes [winStart, winStart + win.length) of the file
  let winStart = 0;
  let pos = 0; // file offset of the next record
  let index = 0;

  while (pos < total) {
    // Read a window starting at the next record: at least one whole record (its length
    // field tells how long once the header is in).
    let need = 12;
    for (;;) {
      const end = Math.min(total, pos + Math.max(need, chunkSize));
      win = new Uint8Array(await file.slice(pos, end).arrayBuffer());
      winStart = pos;
      opts.onProgress?.({ bytesRead: end, totalBytes: total });
      if (win.length < 12 || need > 12) break;
      const len = u32(win, 4) * 0x100000000 + u32(win, 0);
      if (len + 16 <= win.length || maskCrc(crc32c(win, 0, 8)) !== u32(win, 8) || len + 16 > total - pos) break;
      need = len + 16; // one record larger than the window: read it whole
    }
    const batch: RecordEntry[] = [];
    let error: TFRecordError | null = null;
    const winEnd = winStart + win.length;
    while (pos < total) {
      const p = pos - winStart;
      if (pos + 12 > winEnd) {
        if (winEnd < total) break; // the next header is in the next window
        error = new TFRecordError(name, pos, index, `truncated record header: ${total - pos} bytes left of 12`);
        break;
      }
      if (maskCrc(crc32c(win, p, p + 8)) !== u32(win, p + 8)) {
        error = new TFRecordError(name, pos, index, 'length CRC mismatch: not a TFRecord file, or corrupt');
        break;
      }
      const len = u32(win, p + 4) * 0x100000000 + u32(win, p);
      if (len + 16 > total - pos) {
        error = new TFRecordError(
          name,
          pos,
          index,
          `truncated record: ${len} data bytes announced, ${Math.max(0, total - pos - 12)} present before the end of the file`,
        );
        break;
      }
      if (pos + len + 16 > winEnd) break; // continues in the next window
      const data = win.subarray(p + 12, p + 12 + len);
      if (verify && maskCrc(crc32c(data)) !== u32(win, p + 12 + len)) {
        error = new TFRecordError(name, pos, index, 'data CRC mismatch: the record is corrupt');
        break;
      }
      batch.push({ data, index, byteOffset: pos });
      pos += len + 16;
      index++;
    }
    if (batch.length) yield batch;
    if (error) throw error;
  }
}
