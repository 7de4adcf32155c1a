/**
 * Reading downstream-task files, their format told from their content:
 * - tab-separated text_a<TAB>text_b<TAB>label rows (LCQMC; an optional header line of column
 *   names; two columns for an unlabelled test file) → sentence pairs;
 * - JSON lines with "sentence1"/"sentence2" (AFQMC, OCNLI, CMNLI) → sentence pairs;
 * - JSON lines with "sentence" (TNEWS) → single sentences, with label_desc and keywords kept;
 * - JSON lines with only "label"/"label_desc" (CLUE's labels.json) → a label list;
 * - one JSON object {"data": [...]} over one or many lines (CMRC 2018) → span examples (squadFile.ts).
 * The first non-empty line decides. A row labelled "-" (no gold label: OCNLI, CMNLI) is skipped
 * and counted; a row without a label (test files) is kept with label undefined.
 *
 * Files are Blobs streamed through the corpus line decoder (UTF-8, UTF-16 with BOM, GB18030);
 * bad input is a TaskFileError naming the file and line.
 */
import { decodeLineBlocks, blobName } from '../corpus/decodeLines.ts';
import type { TextEncodingName } from '../corpus/detectEncoding.ts';
import { pythonStrip } from '../corpus/pythonStrip.ts';
import { MAX_JSON_DOCUMENT_BYTES, parseJsonLines } from './jsonDocument.ts';
import { type SpanTaskFile, squadExamples } from './squadFile.ts';
import { TaskFileError } from './taskFileError.ts';
import { type TaskName, type TaskSpec, taskSpec } from './taskRegistry.ts';

export interface PairExample {
  /** The row's "id"/"idx" where it has one, else its 0-based row number. */
  guid: string;
  textA: string;
  textB: string;
  label?: string;
  /** 1-based line in the file. */
  line: number;
}

export interface SingleExample {
  guid: string;
  text: string;
  label?: string;
  labelDesc?: string;
  keywords?: string;
  line: number;
}

export interface LabelEntry {
  label: string;
  labelDesc?: string;
}

interface ClassificationFileBase {
  fileName: string;
  /** The task's labels, else those given, else the distinct labels of the file (sorted). Index = label id. */
  labels: string[];
  /** Rows labelled "-" (no gold label), skipped. */
  noGoldLabel: number;
  /** Rows kept without a label (test files). */
  unlabeled: number;
}

export interface PairTaskFile extends ClassificationFileBase {
  kind: 'pair';
  format: 'tsv' | 'jsonl';
  /** Whether the first line was a header of column names (TSV). */
  header: boolean;
  examples: PairExample[];
}

export interface SingleTaskFile extends ClassificationFileBase {
  kind: 'single';
  format: 'jsonl';
  examples: SingleExample[];
  /** label → label_desc, from the rows (and the label list given). */
  labelDescs: Record<string, string>;
}

export interface LabelsTaskFile {
  kind: 'labels';
  fileName: string;
  labels: LabelEntry[];
}

export type TaskFile = PairTaskFile | SingleTaskFile | LabelsTaskFile | SpanTaskFile;

export interface ReadTaskFileOptions {
  /** File name for errors (default: the File's name). */
  name?: string;
  /** Check the file against this task: its kind and its labels. */
  task?: TaskName;
  /** Label list (e.g. from a labels.json) to check rows against and to number labels by. */
  labels?: readonly (string | LabelEntry)[];
  /** Force an encoding instead of detecting it. */
  encoding?: TextEncodingName;
  onProgress?: (p: { bytesRead: number; totalBytes: number }) => void;
}

/** 'jsonl': JSON lines whose kind the first row's keys will tell. */
type Mode = 'tsv' | 'jsonl' | 'pair' | 'single' | 'labels' | 'document' | 'squad-line';

