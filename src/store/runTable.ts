/**
 * The runs table: every run's hyperparameters, data and best / last metrics as named fields, the
 * fields that differ between the runs compared, and the facts a run's model card is made from.
 * Pure functions over the store's entries (no store, no DOM), like results.ts.
 */
import { LOSS_PRESET_TITLES } from '../core/distill/lossConfig.ts';
import type { EvalPoint, MetricPoint } from '../contract/jobs.ts';
import type { RunCardFacts } from '../core/distill/modelCard.ts';
import { flagsFromPretrainingOptions } from '../core/options/pretrainingFlags.ts';
import { TOOL_NAME, TOOL_VERSION } from '../core/version.ts';
import { runColor } from './runColors.ts';
import type { CorpusEntry, ExampleSetEntry, ModelEntry, RunEntry, TeacherCacheEntry } from './state.ts';

/** What the fields are read from (the store's lists; an AppState has all of it). */
export interface RunLookup {
  corpora: CorpusEntry[];
  models: ModelEntry[];
  exampleSets: ExampleSetEntry[];
  teacherCaches: TeacherCacheEntry[];
  metrics: Record<string, MetricPoint[]>;
  evals: Record<string, EvalPoint[]>;
}

export type RunFieldGroup = 'config' | 'data' | 'metrics';

export interface RunField {
  key: string;
  label: string;
  group: RunFieldGroup;
}

/** The table's columns in order; `key` is also the CSV column (the original scripts' flag names where there is one). */
export const RUN_FIELDS: readonly RunField[] = [
  { key: 'learning_rate', label: 'learning rate', group: 'config' },
  { key: 'train_batch_size', label: 'batch', group: 'config' },
  { key: 'gradient_accumulation_steps', label: 'accumulation', group: 'config' },
  { key: 'num_train_steps', label: 'steps', group: 'config' },
  { key: 'num_warmup_steps', label: 'warmup', group: 'config' },
  { key: 'loss', label: 'loss', group: 'config' },
  { key: 'loss_weights', label: 'loss weights', group: 'config' },
  { key: 'temperature', label: 'temperature', group: 'config' },
  { key: 'seed', label: 'random seed', group: 'config' },
  { key: 'student_layers', label: 'student layers', group: 'config' },
  { key: 'student_hidden', label: 'student hidden', group: 'config' },
  { key: 'backend', label: 'backend', group: 'config' },
  { key: 'teacher', label: 'teacher', group: 'data' },
  { key: 'sources', label: 'sources', group: 'data' },
  { key: 'example_set', label: 'example set', group: 'data' },
  { key: 'example_flags', label: 'example flags', group: 'data' },
  { key: 'examples', label: 'examples', group: 'data' },
  { key: 'teacher_cache', label: 'teacher cache', group: 'data' },
  { key: 'steps_done', label: 'steps done', group: 'metrics' },
  { key: 'last_loss', label: 'last loss', group: 'metrics' },
  { key: 'min_loss', label: 'min loss', group: 'metrics' },
  { key: 'last_agreement', label: 'last teacher agreement', group: 'metrics' },
  { key: 'best_agreement', label: 'best teacher agreement', group: 'metrics' },
  { key: 'last_gold', label: 'last gold accuracy', group: 'metrics' },
  { key: 'best_gold', label: 'best gold accuracy', group: 'metrics' },
];

export interface RunRow {
  id: string;
  name: string;
  /** the run's colour (charts, legend, table) */
  color: string;
  notes: string;
  status: string;
  /** each field's text ('—' where unknown) */
  values: Record<string, string>;
}

const NONE = '—';

function plain(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? NONE : String(Number(v.toPrecision(4)));
}

function pct(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? NONE : `${(v * 100).toFixed(1)}%`;
}

