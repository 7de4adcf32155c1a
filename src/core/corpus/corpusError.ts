/**
 * The error every corpus reader throws for bad input: it names the file and the
 * byte offset (and, where known, the 1-based line) so the user can find the spot.
 */
export class CorpusError extends Error {
  readonly fileName: string;
  readonly byteOffset: number;
  readonly line?: number;
  constructor(fileName: string, byteOffset: number, what: string, line?: number) {
    super(
      `${fileName}: ${what}${line !== undefined ? ` (line ${line}, byte ${byteOffset})` : ` at byte ${byteOffset}`}`,
    );
    this.name = 'CorpusError';
    this.fileName = fileName;
    this.byteOffset = byteOffset;
    this.line = line;
  }
}
