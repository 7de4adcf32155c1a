/**
 * Read a pre-training corpus as documents, each a list of non-empty lines
 * (sentences or paragraphs), streaming so that memory does not grow with the file.
 *
 * Formats:
 * - text (Google BERT's layout): one sentence or paragraph per line, a blank line
 *   between documents; lines are stripped as Python's str.strip() does.
 * - jsonl: one JSON object per line. `{"text": ...}` gives the text's lines; otherwise
 *   `{"title": ..., "content": ...}` gives two documents, the title's and the content's, as
 *   the seed read them (its --params; `json.params` names other fields). A value may also
 *   be an array of strings. Inside a value, "\n" separates lines. A field shorter than
 *   `json.minFieldChars` (raw, as the seed's `len(content) < 20`) is skipped. A bare JSON
 *   string is read as a text. Blank lines are skipped.
 *   A `.json` file holding one JSON array of such objects is read whole (up to 64 MiB).
 * Format by extension (.jsonl/.ndjson/.json → jsonl, .txt → text), else by content: the
 * first non-empty line starting with "{" means jsonl.
 *
 * Errors (bad bytes, a bad JSON line) are CorpusErrors naming the file, line and byte;
 * every complete document before the bad spot has been yielded first.
 */
import { codePointLength } from './codePointLength.ts';
import { CorpusError } from './corpusError.ts';
import { type DecodeLinesOptions, blobName, decodeLineBlocks } from './decodeLines.ts';
import type { DetectedEncoding, TextEncodingName } from './detectEncoding.ts';
import { pythonStrip } from './pythonStrip.ts';

export { CorpusError } from './corpusError.ts';

export type CorpusFormat = 'auto' | 'text' | 'jsonl';

export interface ReadDocumentsOptions {
  /** File name for errors and for choosing the format (default: the File's name). */
  name?: string;
  format?: CorpusFormat;
  onProgress?: (p: { bytesRead: number; totalBytes: number }) => void;
  /** Called when the encoding is known. */
  onEncoding?: (e: DetectedEncoding) => void;
  /** Bytes per read (default 1 MiB). */
  chunkSize?: number;
  /** Force an encoding instead of detecting it. */
  encoding?: TextEncodingName;
  /** Called once the format is known (from the option, the extension, or the first non-empty line). */
  onFormat?: (f: 'text' | 'jsonl') => void;
  /** JSON lines: which fields are documents and the shortest one kept (jsonToDocuments). */
  json?: JsonFieldOptions;
}

/** Largest `.json` array file read whole. */
export const MAX_JSON_ARRAY_BYTES = 64 << 20;

/** Format implied by the file name's extension, or 'auto' when it implies none. */
export function formatFromName(name: string): CorpusFormat {
  const m = /\.([a-z0-9]+)$/i.exec(name);
  const ext = m ? m[1].toLowerCase() : '';
  if (ext === 'jsonl' || ext === 'ndjson' || ext === 'json') return 'jsonl';
  if (ext === 'txt' || ext === 'text') return 'text';
  return 'auto';
}

function splitStripped(s: string, out: string[]): void {
  for (const part of s.split(/\r\n|\r|\n/)) {
    const t = pythonStrip(part);
    if (t) out.push(t);
  }
}

/** Which fields of a JSON-lines object are documents, and the shortest one kept. */
export interface JsonFieldOptions {
  /**
   * The fields read as documents, each a separate document (the seed's --params, default
   * title and content). Given explicitly, a field missing from an object is an error; by
   * default an object may have either, or a single "text" field instead.
   */
  params?: readonly string[];
  /**
   * A field whose raw value (before "<eop>" removal and stripping) has fewer characters
   * (code points, as Python's len) than this is skipped: the seed's `len(content) < 20`.
   */
  minFieldChars?: number;
}

/** The seed's default --params. */
export const DEFAULT_JSON_PARAMS: readonly string[] = ['title', 'content'];

/**
 * The documents of one JSON value: each named field (title and content by default) is a
 * separate document of its non-empty lines, as the seed read them. Throws a plain Error with
 * the reason when the value holds no document fields (the caller adds file, line and byte).
 */
export function jsonToDocuments(v: unknown, opts: JsonFieldOptions = {}): string[][] {
  const minChars = opts.minFieldChars ?? 0;
  const docs: string[][] = [];
  const addField = (key: string, val: unknown) => {
    let parts: readonly string[];
    if (typeof val === 'string') parts = [val];
    else if (Array.isArray(val) && val.every((x) => typeof x === 'string')) parts = val as string[];
    else if (val === undefined || val === null) return;
    else throw new Error(`field "${key}" is not a string`);
    const rawChars = parts.reduce((a, p) => a + codePointLength(p), 0);
    if (rawChars < minChars) return;
    const lines: string[] = [];
    for (const p of parts) splitStripped(p, lines);
    if (lines.length) docs.push(lines);
  };
  if (typeof v === 'string') {
    addField('text', v);
    return docs;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new Error(
      `expected a JSON object with "text" or "title"/"content", got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`,
    );
  }
  const o = v as Record<string, unknown>;
  const keys = () => Object.keys(o).slice(0, 6).join(', ') || 'nothing';
  if (opts.params) {
    for (const key of opts.params) {
      if (!(key in o)) throw new Error(`JSON object has no "${key}" field (--params; it has: ${keys()})`);
      addField(key, o[key]);
    }
  } else if ('text' in o) addField('text', o.text);
  else if ('title' in o || 'content' in o) for (const key of DEFAULT_JSON_PARAMS) addField(key, o[key]);
  else throw new Error(`JSON object has no "text", "title" or "content" field (it has: ${keys()})`);
  return docs;
}

