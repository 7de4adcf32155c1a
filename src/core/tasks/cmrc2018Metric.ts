/**
 * The official CMRC 2018 metric, as cmrc2018_evaluate.py (v6, ymcui/cmrc2018) computes it.
 *
 * - Mixed segmentation: lower-case, strip; each CJK character U+4E00–U+9FA5 and each of the
 *   script's punctuation marks is a token of its own; the runs between them go through NLTK's
 *   word tokenizer (nltkWordTokenize.ts). With punctuation removal (how F1 uses it) the marks
 *   are simply skipped, so they neither make tokens nor end a run ("a-b" is one token "ab").
 * - F1: over the LONGEST COMMON SUBSTRING of the two token lists (contiguous, not a bag of
 *   words): precision = lcs / prediction tokens, recall = lcs / answer tokens.
 * - EM: lower-cased, stripped texts equal once the marks are removed.
 * - Both take the best over the reference answers, are summed over every question of the
 *   dataset file (a question without a prediction counts 0 and as SKIP) and scaled to 100.
 *
 * Faithful to the script's quirks: the list holds "……" (two characters), which no single
 * character equals, so "…" is not punctuation; only the script's own marks are removed (not
 * ASCII punctuation such as "." or ","); a prediction that is not a string is read as Python's
 * str() would write it. nltk.word_tokenize's Punkt sentence split is not reproduced (see
 * nltkWordTokenize.ts); it could only matter for a ". " inside one non-Chinese run.
 */
import { pythonStrip } from '../corpus/pythonStrip.ts';
import { nltkWordTokenize } from './nltkWordTokenize.ts';
import { TaskFileError } from './taskFileError.ts';

/** The punctuation list of cmrc2018_evaluate.py, in its order. */
export const CMRC_PUNCTUATION: readonly string[] = [
  '-',
  ':',
  '_',
  '*',
  '^',
  '/',
  '\\',
  '~',
  '`',
  '+',
  '=',
  '，',
  '。',
  '：',
  '？',
  '！',
  '“',
  '”',
  '；',
  '’',
  '《',
  '》',
  '……',
  '·',
  '、',
  '「',
  '」',
  '（',
  '）',
  '－',
  '～',
  '『',
  '』',
];

const PUNCT = new Set(CMRC_PUNCTUATION);

function isCjk(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return c >= 0x4e00 && c <= 0x9fa5;
}

/** The script's mixed_segmentation(in_str, rm_punc). */
export function mixedSegmentation(text: string, removePunct = false): string[] {
  const s = pythonStrip(text.toLowerCase());
  const out: string[] = [];
  let run = '';
  for (const ch of s) {
    const punct = PUNCT.has(ch);
    if (removePunct && punct) continue;
    if (punct || isCjk(ch)) {
      if (run !== '') out.push(...nltkWordTokenize(run));
      run = '';
      out.push(ch);
    } else {
      run += ch;
    }
  }
  if (run !== '') out.push(...nltkWordTokenize(run));
  return out;
}

/** The script's remove_punctuation: lower-cased, stripped, the marks removed. */
export function removePunctuation(text: string): string {
  let out = '';
  for (const ch of pythonStrip(text.toLowerCase())) if (!PUNCT.has(ch)) out += ch;
  return out;
}

/** Longest common contiguous run of two token lists (the first one found, scanning `a`), and its length. */
export function findLcs(a: readonly string[], b: readonly string[]): { lcs: string[]; length: number } {
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  let max = 0;
  let endInA = 0;
  for (let i = 0; i < a.length; i++) {
    cur.fill(0);
    for (let j = 0; j < b.length; j++) {
      if (a[i] === b[j]) {
        cur[j + 1] = prev[j] + 1;
        if (cur[j + 1] > max) {
          max = cur[j + 1];
          endInA = i + 1;
        }
      }
    }
    [prev, cur] = [cur, prev];
  }
  return { lcs: a.slice(endInA - max, endInA), length: max };
}

/** The script's calc_f1_score: best F1 (0–1) of the prediction over the answers. */
export function cmrcF1(answers: readonly string[], prediction: string): number {
  if (answers.length === 0) throw new Error('a question has no reference answer (the official script fails on it too)');
  const predSegs = mixedSegmentation(prediction, true);
  let best = 0;
  for (const ans of answers) {
    const ansSegs = mixedSegmentation(ans, true);
    const { length } = findLcs(ansSegs, predSegs);
    if (length === 0) continue;
    const precision = length / predSegs.length;
    const recall = length / ansSegs.length;
    const f1 = (2 * precision * recall) / (precision + recall);
    if (f1 > best) best = f1;
  }
  return best;
}

/** The script's calc_em_score: 1 when the prediction equals an answer after remove_punctuation. */
export function cmrcEm(answers: readonly string[], prediction: string): 0 | 1 {
  const p = removePunctuation(prediction);
  return answers.some((a) => removePunctuation(a) === p) ? 1 : 0;
}

/** The official output: scores ×100. */
export interface Cmrc2018Result {
  AVERAGE: number;
  F1: number;
  EM: number;
  /** Questions in the dataset file. */
  TOTAL: number;
  /** Questions without a prediction (scored 0). */
  SKIP: number;
  /** The prediction file's name, as given. */
  FILE: string;
}