/** Reads a task file, telling its format from its content. */
export async function readTaskFile(file: Blob, opts: ReadTaskFileOptions = {}): Promise<TaskFile> {
  const name = opts.name ?? blobName(file);
  const spec = opts.task ? taskSpec(opts.task) : undefined;
  const given = opts.labels?.map((l) => (typeof l === 'string' ? { label: l } : l));
  const known = spec?.labels ?? given?.map((l) => l.label);
  const where = (line: number, byteOffset: number) => ({ line, byteOffset });

  let mode: Mode | undefined;
  let header = false;
  let rowIndex = 0;
  const pairs: PairExample[] = [];
  const singles: SingleExample[] = [];
  const labelEntries: LabelEntry[] = [];
  const labelDescs: Record<string, string> = {};
  for (const l of given ?? []) if (l.labelDesc !== undefined) labelDescs[l.label] = l.labelDesc;
  const seenLabels = new Set<string>();
  let noGoldLabel = 0;
  let unlabeled = 0;
  let squad: SpanTaskFile | undefined;
  const docLines: string[] = [];
  const docLineBytes: number[] = [];
  let lineNo = 0;

  /** Records a row's label: undefined stays unlabelled, "-" is skipped (returns false), others are checked. */
  const takeLabel = (label: string | undefined, line: number, byteOffset: number): boolean => {
    if (label === undefined) {
      unlabeled++;
      return true;
    }
    if (label === '-') {
      noGoldLabel++;
      return false;
    }
    if (known && !known.includes(label)) {
      const whose = spec ? `task ${spec.name}` : 'the label list given';
      throw new TaskFileError(
        name,
        `label "${label}" is not one of ${whose}: ${known.join(', ')}`,
        where(line, byteOffset),
      );
    }
    seenLabels.add(label);
    return true;
  };

  for await (const block of decodeLineBlocks(file, { name, encoding: opts.encoding })) {
    for (let i = 0; i < block.lines.length; i++) {
      lineNo++;
      const raw = block.lines[i];
      const byteOffset = block.offsets[i];
      if (mode === 'document') {
        docLines.push(raw);
        docLineBytes.push(byteOffset);
        continue;
      }
      const line = pythonStrip(raw);
      if (!line) continue;
      if (mode === undefined) {
        mode = detectMode(line);
        if (mode === 'document') {
          if (file.size > MAX_JSON_DOCUMENT_BYTES) {
            throw new TaskFileError(
              name,
              `is a JSON document of ${file.size} bytes; documents above ${MAX_JSON_DOCUMENT_BYTES} bytes are not read`,
              where(lineNo, byteOffset),
            );
          }
          for (let k = 1; k < lineNo; k++) {
            docLines.push('');
            docLineBytes.push(byteOffset);
          }
          docLines.push(raw);
          docLineBytes.push(byteOffset);
          continue;
        }
        if (spec && mode === 'tsv') checkKind(name, 'pair', spec, lineNo);
        if (mode === 'tsv' && isHeaderRow(raw)) {
          header = true;
          continue;
        }
      }
      if (mode === 'squad-line') {
        throw new TaskFileError(name, 'has more after its SQuAD-style JSON object', where(lineNo, byteOffset));
      }
      if (mode === 'tsv') {
        const cols = raw.split('\t');
        if (cols.length !== 2 && cols.length !== 3) {
          throw new TaskFileError(
            name,
            `has ${cols.length} tab-separated column${cols.length === 1 ? '' : 's'}; expected text_a<TAB>text_b<TAB>label (LCQMC) or text_a<TAB>text_b`,
            where(lineNo, byteOffset),
          );
        }
        const label = cols.length === 3 ? pythonStrip(cols[2]) : undefined;
        if (label === '') throw new TaskFileError(name, 'has an empty label column', where(lineNo, byteOffset));
        if (takeLabel(label, lineNo, byteOffset)) {
          pairs.push({ guid: String(rowIndex), textA: cols[0], textB: cols[1], label, line: lineNo });
        }
        rowIndex++;
        continue;
      }
      // JSON lines
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (e) {
        throw new TaskFileError(name, `bad JSON line: ${(e as Error).message}`, where(lineNo, byteOffset));
      }
      if (!isObject(row)) {
        throw new TaskFileError(
          name,
          `expected a JSON object per line, got ${describeJson(row)}`,
          where(lineNo, byteOffset),
        );
      }
      const obj = row;
      if (mode === 'jsonl') {
        // the first row: a whole SQuAD-style object on one line, or a row whose keys tell the kind
        if (Array.isArray(obj.data)) {
          const at = lineNo;
          if (spec) checkKind(name, 'span', spec, lineNo);
          squad = squadExamples(obj, name, () => at);
          mode = 'squad-line';
          continue;
        }
        mode = rowKind(obj, name, lineNo, byteOffset);
        if (spec) checkKind(name, modeKind(mode), spec, lineNo);
      }
      const guid = obj.id ?? obj.idx;
      const guidText = typeof guid === 'string' || typeof guid === 'number' ? String(guid) : String(rowIndex);
      if (mode === 'pair') {
        const a = obj.sentence1;
        const b = obj.sentence2;
        if (typeof a !== 'string' || typeof b !== 'string') {
          throw new TaskFileError(
            name,
            'a sentence-pair row needs "sentence1" and "sentence2" strings',
            where(lineNo, byteOffset),
          );
        }
        const label = jsonLabel(obj.label, name, lineNo, byteOffset);
        if (takeLabel(label, lineNo, byteOffset))
          pairs.push({ guid: guidText, textA: a, textB: b, label, line: lineNo });
      } else if (mode === 'single') {
        const text = obj.sentence;
        if (typeof text !== 'string') {
          throw new TaskFileError(name, 'a single-sentence row needs a "sentence" string', where(lineNo, byteOffset));
        }
        const label = jsonLabel(obj.label, name, lineNo, byteOffset);
        const labelDesc = typeof obj.label_desc === 'string' ? obj.label_desc : undefined;
        const keywords = typeof obj.keywords === 'string' ? obj.keywords : undefined;
        if (takeLabel(label, lineNo, byteOffset)) {
          singles.push({ guid: guidText, text, label, labelDesc, keywords, line: lineNo });
          if (label !== undefined && labelDesc !== undefined && labelDescs[label] === undefined) {
            labelDescs[label] = labelDesc;
          }
        }
      } else {
        const label = jsonLabel(obj.label, name, lineNo, byteOffset);
        if (label === undefined)
          throw new TaskFileError(name, 'a label-list row needs a "label"', where(lineNo, byteOffset));
        if (labelEntries.some((e) => e.label === label)) {
          throw new TaskFileError(name, `label "${label}" is listed twice`, where(lineNo, byteOffset));
        }
        labelEntries.push({ label, labelDesc: typeof obj.label_desc === 'string' ? obj.label_desc : undefined });
      }
      rowIndex++;
    }
    opts.onProgress?.({ bytesRead: block.bytesRead, totalBytes: block.totalBytes });
  }

  if (mode === 'document') {
    if (spec) checkKind(name, 'span', spec, 1);
    squad = parseDocument(docLines, docLineBytes, name);
  }
  if (mode === undefined) throw new TaskFileError(name, 'is empty (no non-blank line)');

  let result: TaskFile;
  if (squad) result = squad;
  else if (mode === 'labels') result = { kind: 'labels', fileName: name, labels: labelEntries };
  else {
    const labels = known ? [...known] : sortLabels([...seenLabels]);
    result =
      mode === 'single'
        ? {
            kind: 'single',
            format: 'jsonl',
            fileName: name,
            examples: singles,
            labels,
            labelDescs,
            noGoldLabel,
            unlabeled,
          }
        : {
            kind: 'pair',
            format: mode === 'tsv' ? 'tsv' : 'jsonl',
            header,
            fileName: name,
            examples: pairs,
            labels,
            noGoldLabel,
            unlabeled,
          };
  }
  return result;
}

