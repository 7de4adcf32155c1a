/**
 * Span-extraction examples from a SQuAD-style document (CMRC 2018, DRCD):
 *   {data: [{title?, paragraphs: [{context, qas: [{id, question, answers: [{text, answer_start}]}]}]}]}
 *
 * Every question is kept, in file order, with all its reference answers. answer_start is read
 * as a UTF-16 offset (JavaScript's string index), which is what CMRC 2018's files use; where it
 * points at the text only when read as a code-point offset (Python's index, which differs after
 * an astral character) that is taken and counted. Otherwise the text is looked up in the context:
 * the occurrence nearest to answer_start is taken and counted as corrected; an answer whose text
 * is nowhere in the context keeps start -1 and is counted as not found. Such answers still count
 * for evaluation (the metric compares texts); a question none of whose answers was found cannot
 * give training positions and is counted as untrainable. Questions without answers (a test file)
 * are allowed.
 *
 * CMRC 2018 dev has 200 answers that Python finds misplaced: 193 are not in the context at all
 * (answer_start -1), the other 7 are right as UTF-16 offsets (an astral ideograph comes before
 * them); the trial set's 5 are all of the second kind.
 */
import { TaskFileError } from './taskFileError.ts';

export interface SpanAnswer {
  text: string;
  /** answer_start as written in the file (-1 where missing). */
  answerStart: number;
  /** Where the text really starts in the context (UTF-16 offset), or -1 when it is not in it. */
  start: number;
}

export interface SpanExample {
  id: string;
  question: string;
  /** The paragraph's context; examples of one paragraph share the same string. */
  context: string;
  answers: SpanAnswer[];
  title?: string;
  /** Index of the paragraph in the file, counting across articles. */
  paragraphIndex: number;
}

export interface SpanTaskFile {
  kind: 'span';
  fileName: string;
  examples: SpanExample[];
  paragraphs: number;
  /** Reference answers in all. */
  answers: number;
  /** Answers whose answer_start is right only as a code-point offset (Python's), converted. */
  codePointStarts: number;
  /** Answers whose answer_start was wrong and was replaced by the nearest occurrence of the text. */
  correctedStarts: number;
  /** Answers whose text is not in the context at all. */
  answersNotFound: number;
  /** Questions with answers none of which is in the context: evaluated, never trained on. */
  untrainable: number;
  /** Questions without any answer (test files). */
  unanswered: number;
}

/**
 * Where a text really starts in the context (a UTF-16 offset): `answerStart` when it points at
 * the text, else `answerStart` read as a code-point offset when that does, else the occurrence
 * nearest to it (the earlier one on a tie), else -1.
 */
export function repairAnswerStart(context: string, text: string, answerStart: number): number {
  if (text.length === 0) return -1;
  if (answerStart >= 0 && context.startsWith(text, answerStart)) return answerStart;
  const fromCodePoints = codePointOffsetToUtf16(context, answerStart);
  if (fromCodePoints >= 0 && context.startsWith(text, fromCodePoints)) return fromCodePoints;
  let best = -1;
  for (let at = context.indexOf(text); at >= 0; at = context.indexOf(text, at + 1)) {
    if (best < 0 || Math.abs(at - answerStart) < Math.abs(best - answerStart)) best = at;
    if (at > answerStart) break; // later occurrences are only farther away
  }
  return best;
}