/** The best value of one evaluation score with its step ("71.0% @ 250"), '—' when never measured. */
function best(evals: EvalPoint[], pick: (e: EvalPoint) => number): string {
  let top: EvalPoint | null = null;
  for (const e of evals) if (Number.isFinite(pick(e)) && (top === null || pick(e) > pick(top))) top = e;
  return top === null ? NONE : `${pct(pick(top))} @ ${top.step}`;
}

function model(l: RunLookup, id: string): ModelEntry | undefined {
  return l.models.find((m) => m.id === id);
}

/** The corpora an example set was built from, by name (an id when the corpus was removed). */
export function setSources(l: RunLookup, set: ExampleSetEntry | undefined): string[] {
  return (set?.corpusIds ?? []).map((id) => l.corpora.find((c) => c.id === id)?.name ?? id);
}

function exampleFlags(set: ExampleSetEntry | undefined): string {
  if (!set) return NONE;
  const o = set.options;
  return `seq ${o.maxSeqLength} · ${o.maxPredictionsPerSeq} masks · p ${o.maskedLmProb} · dupe ${o.dupeFactor} · ${o.mode === 'seed' ? 'original' : o.mode}${o.doWholeWordMask ? ' · wwm' : ''} · random seed ${o.randomSeed}`;
}

function studentShape(run: RunEntry, l: RunLookup): { layers: string; hidden: string } {
  const s = run.student;
  if (s.kind === 'fresh') return { layers: `${s.num_hidden_layers} (fresh)`, hidden: String(s.hidden_size) };
  if (s.kind === 'checkpoint') {
    // the student's own checkpoint: its hidden size, the layers kept (all when null)
    const cfg = model(l, s.checkpointId)?.info?.config;
    const kept = s.layers ?? (cfg ? [...Array(cfg.num_hidden_layers).keys()] : null);
    const from = model(l, s.checkpointId)?.name ?? s.checkpointId;
    return {
      layers: kept ? `${kept.length} (${kept.join(',')} of ${from})` : `all of ${from}`,
      hidden: cfg ? String(cfg.hidden_size) : NONE,
    };
  }
  const hidden = model(l, run.teacherId)?.info?.config.hidden_size;
  return { layers: `${s.layers.length} (${s.layers.join(',')})`, hidden: hidden === undefined ? NONE : String(hidden) };
}

/** One row of the runs table. */
export function runRow(run: RunEntry, l: RunLookup): RunRow {
  const c = run.config;
  const set = l.exampleSets.find((e) => e.id === run.exampleSetId);
  const cache = l.teacherCaches.find((t) => t.id === run.cacheId);
  const student = studentShape(run, l);
  const m = l.metrics[run.id] ?? [];
  const ev = l.evals[run.id] ?? [];
  let minLoss = Number.POSITIVE_INFINITY;
  for (const p of m) if (Number.isFinite(p.losses.total) && p.losses.total < minLoss) minLoss = p.losses.total;
  const lastEval = ev[ev.length - 1];
  const w = c.loss;
  const values: Record<string, string> = {
    learning_rate: String(c.schedule.learningRate),
    train_batch_size: String(c.batchSize),
    gradient_accumulation_steps: String(c.gradientAccumulationSteps),
    num_train_steps: String(c.schedule.numTrainSteps),
    num_warmup_steps: String(c.schedule.numWarmupSteps),
    loss: LOSS_PRESET_TITLES[c.lossPreset] ?? c.lossPreset,
    loss_weights: `ce ${w.alphaCe} · cos ${w.alphaCos} · kl ${w.alphaKl} · missing ${w.alphaMissingMass} · mlm ${w.alphaMlm}`,
    temperature: String(w.temperature),
    seed: String(c.seed),
    student_layers: student.layers,
    student_hidden: student.hidden,
    backend: run.backend ?? NONE,
    teacher: model(l, run.teacherId)?.name ?? run.teacherId,
    sources: setSources(l, set).join(' + ') || NONE,
    example_set: set?.name ?? run.exampleSetId,
    example_flags: exampleFlags(set),
    examples: set ? String(set.count) : NONE,
    teacher_cache: cache
      ? `top-${cache.k} of ${model(l, cache.modelId)?.name ?? cache.modelId} over ${set?.name ?? cache.exampleSetId}`
      : run.cacheId,
    steps_done: `${run.step} / ${c.schedule.numTrainSteps}`,
    last_loss: plain(m[m.length - 1]?.losses.total),
    min_loss: plain(minLoss),
    last_agreement: lastEval ? `${pct(lastEval.teacherAgreement)} @ ${lastEval.step}` : NONE,
    best_agreement: best(ev, (e) => e.teacherAgreement),
    last_gold: lastEval ? `${pct(lastEval.goldAccuracy)} @ ${lastEval.step}` : NONE,
    best_gold: best(ev, (e) => e.goldAccuracy),
  };
  return { id: run.id, name: run.name, color: runColor(run), notes: run.notes ?? '', status: run.status, values };
}

