/**
 * The model card (README.md) put in every student export: what teacher, data, loss and schedule
 * made the student, and its held-out metrics with the number of examples they were measured on.
 * A pure function from the run's record to Markdown; the page's worker and the CLI gather the
 * record, this file only writes it out.
 */
import type { ExportFile } from '../checkpoint/exportFiles.ts';
import type { BertConfig } from '../model/config.ts';
import type { Weights } from '../model/weights.ts';
import type { Interval } from '../run/binomialInterval.ts';
import type { RunMetrics } from '../run/trainer.ts';
import type { DistillScores } from './distillTask.ts';
import { type LossConfig, LOSS_PRESET_TITLES, type LossPresetName } from './lossConfig.ts';

export interface ModelCardMetrics {
  step: number;
  /** held-out examples this evaluation scored */
  examples?: number;
  loss: number;
  teacherAgreement?: number;
  /** its 95% Wilson interval over the scored positions */
  teacherAgreementInterval?: Interval | null;
  goldAccuracy?: number;
  goldAccuracyInterval?: Interval | null;
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
  /** layers and hidden size are unknown when only the teacher's outputs were at hand */
  teacher: { name: string; layers?: number; hidden?: number };
  student: {
    layers: number;
    hidden: number;
    heads: number;
    intermediate: number;
    vocabSize: number;
    parameters?: number;
    /** the layers the student started from (absent: a fresh random student) */
    teacherLayers?: number[];
    /** the checkpoint those layers came from (absent: the teacher) */
    initialisedFrom?: string;
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

function pct(v: number | undefined, interval?: Interval | null): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  const ci = interval ? ` (95% CI ${(interval.low * 100).toFixed(1)}–${(interval.high * 100).toFixed(1)}%)` : '';
  return `${(v * 100).toFixed(1)}%${ci}`;
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
    `| ${label} | ${e.step} | ${e.examples === undefined ? '—' : count(e.examples)} | ${num(e.loss)} | ${pct(e.teacherAgreement, e.teacherAgreementInterval)} | ${pct(e.goldAccuracy, e.goldAccuracyInterval)} | ${pct(e.top5Overlap)} |`;
  out.push(
    '',
    '| evaluation | step | held-out examples | loss | teacher agreement (top-1) | gold accuracy | top-5 overlap |',
    '| --- | --- | --- | --- | --- | --- | --- |',
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
    ? s.initialisedFrom
      ? `initialised from layers ${s.teacherLayers.join(', ')} of ${inline(s.initialisedFrom)}`
      : `initialised from the teacher's layers ${s.teacherLayers.join(', ')}`
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
    `| teacher (${inline(r.teacher.name)}) | ${r.teacher.layers ?? NOT_RECORDED} | ${r.teacher.hidden ?? NOT_RECORDED} |`,
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
    `Preset: ${r.loss.preset === undefined ? 'custom' : (LOSS_PRESET_TITLES[r.loss.preset as LossPresetName] ?? r.loss.preset)}; temperature ${num(r.loss.config.temperature)}.`,
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

/** The held-out evaluations of a distillation run's history (the trainer's, restored with its checkpoint). */
export function cardEvaluations(history: readonly RunMetrics<DistillScores>[]): ModelCardMetrics[] {
  const out: ModelCardMetrics[] = [];
  for (const m of history) {
    if (m.kind !== 'eval') continue;
    out.push({
      step: m.step,
      examples: m.examples,
      loss: m.loss,
      teacherAgreement: m.teacherTop1Agreement,
      teacherAgreementInterval: m.teacherAgreementInterval,
      goldAccuracy: m.goldAccuracy,
      goldAccuracyInterval: m.goldAccuracyInterval,
      top5Overlap: m.top5Overlap,
    });
  }
  return out;
}

/** The student part of the card from its config and weights (parameters counted from the tensors). */
export function cardStudent(
  cfg: BertConfig,
  weights: Weights,
  teacherLayers?: number[],
  initialisedFrom?: string,
): ModelCardRecord['student'] {
  let parameters = 0;
  for (const t of Object.values(weights)) parameters += t.size;
  return {
    layers: cfg.num_hidden_layers,
    hidden: cfg.hidden_size,
    heads: cfg.num_attention_heads,
    intermediate: cfg.intermediate_size,
    vocabSize: cfg.vocab_size,
    parameters,
    teacherLayers,
    ...(initialisedFrom === undefined ? {} : { initialisedFrom }),
  };
}

/** What a format conversion (the CLI's convert) knows about the checkpoint it writes. */
export interface ConversionRecord {
  /** the checkpoint read (path or name) and the format it was in */
  source: string;
  sourceFormat: string;
  format: string;
  tool: { name: string; version: string };
  date: string;
  student: ModelCardRecord['student'];
  /** the source's own model card (its README.md), carried over when there is one */
  sourceCard?: string;
}

/**
 * The card of a converted checkpoint: the source's card (what made the model) followed by what the
 * conversion did; without a source card, what is known (the model) and that the rest is not.
 */
export function conversionCard(c: ConversionRecord): string {
  const s = c.student;
  const kept = s.teacherLayers ? `; a student keeping the source's layers ${s.teacherLayers.join(', ')}` : '';
  const conversion = [
    '## Conversion',
    '',
    `Converted from ${inline(c.source)} (${c.sourceFormat}) to ${c.format} with ${c.tool.name} ${c.tool.version} on ${c.date}${kept}.`,
    `Written: ${s.layers} layers, hidden size ${s.hidden}, ${s.heads} attention heads, intermediate size ${s.intermediate}, ` +
      `vocabulary ${count(s.vocabSize)}, ${s.parameters === undefined ? 'parameters not counted' : `${count(s.parameters)} parameters`}.`,
  ];
  if (c.sourceCard?.trim()) return `${c.sourceCard.replace(/\s+$/, '')}\n\n${conversion.join('\n')}\n`;
  return `${[
    `# ${inline(c.source)}`,
    '',
    'No model card came with the source checkpoint: the data, loss, training and metrics that made it are not recorded here.',
    '',
    ...conversion,
  ].join('\n')}\n`;
}

/** What the page knows of a run (names, sources, flags, config); the training worker knows the rest. */
export interface RunCardFacts {
  title: string;
  notes?: string;
  tool: ModelCardRecord['tool'];
  teacher: ModelCardRecord['teacher'];
  data: Omit<ModelCardRecord['data'], 'trainExamples' | 'heldOutExamples'>;
  loss: ModelCardRecord['loss'];
  training: Omit<ModelCardRecord['training'], 'stepsTrained'>;
  /** the name of the student's own checkpoint, when it started from one */
  studentSource?: string;
}

/** What the training worker adds: the export, the student's weights, how far it trained, the split, the evaluations. */
export interface TrainedFacts {
  format: string;
  date: string;
  student: ModelCardRecord['student'];
  stepsTrained: number;
  trainExamples: number | null;
  heldOutExamples: number | null;
  evaluations: ModelCardMetrics[];
}

/** The whole record from the page's facts and the worker's. */
export function runCardRecord(f: RunCardFacts, t: TrainedFacts): ModelCardRecord {
  return {
    title: f.title,
    notes: f.notes,
    tool: f.tool,
    date: t.date,
    format: t.format,
    teacher: f.teacher,
    student: t.student,
    data: { ...f.data, trainExamples: t.trainExamples, heldOutExamples: t.heldOutExamples },
    loss: f.loss,
    training: { ...f.training, stepsTrained: t.stepsTrained },
    evaluations: t.evaluations,
  };
}
