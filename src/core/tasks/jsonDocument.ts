/**
 * One JSON document spread over many lines (a SQuAD-style dataset, a prediction file), parsed
 * whole: a syntax error names the file, line and column, and `locate` finds the line of a piece
 * of text for errors found later in the parsed value.
 */
import { blobName, decodeLineBlocks } from '../corpus/decodeLines.ts';
import { TaskFileError } from './taskFileError.ts';

/** Largest file read as one JSON document. */
export const MAX_JSON_DOCUMENT_BYTES = 256 << 20;

export interface JsonDocument {
  value: unknown;
  /** The 1-based line where `needle` first occurs in the file, if it does. */
  locate: (needle: string) => number | undefined;
}

/** Parses lines already read (`lineBytes[k]`: the byte offset where line k + 1 starts). */
export function parseJsonLines(lines: readonly string[], lineBytes: readonly number[], name: string): JsonDocument {
  const text = lines.join('\n');
  const lineStarts: number[] = [];
  let at = 0;
  for (const l of lines) {
    lineStarts.push(at);
    at += l.length + 1;
  }
  const lineIndexOf = (pos: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message.replace(/\s+/g, ' '); // V8 may quote the text, newlines and all
    const m = /position (\d+)/.exec(msg);
    const pos = m ? Number(m[1]) : jsonErrorOffset(text);
    if (pos < 0) throw new TaskFileError(name, `bad JSON: ${msg}`);
    const k = lineIndexOf(pos);
    throw new TaskFileError(name, `bad JSON: ${msg}`, {
      line: k + 1,
      column: pos - lineStarts[k] + 1,
      byteOffset: lineBytes[k],
    });
  }
  return {
    value,
    locate: (needle) => {
      const pos = text.indexOf(needle);
      return pos >= 0 ? lineIndexOf(pos) + 1 : undefined;
    },
  };
}

/** Reads and parses a JSON file (UTF-8 with or without BOM, or UTF-16 with BOM). */
export async function readJsonDocument(file: Blob, opts: { name?: string } = {}): Promise<JsonDocument> {
  const name = opts.name ?? blobName(file);
  if (file.size > MAX_JSON_DOCUMENT_BYTES) {
    throw new TaskFileError(
      name,
      `is a JSON document of ${file.size} bytes; documents above ${MAX_JSON_DOCUMENT_BYTES} bytes are not read`,
    );
  }
  const lines: string[] = [];
  const lineBytes: number[] = [];
  for await (const block of decodeLineBlocks(file, { name })) {
    for (let i = 0; i < block.lines.length; i++) {
      lines.push(block.lines[i]);
      lineBytes.push(block.offsets[i]);
    }
  }
  if (lines.every((l) => l.trim() === '')) throw new TaskFileError(name, 'is empty: expected a JSON document');
  return parseJsonLines(lines, lineBytes, name);
}

/**
 * Offset of the first character where `text` stops being valid JSON (-1 when it is valid): for
 * JSON.parse messages that give no position ("Unexpected token '}', ... is not valid JSON").
 */
export function jsonErrorOffset(text: string): number {
  const n = text.length;
  let i = 0;
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const space = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const string = (): boolean => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return false;
      } else i++;
    }
    return false;
  };
  const value = (depth: number): boolean => {
    space();
    if (i >= n || depth > 10_000) return false;
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) {
        i++;
        return true;
      }
      for (;;) {
        if (c === '{') {
          space();
          if (text[i] !== '"' || !string()) return false;
          space();
          if (text[i] !== ':') return false;
          i++;
        }
        if (!value(depth + 1)) return false;
        space();
        if (text[i] === ',') i++;
        else if (text[i] === close) {
          i++;
          return true;
        } else return false;
      }
    }
    if (c === '"') return string();
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return true;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return true;
      }
    }
    return false;
  };
  if (!value(0)) return Math.min(i, n);
  space();
  return i < n ? i : -1;
}
