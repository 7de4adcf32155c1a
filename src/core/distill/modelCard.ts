/**
 * The model card (README.md) put in every student export: what teacher, data, loss and schedule
 * made the student, and its held-out metrics with the number of examples they were measured on.
 * A pure function from the run's record to Markdown; the page's worker and the CLI gather the
 * record, this file only writes it out.
 */
import type { ExportFile } from '../checkpoint/exportFiles.ts';
import type { LossConfig } from './lossConfig.ts';

export interface ModelCardMetrics {
  step: number;
  loss: number;
  teacherAgreement?: number;
  goldAccuracy?: number;
  top5Overlap?: number;
}

export interface ModelCardSource {
  name: string;
  bytes?: number;
  documents?: number;
}

/** Everything the card says; optional parts are written as "not recorded" rather than guessed. */
export interface ModelCardRecord {
  /** the run's name (the card's title) */
  title: string;
  /** the researcher's notes on the run */
  notes?: string;
  tool: { name: string; version: string };
  /** when the export was made, ISO 8601 */
  date: string;
  /** the export's format (safetensors, pytorch, tf, tfjs, onnx) */
  format: string;
  teacher: { name: string; layers: number; hidden: number };
  student: {
    layers: number;
    hidden: number;
    heads: number;
    intermediate: number;
    vocabSize: number;
    parameters?: number;
    /** the teacher layers the student started from (absent: a fresh random student) */
    teacherLayers?: number[];
  };
  data: {
    /** the example set's name or file(s) */
    exampleSet: string;
    sources: ModelCardSource[];
    /** the flags the examples were made with, by the original script's names */
    flags: Record<string, string | number | boolean>;
    examples: number | null;
    trainExamples: number | null;
    heldOutExamples: number | null;
    /** teacher probabilities kept per masked position */
    teacherTopK: number | null;
  };
  loss: { preset?: string; config: LossConfig };
  training: {
    stepsTrained: number;
    plannedSteps: number;
    learningRate: number;
    warmupSteps: number;
    batchSize: number;
    gradientAccumulationSteps: number;
    seed: number;
    backend?: string;
  };
  /** held-out evaluations (oldest first); the card shows the last one and the best teacher agreement */
  evaluations: ModelCardMetrics[];
}

const NOT_RECORDED = 'not recorded';

function count(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? NOT_RECORDED : n.toLocaleString('en-US');
}

