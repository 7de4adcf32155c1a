/**
 * TFRecord framing and a chunking writer. Each record on disk is:
 *   uint64 LE length | uint32 LE masked CRC32C of those 8 length bytes |
 *   data | uint32 LE masked CRC32C of data.
 * The writer packs framed records into chunks (default 1 MiB) and hands each
 * full chunk to a sink (the CLI appends it to a file, the browser stores it in IndexedDB).
 */
import { crc32c, maskCrc } from './crc32c.ts';

/** Bytes a record of `payloadLength` bytes takes on disk. */
export function framedLength(payloadLength: number): number {
  return payloadLength + 16;
}

/** Write the framed record into `out` at `pos`; returns the position after it. */
export function writeFramedRecord(out: Uint8Array, pos: number, payload: Uint8Array): number {
  const n = payload.length;
  const lo = n >>> 0;
  const hi = Math.floor(n / 0x100000000) >>> 0;
  out[pos] = lo & 0xff;
  out[pos + 1] = (lo >>> 8) & 0xff;
  out[pos + 2] = (lo >>> 16) & 0xff;
  out[pos + 3] = lo >>> 24;
  out[pos + 4] = hi & 0xff;
  out[pos + 5] = (hi >>> 8) & 0xff;
  out[pos + 6] = (hi >>> 16) & 0xff;
  out[pos + 7] = hi >>> 24;
  writeU32(out, pos + 8, maskCrc(crc32c(out, pos, pos + 8)));
  out.set(payload, pos + 12);
  writeU32(out, pos + 12 + n, maskCrc(crc32c(payload)));
  return pos + 16 + n;
}

function writeU32(out: Uint8Array, pos: number, v: number): void {
  out[pos] = v & 0xff;
  out[pos + 1] = (v >>> 8) & 0xff;
  out[pos + 2] = (v >>> 16) & 0xff;
  out[pos + 3] = v >>> 24;
}

/** One record framed on its own. */
export function frameRecord(payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(framedLength(payload.length));
  writeFramedRecord(out, 0, payload);
  return out;
}

/** Receives each finished chunk; the writer never touches a chunk again once handed over. */
export type ChunkSink = (chunk: Uint8Array<ArrayBuffer>) => Promise<void> | void;

export interface TFRecordWriterOptions {
  /** Target chunk size in bytes (default 1 MiB). A record larger than this goes out as a chunk of its own. */
  chunkSize?: number;
}

/**
 * Accumulates framed records into chunks for a sink. Usage:
 *   const w = new TFRecordWriter(sink); for (...) await w.write(payload); await w.close();
 * `write` only returns a promise when a chunk was handed to the sink, so awaiting it is cheap.
 */
export class TFRecordWriter {
  private readonly sink: ChunkSink;
  private readonly chunkSize: number;
  private buf: Uint8Array<ArrayBuffer>;
  private pos = 0;
  private closed = false;
  /** Records written so far. */
  records = 0;
  /** Bytes handed to the sink or waiting in the current chunk. */
  bytes = 0;

  constructor(sink: ChunkSink, opts: TFRecordWriterOptions = {}) {
    this.sink = sink;
    this.chunkSize = Math.max(64, opts.chunkSize ?? 1 << 20);
    this.buf = new Uint8Array(this.chunkSize);
  }

  /** Frame and append one record. */
  write(payload: Uint8Array): Promise<void> | void {
    if (this.closed) throw new Error('TFRecordWriter: write after close');
    const need = framedLength(payload.length);
    this.records++;
    this.bytes += need;
    if (this.pos + need <= this.buf.length) {
      this.pos = writeFramedRecord(this.buf, this.pos, payload);
      return;
    }
    return this.writeSlow(payload, need);
  }

  private async writeSlow(payload: Uint8Array, need: number): Promise<void> {
    await this.flush();
    if (need > this.buf.length) {
      await this.sink(frameRecord(payload));
      return;
    }
    this.pos = writeFramedRecord(this.buf, this.pos, payload);
  }

  /** Hand whatever is buffered to the sink now (it continues in a fresh chunk). */
  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = new Uint8Array(this.chunkSize);
    this.pos = 0;
    await this.sink(chunk);
  }

  /** Flush the last chunk; the writer accepts nothing afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
  }
}