/** Reads a label list: CLUE's labels.json (JSON lines {label, label_desc}). */
export async function readLabelsFile(file: Blob, opts: { name?: string } = {}): Promise<LabelEntry[]> {
  const name = opts.name ?? blobName(file);
  const r = await readTaskFile(file, { name });
  if (r.kind !== 'labels') {
    throw new TaskFileError(
      name,
      `is a ${describeKind(r.kind)} file, not a label list of {"label", "label_desc"} lines`,
    );
  }
  return r.labels;
}

function detectMode(firstLine: string): Mode {
  const c = firstLine.charCodeAt(0);
  if (c === 0x7b /* { */) {
    try {
      JSON.parse(firstLine);
      return 'jsonl';
    } catch {
      return 'document'; // a JSON object spread over several lines
    }
  }
  if (c === 0x5b /* [ */) return 'document';
  return 'tsv';
}

/** Kind of a JSON-lines file from its first row's keys. */
function rowKind(obj: Record<string, unknown>, name: string, line: number, byteOffset: number): Mode {
  if ('sentence1' in obj || 'sentence2' in obj) return 'pair';
  if ('sentence' in obj) return 'single';
  if ('label' in obj && Object.keys(obj).every((k) => k === 'label' || k === 'label_desc')) return 'labels';
  const keys = Object.keys(obj).slice(0, 8).join(', ') || 'none';
  throw new TaskFileError(
    name,
    `is not a task file this reader knows: a JSON line needs "sentence1"/"sentence2" (sentence pair), "sentence" (single sentence), only "label"/"label_desc" (label list), or a SQuAD-style "data" (it has: ${keys})`,
    { line, byteOffset },
  );
}

