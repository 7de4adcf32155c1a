/**
 * TFRecord files written one after another, a new one every `recordsPerFile` records, as the
 * original create_teacher_output_data.py split its output (teacher_0.tfrecord, teacher_1.tfrecord,
 * ... every 50,000 records). Each file is written as `<name>.partial` and renamed when it is
 * full or when the series is closed, so only complete files carry their final name.
 */
import { open, rename, type FileHandle } from 'node:fs/promises';
import { TFRecordWriter } from '../core/tfrecord/recordWriter.ts';

export class RecordFileSeries {
  private handle: FileHandle | null = null;
  private writer: TFRecordWriter | null = null;
  private inFile = 0;
  private current = '';
  /** The files completed so far, in order. */
  readonly done: string[] = [];
  /** Bytes written to every file so far. */
  bytes = 0;

  /**
   * @param nameOf the final path of file number n (0, 1, ...)
   * @param recordsPerFile records per file (Infinity: one file)
   */
  constructor(
    private readonly nameOf: (n: number) => string,
    private readonly recordsPerFile: number,
  ) {}

  /** The file being written now (its .partial name), or '' before the first record. */
  get partial(): string {
    return this.current ? `${this.current}.partial` : '';
  }

  private async openNext(): Promise<void> {
    this.current = this.nameOf(this.done.length);
    const h = await open(`${this.current}.partial`, 'w').catch((err: Error) => {
      throw new Error(`cannot write "${this.current}": ${err.message}`);
    });
    this.handle = h;
    this.writer = new TFRecordWriter(async (chunk) => {
      await h.write(chunk);
    });
    this.inFile = 0;
  }

  private async finishFile(): Promise<void> {
    if (!this.writer || !this.handle) return;
    await this.writer.close();
    this.bytes += this.writer.bytes;
    await this.handle.close();
    await rename(`${this.current}.partial`, this.current);
    this.done.push(this.current);
    this.writer = null;
    this.handle = null;
  }

  async write(record: Uint8Array): Promise<void> {
    if (!this.writer) await this.openNext();
    await this.writer?.write(record);
    if (++this.inFile >= this.recordsPerFile) await this.finishFile();
  }

  /** Completes the file being written (if any); `openEmpty` makes file 0 when nothing was written. */
  async close(openEmpty = false): Promise<void> {
    if (!this.writer && openEmpty && this.done.length === 0) await this.openNext();
    await this.finishFile();
  }

  /** After an error: flushes what was written into the .partial file and leaves it under that name. */
  async abandon(): Promise<void> {
    if (!this.writer || !this.handle) return;
    await this.writer.close().catch(() => {});
    await this.handle.close();
    this.writer = null;
    this.handle = null;
  }
}