/** Yields each document as its list of non-empty lines. */
export async function* readDocuments(file: Blob, opts: ReadDocumentsOptions = {}): AsyncGenerator<string[]> {
  const name = opts.name ?? blobName(file);
  let format: CorpusFormat = opts.format ?? 'auto';
  if (format === 'auto') format = formatFromName(name);
  const decodeOpts: DecodeLinesOptions = {
    name,
    chunkSize: opts.chunkSize,
    encoding: opts.encoding,
    onEncoding: opts.onEncoding,
  };

  let doc: string[] = [];
  let lineNo = 0;
  let arrayMode = false;
  let arrayText: string[] = [];
  let seenContent = false;
  if (format !== 'auto') opts.onFormat?.(format);
  for await (const block of decodeLineBlocks(file, decodeOpts)) {
    const { lines, offsets } = block;
    for (let i = 0; i < lines.length; i++) {
      lineNo++;
      const raw = lines[i];
      if (arrayMode) {
        arrayText.push(raw);
        continue;
      }
      const line = pythonStrip(raw);
      if (format === 'auto' && line) {
        format = line.charCodeAt(0) === 0x7b /* { */ ? 'jsonl' : 'text';
        opts.onFormat?.(format);
      }
      if (format === 'text') {
        if (line) doc.push(line);
        else if (doc.length) {
          yield doc;
          doc = [];
        }
        continue;
      }
      // jsonl
      if (!line) continue;
      const isFirst = !seenContent;
      seenContent = true;
      if (isFirst && line.charCodeAt(0) === 0x5b /* [ */) {
        if (file.size > MAX_JSON_ARRAY_BYTES) {
          throw new CorpusError(
            name,
            offsets[i],
            `is a JSON array of ${file.size} bytes; arrays above ${MAX_JSON_ARRAY_BYTES} bytes are not read whole: convert it to JSON lines (one object per line)`,
            lineNo,
          );
        }
        arrayMode = true;
        arrayText.push(raw);
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw new CorpusError(name, offsets[i], `bad JSON line: ${(e as Error).message}`, lineNo);
      }
      let d: string[][];
      try {
        d = jsonToDocuments(value, opts.json);
      } catch (e) {
        throw new CorpusError(name, offsets[i], (e as Error).message, lineNo);
      }
      yield* d;
    }
    opts.onProgress?.({ bytesRead: block.bytesRead, totalBytes: block.totalBytes });
  }
  if (doc.length) yield doc;
  if (arrayMode) {
    let arr: unknown;
    try {
      arr = JSON.parse(arrayText.join('\n'));
    } catch (e) {
      throw new CorpusError(name, 0, `bad JSON array: ${(e as Error).message}`);
    }
    arrayText = [];
    if (!Array.isArray(arr)) throw new CorpusError(name, 0, 'expected a JSON array of documents');
    for (let k = 0; k < arr.length; k++) {
      let d: string[][];
      try {
        d = jsonToDocuments(arr[k], opts.json);
      } catch (e) {
        throw new CorpusError(name, 0, `array element ${k}: ${(e as Error).message}`);
      }
      yield* d;
    }
  }
}

export interface CorpusStats {
  bytes: number;
  documents: number;
  /** Non-empty lines kept. */
  lines: number;
  /** Unicode characters (code points) in the kept lines. */
  characters: number;
  encoding: TextEncodingName | 'empty';
  format: 'text' | 'jsonl';
}

/** One streaming pass over the corpus, for the UI's file card and the CLI. */
export async function corpusStats(file: Blob, opts: ReadDocumentsOptions = {}): Promise<CorpusStats> {
  let encoding: CorpusStats['encoding'] = 'empty';
  let documents = 0;
  let lines = 0;
  let characters = 0;
  let format: CorpusStats['format'] = 'text';
  for await (const doc of readDocuments(file, {
    ...opts,
    onEncoding: (e) => {
      encoding = e.encoding;
      opts.onEncoding?.(e);
    },
    onFormat: (f) => {
      format = f;
      opts.onFormat?.(f);
    },
  })) {
    documents++;
    lines += doc.length;
    for (const l of doc) characters += codePointLength(l);
  }
  return { bytes: file.size, documents, lines, characters, encoding, format };
}