function pct(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(1)}%`;
}

function num(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '—' : String(Number(v.toPrecision(5)));
}

/** Text inside a Markdown table cell or list item: no line breaks, pipes escaped. */
function inline(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

const LOSS_LABELS: [Exclude<keyof LossConfig, 'temperature'>, string][] = [
  ['alphaCe', 'soft cross-entropy against the teacher top-k'],
  ['alphaCos', 'cosine distance of the top-k probabilities'],
  ['alphaKl', 'KL of the renormalised top-k'],
  ['alphaMissingMass', 'missing mass outside the top-k'],
  ['alphaMlm', 'hard-label masked-LM cross-entropy'],
];

function metricsSection(r: ModelCardRecord): string[] {
  const held = r.data.heldOutExamples;
  const out = [
    '## Metrics',
    '',
    held === null
      ? 'Measured on the held-out examples (their number was not recorded).'
      : `Measured on ${count(held)} held-out example${held === 1 ? '' : 's'} (never trained on).`,
  ];
  if (held !== null && held < 100)
    out.push(`With only ${count(held)} held-out examples these figures are rough: each example moves them a lot.`);
  if (r.evaluations.length === 0) return [...out, '', 'No held-out evaluation was recorded.', ''];
  const last = r.evaluations[r.evaluations.length - 1];
  const best = r.evaluations.reduce((b, e) => ((e.teacherAgreement ?? -1) > (b.teacherAgreement ?? -1) ? e : b));
  const first = r.evaluations[0];
  const row = (label: string, e: ModelCardMetrics) =>
    `| ${label} | ${e.step} | ${num(e.loss)} | ${pct(e.teacherAgreement)} | ${pct(e.goldAccuracy)} | ${pct(e.top5Overlap)} |`;
  out.push(
    '',
    '| evaluation | step | loss | teacher agreement (top-1) | gold accuracy | top-5 overlap |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  if (first !== last) out.push(row('first', first));
  if (best !== last) out.push(row('best teacher agreement', best));
  out.push(row('last (these weights)', last), '');
  return out;
}

/** The model card as Markdown (README.md of an export). */
export function modelCard(r: ModelCardRecord): string {
  const s = r.student;
  const d = r.data;
  const t = r.training;
  const start = s.teacherLayers
    ? `initialised from the teacher's layers ${s.teacherLayers.join(', ')}`
    : 'initialised at random';
  const lines = [
    `# ${inline(r.title)}`,
    '',
    `A BERT student distilled from **${inline(r.teacher.name)}** with ${r.tool.name} ${r.tool.version}, exported on ${r.date} (${r.format}).`,
  ];
  if (r.notes?.trim()) lines.push('', '> ' + r.notes.trim().split(/\r?\n/).join('\n> '));
  lines.push(
    '',
    '## Model',
    '',
    '| | layers | hidden size |',
    '| --- | --- | --- |',
    `| teacher (${inline(r.teacher.name)}) | ${r.teacher.layers} | ${r.teacher.hidden} |`,
    `| student | ${s.layers} | ${s.hidden} |`,
    '',
    `Student: ${s.heads} attention heads, intermediate size ${s.intermediate}, vocabulary ${count(s.vocabSize)}, ` +
      `${s.parameters === undefined ? 'parameters not counted' : `${count(s.parameters)} parameters`}; ${start}.`,
    '',
    '## Data',
    '',
    `- Example set: ${inline(d.exampleSet)}`,
    `- Sources: ${
      d.sources.length === 0
        ? NOT_RECORDED
        : d.sources
            .map((c) => {
              const parts = [
                c.bytes === undefined ? null : `${count(c.bytes)} bytes`,
                c.documents === undefined ? null : `${count(c.documents)} documents`,
              ].filter((p) => p !== null);
              return parts.length ? `${inline(c.name)} (${parts.join(', ')})` : inline(c.name);
            })
            .join('; ')
    }`,
    `- Flags: ${
      Object.keys(d.flags).length === 0
        ? NOT_RECORDED
        : Object.entries(d.flags)
            .map(([k, v]) => `\`--${k}=${v}\``)
            .join(' ')
    }`,
    `- Examples: ${count(d.examples)} (training ${count(d.trainExamples)}, held out ${count(d.heldOutExamples)})`,
    `- Teacher outputs: top-${d.teacherTopK ?? '?'} probabilities per masked position`,
    '',
    '## Loss',
    '',
    `Preset: ${r.loss.preset ?? 'custom'}; temperature ${num(r.loss.config.temperature)}.`,
    '',
    '| term | weight |',
    '| --- | --- |',
    ...LOSS_LABELS.map(([k, label]) => `| ${label} | ${num(r.loss.config[k])} |`),
    '',
    '## Training',
    '',
    `- Steps: ${count(t.stepsTrained)} trained of ${count(t.plannedSteps)} planned`,
    `- Learning rate: ${num(t.learningRate)} (AdamW, ${count(t.warmupSteps)} warmup steps, then linear decay)`,
    `- Batch: ${count(t.batchSize)} examples per step (${t.gradientAccumulationSteps} micro-batch${t.gradientAccumulationSteps === 1 ? '' : 'es'})`,
    `- Seed: ${t.seed}`,
    `- Backend: ${t.backend ?? NOT_RECORDED}`,
    '',
    ...metricsSection(r),
  );
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/** The card as the README.md file of an export folder or zip. */
export function modelCardFile(r: ModelCardRecord): ExportFile {
  return { name: 'README.md', data: new TextEncoder().encode(modelCard(r)) };
}