/** A header row: every column a name made of ASCII letters, digits and underscores (text_a, sentence1, label). */
function isHeaderRow(raw: string): boolean {
  const cols = raw.split('\t');
  return (cols.length === 2 || cols.length === 3) && cols.every((c) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(pythonStrip(c)));
}

function jsonLabel(v: unknown, name: string, line: number, byteOffset: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  throw new TaskFileError(name, `label ${JSON.stringify(v)} is neither a string nor an integer`, { line, byteOffset });
}

/** Labels in a stable order: numerically when all are integers, else by code point. */
function sortLabels(labels: string[]): string[] {
  if (labels.every((l) => /^-?\d+$/.test(l))) return labels.sort((a, b) => Number(a) - Number(b));
  return labels.sort();
}

/** A whole JSON document (a SQuAD-style file), errors placed on their line. */
function parseDocument(lines: string[], lineBytes: number[], name: string): SpanTaskFile {
  const { value, locate } = parseJsonLines(lines, lineBytes, name);
  if (Array.isArray(value)) {
    throw new TaskFileError(
      name,
      'is a JSON array; expected JSON lines (CLUE) or a SQuAD-style {"data": [...]} object',
      {
        line: 1,
      },
    );
  }
  return squadExamples(value, name, locate);
}

function modeKind(mode: Mode): TaskFile['kind'] {
  return mode === 'single' ? 'single' : mode === 'labels' ? 'labels' : 'pair';
}

/** The file's kind, known from its first row, must be the task's. */
function checkKind(name: string, kind: TaskFile['kind'], spec: TaskSpec, line: number): void {
  if (kind !== spec.kind) {
    throw new TaskFileError(
      name,
      `is a ${describeKind(kind)} file, but task ${spec.name} is ${describeKind(spec.kind)} (${spec.title})`,
      { line },
    );
  }
}

function describeKind(kind: TaskFile['kind'] | TaskSpec['kind']): string {
  switch (kind) {
    case 'pair':
      return 'sentence-pair classification';
    case 'single':
      return 'single-sentence classification';
    case 'span':
      return 'span-extraction (SQuAD-style)';
    default:
      return 'label-list';
  }
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
