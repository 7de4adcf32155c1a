/**
 * The error every task-file reader throws for bad input: it names the file and, where known,
 * the 1-based line (and column, or the byte offset where the line starts), so the user can
 * find the spot. Undecodable bytes surface as the corpus reader's CorpusError instead, which
 * names the byte.
 */
export interface TaskFilePlace {
  line?: number;
  column?: number;
  byteOffset?: number;
}

export class TaskFileError extends Error {
  readonly fileName: string;
  readonly line?: number;
  readonly column?: number;
  readonly byteOffset?: number;

  constructor(fileName: string, what: string, place: TaskFilePlace = {}) {
    super(`${fileName}: ${what}${describePlace(place)}`);
    this.name = 'TaskFileError';
    this.fileName = fileName;
    this.line = place.line;
    this.column = place.column;
    this.byteOffset = place.byteOffset;
  }
}

function describePlace(p: TaskFilePlace): string {
  const parts: string[] = [];
  if (p.line !== undefined) parts.push(`line ${p.line}`);
  if (p.column !== undefined) parts.push(`column ${p.column}`);
  if (p.byteOffset !== undefined) parts.push(`byte ${p.byteOffset}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}
