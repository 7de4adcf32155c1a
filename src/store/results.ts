/**
 * The Evaluate panel's results table: one row per finished fine-tuning evaluation, across tasks
 * and models, with the teacher's score on the same task (when it was evaluated) and the model's
 * retention of it; and the table as CSV and as Markdown. Pure functions (no store, no DOM).
 */
import type { FineTuneResult } from '../contract/jobs.ts';
import type { Interval } from '../core/run/binomialInterval.ts';
import type { EvalModelRole } from './state.ts';

/** What a row is made from (an EvaluationEntry has all of it). */
export interface ResultSource {
  id: string;
  taskKey: string;
  taskLabel: string;
  modelLabel: string;
  role: EvalModelRole;
  teacherId: string;
  /** the checkpoint evaluated, for the teacher's own rows */
  modelId?: string;
  status: string;
  result?: FineTuneResult;
  createdAt: number;
}

export interface ResultRow {
  id: string;
  task: string;
  model: string;
  role: EvalModelRole;
  /** dev accuracy of the final weights, its 95% interval, the dev examples it was measured on */
  accuracy: number;
  accuracyInterval: Interval | null;
  devExamples: number;
  /** said beside the accuracy when the dev set is too small (src/core/run/heldOut.ts) */
  sizeWarning: string | null;
  bestAccuracy: number;
  bestStep: number;
  steps: number;
  /** the teacher's dev accuracy on the same task, null when the teacher was not evaluated on it */
  teacherAccuracy: number | null;
  /** accuracy as a percentage of the teacher's, null without a teacher score */
  retention: number | null;
  parameters: number;
  sizeBytes: number;
  inferenceExamplesPerSec: number;
}

/** Rows of the finished evaluations, oldest first; each compared with its teacher's latest score on the task. */
export function resultRows(sources: ResultSource[]): ResultRow[] {
  const done = sources
    .filter((s): s is ResultSource & { result: FineTuneResult } => s.status === 'ready' && !!s.result?.finished)
    .sort((a, b) => a.createdAt - b.createdAt);
  const teacherScore = (taskKey: string, teacherId: string): number | null => {
    let score: number | null = null;
    for (const s of done)
      if (s.role === 'teacher' && s.taskKey === taskKey && s.modelId === teacherId) score = s.result.accuracy;
    return score;
  };
  return done.map((s) => {
    const teacher = teacherScore(s.taskKey, s.teacherId);
    return {
      id: s.id,
      task: s.taskLabel,
      model: s.modelLabel,
      role: s.role,
      accuracy: s.result.accuracy,
      accuracyInterval: s.result.accuracyInterval ?? null,
      devExamples: s.result.devExamples,
      sizeWarning: s.result.sizeWarning ?? null,
      bestAccuracy: s.result.bestAccuracy,
      bestStep: s.result.bestStep,
      steps: s.result.step,
      teacherAccuracy: teacher,
      retention: teacher !== null && teacher > 0 ? (s.result.accuracy / teacher) * 100 : null,
      parameters: s.result.parameters,
      sizeBytes: s.result.weightBytes,
      inferenceExamplesPerSec: s.result.inferenceExamplesPerSec,
    };
  });
}

const COLUMNS = [
  'task',
  'model',
  'dev_accuracy',
  'dev_accuracy_ci95_low',
  'dev_accuracy_ci95_high',
  'dev_examples',
  'best_dev_accuracy',
  'best_step',
  'teacher_dev_accuracy',
  'retention_pct',
  'parameters',
  'size_bytes',
  'inference_examples_per_s',
] as const;

function num(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? '' : v.toFixed(digits);
}

/** The table as CSV (RFC 4180 quoting; plain numbers, empty where there is no value). */
export function resultsCsv(rows: ResultRow[]): string {
  const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = rows.map((r) =>
    [
      esc(r.task),
      esc(r.model),
      num(r.accuracy, 4),
      num(r.accuracyInterval?.low ?? null, 4),
      num(r.accuracyInterval?.high ?? null, 4),
      String(r.devExamples),
      num(r.bestAccuracy, 4),
      String(r.bestStep),
      num(r.teacherAccuracy, 4),
      num(r.retention, 1),
      String(r.parameters),
      String(r.sizeBytes),
      num(r.inferenceExamplesPerSec, 1),
    ].join(','),
  );
  return `${[COLUMNS.join(','), ...lines].join('\n')}\n`;
}

function pct(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(2)}%`;
}

/** "60.00% (95% CI 44.6–73.7%, 40 dev examples)": the accuracy with its interval and what it was measured on. */
export function accuracyCell(r: Pick<ResultRow, 'accuracy' | 'accuracyInterval' | 'devExamples'>): string {
  const i = r.accuracyInterval;
  const ci = i ? `95% CI ${(100 * i.low).toFixed(1)}–${(100 * i.high).toFixed(1)}%, ` : '';
  return `${pct(r.accuracy)} (${ci}${r.devExamples} dev examples)`;
}

/** Bytes in binary units (1 decimal below 100). */
export function sizeText(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** The table as a GitHub-flavoured Markdown table (accuracies in %, sizes in binary units). */
export function resultsMarkdown(rows: ResultRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const head = [
    'Task',
    'Model',
    'Dev accuracy',
    'Best (step)',
    'Teacher',
    'Retention',
    'Parameters',
    'Size',
    'Inference ex/s',
  ];
  const body = rows.map((r) =>
    [
      cell(r.task),
      cell(r.model),
      accuracyCell(r),
      `${pct(r.bestAccuracy)} (${r.bestStep})`,
      pct(r.teacherAccuracy),
      r.retention === null ? '—' : `${r.retention.toFixed(1)}%`,
      r.parameters.toLocaleString('en-US'),
      sizeText(r.sizeBytes),
      Number.isFinite(r.inferenceExamplesPerSec) ? r.inferenceExamplesPerSec.toFixed(1) : '—',
    ].join(' | '),
  );
  return `${[`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...body.map((b) => `| ${b} |`)].join('\n')}\n`;
}