/** The UTF-16 offset of code point number `cp` of `s`, or -1 when `s` has fewer. */
export function codePointOffsetToUtf16(s: string, cp: number): number {
  if (cp < 0) return -1;
  let i = 0;
  for (let n = 0; n < cp; n++) {
    if (i >= s.length) return -1;
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return i;
}

/** Finds the 1-based line of a piece of the file's text, for error messages (best effort). */
export type Locate = (needle: string) => number | undefined;

/** Reads the examples of a parsed SQuAD-style document; `locate` places errors on a line. */
export function squadExamples(doc: unknown, fileName: string, locate: Locate = () => undefined): SpanTaskFile {
  const fail = (what: string, near?: string): never => {
    const line = near !== undefined ? locate(near) : undefined;
    throw new TaskFileError(fileName, what, { line });
  };
  if (!isObject(doc) || !Array.isArray(doc.data)) {
    fail('expected a SQuAD-style JSON object {"data": [{"paragraphs": [...]}]}');
  }
  const out: SpanTaskFile = {
    kind: 'span',
    fileName,
    examples: [],
    paragraphs: 0,
    answers: 0,
    codePointStarts: 0,
    correctedStarts: 0,
    answersNotFound: 0,
    untrainable: 0,
    unanswered: 0,
  };
  const data = (doc as { data: unknown[] }).data;
  const seen = new Set<string>();
  for (let a = 0; a < data.length; a++) {
    const article = data[a];
    const where = `data[${a}]`;
    if (!isObject(article) || !Array.isArray(article.paragraphs)) fail(`${where} has no "paragraphs" array`);
    const art = article as { paragraphs: unknown[]; title?: unknown };
    const title = typeof art.title === 'string' ? art.title : undefined;
    for (let p = 0; p < art.paragraphs.length; p++) {
      const para = art.paragraphs[p];
      const pw = `${where}.paragraphs[${p}]`;
      if (!isObject(para)) fail(`${pw} is not an object`);
      const { context, qas, id: paraId } = para as { context?: unknown; qas?: unknown; id?: unknown };
      const paraNear = typeof paraId === 'string' ? JSON.stringify(paraId) : undefined;
      if (typeof context !== 'string') fail(`${pw} has no "context" string`, paraNear);
      if (!Array.isArray(qas)) fail(`${pw} has no "qas" array`, paraNear);
      const ctx = context as string;
      const paragraphIndex = out.paragraphs++;
      for (let q = 0; q < (qas as unknown[]).length; q++) {
        const qa = (qas as unknown[])[q];
        const qw = `${pw}.qas[${q}]`;
        if (!isObject(qa)) fail(`${qw} is not an object`, paraNear);
        const { id, question, answers } = qa as { id?: unknown; question?: unknown; answers?: unknown };
        if (typeof id !== 'string' && typeof id !== 'number') fail(`${qw} has no "id"`, paraNear);
        const qid = String(id);
        const near = JSON.stringify(qid);
        if (seen.has(qid)) fail(`${qw}: question id "${qid}" appears twice`, near);
        seen.add(qid);
        if (typeof question !== 'string') fail(`question "${qid}" (${qw}) has no "question" string`, near);
        if (answers !== undefined && answers !== null && !Array.isArray(answers)) {
          fail(`question "${qid}": "answers" is not an array`, near);
        }
        const list: SpanAnswer[] = [];
        for (const ans of (answers as unknown[] | undefined) ?? []) {
          if (!isObject(ans) || typeof ans.text !== 'string') fail(`question "${qid}": an answer has no "text"`, near);
          const { text, answer_start } = ans as { text: string; answer_start?: unknown };
          let answerStart = -1;
          if (answer_start !== undefined && answer_start !== null) {
            if (typeof answer_start !== 'number' || !Number.isInteger(answer_start)) {
              fail(`question "${qid}": answer_start ${JSON.stringify(answer_start)} is not an integer`, near);
            }
            answerStart = answer_start as number;
          }
          const start = repairAnswerStart(ctx, text, answerStart);
          if (start < 0) out.answersNotFound++;
          else if (start === answerStart) {
            // as written
          } else if (start === codePointOffsetToUtf16(ctx, answerStart)) out.codePointStarts++;
          else out.correctedStarts++;
          list.push({ text, answerStart, start });
        }
        out.answers += list.length;
        if (list.length === 0) out.unanswered++;
        else if (list.every((x) => x.start < 0)) out.untrainable++;
        out.examples.push({
          id: qid,
          question: question as string,
          context: ctx,
          answers: list,
          title,
          paragraphIndex,
        });
      }
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