/** The config and data fields whose values are not all the same across `rows` (none for fewer than 2 rows). */
export function differingFields(rows: RunRow[]): Set<string> {
  const out = new Set<string>();
  if (rows.length < 2) return out;
  for (const f of RUN_FIELDS) {
    if (f.group === 'metrics') continue;
    if (new Set(rows.map((r) => r.values[f.key])).size > 1) out.add(f.key);
  }
  return out;
}

/** A run's config and data as CSV columns (every metric row of the run repeats them). */
export function runCsvColumns(row: RunRow): Record<string, string> {
  const cols: Record<string, string> = { run_id: row.id, run: row.name, notes: row.notes };
  for (const f of RUN_FIELDS) if (f.group !== 'metrics') cols[f.key] = row.values[f.key];
  return cols;
}

/** A one-line config of a run for a chart legend: the fields that differ between the runs shown, else lr, batch and loss. */
export function legendConfig(row: RunRow, differing: Set<string>): string {
  const keys = differing.size ? [...differing] : ['learning_rate', 'train_batch_size', 'loss'];
  return keys
    .slice(0, 4)
    .map((k) => `${RUN_FIELDS.find((f) => f.key === k)?.label ?? k} ${row.values[k]}`)
    .join(' · ');
}

/** What the page knows of a run for its model card (the training worker adds the weights, step and held-out split). */
export function runCardFacts(run: RunEntry, l: RunLookup): RunCardFacts {
  const set = l.exampleSets.find((e) => e.id === run.exampleSetId);
  const cache = l.teacherCaches.find((t) => t.id === run.cacheId);
  const teacher = model(l, run.teacherId);
  const c = run.config;
  return {
    title: run.name,
    notes: run.notes,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    teacher: {
      name: teacher?.name ?? run.teacherId,
      layers: teacher?.info?.config.num_hidden_layers,
      hidden: teacher?.info?.config.hidden_size,
    },
    ...(run.student.kind === 'checkpoint'
      ? { studentSource: model(l, run.student.checkpointId)?.name ?? run.student.checkpointId }
      : {}),
    data: {
      exampleSet: set?.name ?? run.exampleSetId,
      sources: (set?.corpusIds ?? []).map((id) => {
        const corpus = l.corpora.find((x) => x.id === id);
        return corpus
          ? { name: corpus.name, bytes: corpus.size, documents: corpus.stats?.documents }
          : { name: `${id} (removed)` };
      }),
      flags: set ? { ...flagsFromPretrainingOptions(set.options) } : {},
      examples: set?.count ?? null,
      teacherTopK: cache?.k ?? null,
    },
    loss: { preset: c.lossPreset, config: c.loss },
    training: {
      plannedSteps: c.schedule.numTrainSteps,
      learningRate: c.schedule.learningRate,
      warmupSteps: c.schedule.numWarmupSteps,
      batchSize: c.batchSize,
      gradientAccumulationSteps: c.gradientAccumulationSteps,
      seed: c.seed,
      backend: run.backend,
    },
  };
}