/**
 * Python's str() of a JSON value: strings as they are, null → None, booleans → True/False,
 * numbers as JavaScript writes them (the same for integers and ordinary decimals; JSON.parse
 * has already lost the difference between 1 and 1.0), anything else as JSON.
 */
function pythonStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface EvaluateCmrc2018Options {
  /** The prediction file's name: the FILE of the result, and named in errors about it. */
  file?: string;
  /** The dataset file's name, for errors. */
  datasetName?: string;
  /** Finds the line of a piece of the dataset file's text (jsonDocument.ts), for errors. */
  locateInDataset?: (needle: string) => number | undefined;
  /** Hears each question without a prediction (the script writes "Unanswered question: <id>" to stderr). */
  onUnanswered?: (id: string) => void;
}

/**
 * The script's evaluate() over a parsed dataset file (SQuAD-style {data: [{paragraphs: [...]}]},
 * or CMRC's original list of {context_text, qas: [{query_id, answers: ["…"]}]}) and a parsed
 * prediction file {id: answer}.
 */
export function evaluateCmrc2018(
  dataset: unknown,
  predictions: unknown,
  opts: EvaluateCmrc2018Options = {},
): Cmrc2018Result {
  const file = opts.file ?? '';
  const datasetName = opts.datasetName ?? 'dataset';
  const fail = (what: string, id?: unknown): never => {
    const line = id !== undefined ? opts.locateInDataset?.(JSON.stringify(id)) : undefined;
    throw new TaskFileError(datasetName, what, { line });
  };
  if (!isObject(predictions)) {
    throw new TaskFileError(file || 'predictions', 'must hold a JSON object {question id: answer}');
  }
  const dataList = isObject(dataset) && 'data' in dataset ? dataset.data : dataset;
  if (!Array.isArray(dataList)) fail('holds no list of articles ("data")');
  let f1 = 0;
  let em = 0;
  let total = 0;
  let skip = 0;
  for (let a = 0; a < (dataList as unknown[]).length; a++) {
    const instance = (dataList as unknown[])[a];
    if (!isObject(instance)) fail(`article ${a} is not an object`);
    const inst = instance as Record<string, unknown>;
    const paras = 'paragraphs' in inst ? inst.paragraphs : [inst];
    if (!Array.isArray(paras)) fail(`article ${a}: "paragraphs" is not a list`);
    for (const para of paras as unknown[]) {
      if (!isObject(para) || !Array.isArray(para.qas)) fail(`article ${a}: a paragraph has no "qas" list`);
      for (const qa of (para as { qas: unknown[] }).qas) {
        total++;
        if (!isObject(qa)) fail(`article ${a}: a question is not an object`);
        const q = qa as Record<string, unknown>;
        const id = 'id' in q ? q.id : q.query_id;
        if (id === undefined) fail(`article ${a}: a question has neither "id" nor "query_id"`);
        if (!Array.isArray(q.answers)) fail(`question ${String(id)}: "answers" is not a list`, id);
        const answers = (q.answers as unknown[]).map((x) => (isObject(x) ? pythonStr(x.text) : pythonStr(x)));
        // a non-string id never matches the prediction file's string keys, as in Python
        if (typeof id !== 'string' || !Object.hasOwn(predictions, id)) {
          skip++;
          opts.onUnanswered?.(String(id));
          continue;
        }
        const prediction = pythonStr(predictions[id]);
        if (answers.length === 0)
          fail(`question ${id} has no reference answer (the official script fails on it too)`, id);
        f1 += cmrcF1(answers, prediction);
        em += cmrcEm(answers, prediction);
      }
    }
  }
  if (total === 0) fail('has no questions');
  const F1 = (100.0 * f1) / total;
  const EM = (100.0 * em) / total;
  return { AVERAGE: (EM + F1) * 0.5, F1, EM, TOTAL: total, SKIP: skip, FILE: file };
}

/** Python's '%.3f' % x for x ≥ 0: three decimals, an exact tie rounded to even. */
export function formatFixed3(x: number): string {
  const s = x.toFixed(3);
  // toFixed rounds an exact tie up; Python rounds it to even. A tie k + 0.0005 exactly is a
  // multiple of 1/16 (the only binary fractions with three-and-a-half decimals).
  if (Number.isInteger(x * 16) && !Number.isInteger(x * 1000)) {
    const low = Math.floor(x * 1000);
    const n = low % 2 === 0 ? low : low + 1;
    return `${Math.floor(n / 1000)}.${String(n % 1000).padStart(3, '0')}`;
  }
  return s;
}

/** A JSON string as Python's json.dumps writes it (ensure_ascii: every non-ASCII character as \uXXXX). */
function pythonJsonString(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The line the official script prints: {"AVERAGE": "…", "F1": "…", "EM": "…", "TOTAL": n, "SKIP": n, "FILE": "…"}. */
export function formatCmrc2018Result(r: Cmrc2018Result): string {
  return (
    `{"AVERAGE": "${formatFixed3(r.AVERAGE)}", "F1": "${formatFixed3(r.F1)}", "EM": "${formatFixed3(r.EM)}", ` +
    `"TOTAL": ${r.TOTAL}, "SKIP": ${r.SKIP}, "FILE": ${pythonJsonString(r.FILE)}}`
  );
}
