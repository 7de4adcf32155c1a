/**
 * What the next example set, teacher pass and training run will make and cost, from the state:
 * the chosen corpora's token counts, the forms' flags, the models' sizes, the storage quota and
 * the rates the backend probe measured. The arithmetic is core's (src/core/estimate/); this
 * module only gathers its inputs. Also which corpora an example set is built from by default.
 */
import type { WorkerKind } from '../contract/jobs.ts';
import { type ExampleEstimate, capEstimate, estimateExamples, mergeLengths } from '../core/estimate/exampleCount.ts';
import {
  type CostWarning,
  costWarnings,
  exampleSetBytes,
  type ModelSize,
  secondsAt,
  teacherCacheBytes,
  teacherPassFlops,
  trainingFlops,
} from '../core/estimate/jobCost.ts';
import { MIN_OBSERVED_SECONDS, runGflops, teacherPassGflops } from '../core/estimate/observedRate.ts';
import type { BertConfig } from '../core/model/config.ts';
import { heldOutCount } from '../core/run/heldOut.ts';
import type { RunConfig } from '../contract/jobs.ts';
import { DEMO_CORPUS_NAME, DEMO_STEP_SPEEDUP } from './demoPlan.ts';
import type { AppState, CorpusEntry } from './state.ts';
import { corpusVocabId, isActive } from './state.ts';

/** Where an estimate's rate comes from: the backend probe, or a job this page ran on the same backend. */
export type RateSource =
  | { kind: 'probe'; probeGflops: number }
  | { kind: 'teacherPass'; label: string; examplesPerSec: number }
  | { kind: 'run'; label: string };

/** A worker's speed for estimates: its backend, the model GFLOP/s assumed, and where that figure comes from. */
export interface MeasuredRate {
  backend: string;
  /** model GFLOP/s: a job's own, or the probe's × DEMO_STEP_SPEEDUP (larger matrices run faster than the probe's tiny step) */
  gflops: number;
  source: RateSource;
  /** the probe's model-step GFLOP/s on this backend (null when it measured none) */
  probeGflops: number | null;
}

type RateState = Pick<AppState, 'backends'> &
  Partial<Pick<AppState, 'teacherCaches' | 'runs' | 'metrics' | 'evals' | 'models' | 'exampleSets'>>;

/** The backend a worker uses and the probe's model step there (null before it reports). */
function workerBackend(s: Pick<AppState, 'backends'>, worker: WorkerKind) {
  const r = s.backends[worker];
  if (!r || 'error' in r || r.backend === 'none') return null;
  const m = r.measured?.find((x) => x.backend === r.backend);
  return { backend: r.backend, probeGflops: m?.stepGflops || null };
}

/**
 * The rate estimates use for a worker: the latest job of its kind that ran long enough on the
 * backend the worker uses now (a teacher pass for the teacher worker, a run for the training
 * worker), or else the probe's model step scaled by DEMO_STEP_SPEEDUP; null before the worker
 * reports, or when neither is known.
 */
export function measuredRate(s: RateState, worker: WorkerKind): MeasuredRate | null {
  const b = workerBackend(s, worker);
  if (!b) return null;
  const observed = worker === 'teacher' ? observedTeacherRate(s, b.backend) : observedRunRate(s, b.backend);
  if (observed) return { backend: b.backend, probeGflops: b.probeGflops, ...observed };
  if (!b.probeGflops) return null;
  return {
    backend: b.backend,
    probeGflops: b.probeGflops,
    gflops: b.probeGflops * DEMO_STEP_SPEEDUP,
    source: { kind: 'probe', probeGflops: b.probeGflops },
  };
}

/** The last finished (or stopped) teacher pass on `backend` that computed for MIN_OBSERVED_SECONDS or more: its rate at its end. */
function observedTeacherRate(s: RateState, backend: string): Pick<MeasuredRate, 'gflops' | 'source'> | null {
  for (const c of [...(s.teacherCaches ?? [])].reverse()) {
    const p = c.progress;
    // a pass still running is left out: its rate moves with every batch, and so would the estimate's text
    if (c.backend !== backend || isActive(c.status) || !p || p.unit !== 'examples' || !(p.rate > 0)) continue;
    if ((p.produced ?? 0) / p.rate < MIN_OBSERVED_SECONDS) continue;
    const teacher = s.models?.find((m) => m.id === c.modelId)?.info;
    const set = s.exampleSets?.find((e) => e.id === c.exampleSetId);
    if (!teacher || !set) continue;
    return {
      gflops: teacherPassGflops(p.rate, modelSize(teacher.config), set.options),
      source: { kind: 'teacherPass', label: set.name ?? set.id, examplesPerSec: p.rate },
    };
  }
  return null;
}

/** The last run on `backend` that ended (or stopped) and whose log spans MIN_OBSERVED_SECONDS or more: steps, evaluations and all between. */
function observedRunRate(s: RateState, backend: string): Pick<MeasuredRate, 'gflops' | 'source'> | null {
  for (const r of [...(s.runs ?? [])].reverse()) {
    if (r.backend !== backend || isActive(r.status) || !r.studentSize) continue;
    const set = s.exampleSets?.find((e) => e.id === r.exampleSetId);
    const points = s.metrics?.[r.id];
    if (!set || !points?.length) continue;
    const gflops = runGflops(
      {
        points,
        evalSteps: (s.evals?.[r.id] ?? []).map((e) => e.step),
        examplesPerStep: r.config.batchSize,
        heldOut: heldOutCount(set.count),
      },
      r.studentSize,
      set.options,
    );
    if (gflops) return { gflops, source: { kind: 'run', label: r.name } };
  }
  return null;
}

/** Why a worker has no rate (for the estimate's time line), null when it has one. */
export function rateMissing(s: RateState, worker: WorkerKind): string | null {
  if (measuredRate(s, worker)) return null;
  const r = s.backends[worker];
  if (!r) return `waiting for the ${worker} worker's backend to measure its speed`;
  if ('error' in r) return `the ${worker} worker has no backend: ${r.error}`;
  return `no speed measured for ${r.backend}${r.decidedBy === 'override' ? ' (chosen by the override, not measured)' : ''}: no time estimate`;
}

/** A corpus the demo added (or one saved under the demo's file name before corpora had an origin). */
export function isDemoCorpus(c: Pick<CorpusEntry, 'origin' | 'name'>): boolean {
  return c.origin === 'demo' || c.name === DEMO_CORPUS_NAME;
}

/** The default sources of a new set: every ready corpus that is not the demo's, or all of them when only the demo's are loaded. */
export function defaultSourceIds(corpora: readonly CorpusEntry[]): string[] {
  const ready = corpora.filter((c) => c.status === 'ready');
  const own = ready.filter((c) => !isDemoCorpus(c));
  return (own.length ? own : ready).map((c) => c.id);
}

/** The corpora ticked for the next set (the default choice until the user ticks), ready ones only. */
export function chosenSourceIds(s: Pick<AppState, 'corpora' | 'exampleSources'>): string[] {
  if (s.exampleSources === null) return defaultSourceIds(s.corpora);
  const ready = new Set(s.corpora.filter((c) => c.status === 'ready').map((c) => c.id));
  return s.exampleSources.filter((id) => ready.has(id));
}

/** A model's size for the FLOP count, from its config. */
export function modelSize(
  c: Pick<BertConfig, 'num_hidden_layers' | 'hidden_size' | 'intermediate_size' | 'vocab_size'>,
): ModelSize {
  return { layers: c.num_hidden_layers, hidden: c.hidden_size, intermediate: c.intermediate_size, vocab: c.vocab_size };
}

function storageRoom(s: Pick<AppState, 'quota'>) {
  return s.quota && s.quota.quota > 0 ? { usage: s.quota.usage, quota: s.quota.quota } : null;
}

export interface ExamplesEstimate {
  sources: CorpusEntry[];
  /** sources whose tokens are still being counted (or failed): no estimate until they are */
  pending: CorpusEntry[];
  /** the estimate with the cap applied, and without */
  estimate: ExampleEstimate | null;
  uncapped: ExampleEstimate | null;
  setBytes: number;
  /** what its teacher pass would then cost at the pass form's defaults */
  cacheBytes: number;
  teacherSeconds: number | null;
  teacherRate: MeasuredRate | null;
  warnings: CostWarning[];
}

/** What "Build examples" will make from the ticked corpora with the form's flags and cap, and what its teacher pass costs. */
export function examplesEstimate(s: AppState): ExamplesEstimate {
  const ids = chosenSourceIds(s);
  const sources = s.corpora.filter((c) => ids.includes(c.id));
  const vocab = corpusVocabId(s);
  const lower = s.exampleOptions.doLowerCase;
  const current = (c: CorpusEntry) => c.tokens?.vocabModelId === vocab && c.tokens.doLowerCase === lower;
  const pending = sources.filter((c) => !current(c));
  const o = s.exampleOptions;
  const teacher = s.models.find((m) => m.id === s.teacherId)?.info;
  const teacherRate = measuredRate(s, 'teacher');
  if (sources.length === 0 || pending.length > 0)
    return {
      sources,
      pending,
      estimate: null,
      uncapped: null,
      setBytes: 0,
      cacheBytes: 0,
      teacherSeconds: null,
      teacherRate,
      warnings: [],
    };
  const uncapped = estimateExamples(mergeLengths(sources.map((c) => c.tokens!.lengths)), o);
  const estimate = capEstimate(uncapped, s.exampleCap);
  const setBytes = exampleSetBytes(o, estimate.examples, estimate.tokens, estimate.positions);
  const cacheBytes = teacherCacheBytes({
    examples: estimate.examples,
    slots: o.maxPredictionsPerSeq,
    k: s.teacherForm.k,
    batchSize: s.teacherForm.batchSize,
    vocabSize: teacher?.vocabSize ?? 65536,
  });
  const teacherSeconds =
    teacher && teacherRate
      ? secondsAt(teacherPassFlops(estimate.examples, modelSize(teacher.config), o), teacherRate.gflops)
      : null;
  return {
    sources,
    pending,
    estimate,
    uncapped,
    setBytes,
    cacheBytes,
    teacherSeconds,
    teacherRate,
    warnings: costWarnings({ seconds: teacherSeconds, bytes: setBytes + cacheBytes, storage: storageRoom(s) }),
  };
}

export interface TeacherPassEstimate {
  examples: number;
  /** masked positions (from the set's estimate; every slot is stored either way) */
  positions: number | null;
  cacheBytes: number;
  seconds: number | null;
  rate: MeasuredRate | null;
  warnings: CostWarning[];
}

/** What a teacher pass over a set with this k and batch will store and take; null without the set or a teacher. */
export function teacherPassEstimate(
  s: AppState,
  setId: string,
  k: number,
  batchSize: number,
): TeacherPassEstimate | null {
  const set = s.exampleSets.find((e) => e.id === setId);
  const teacher = s.models.find((m) => m.id === s.teacherId)?.info;
  if (!set || !teacher || !(k >= 1) || !(batchSize >= 1)) return null;
  const o = set.options;
  const cacheBytes = teacherCacheBytes({
    examples: set.count,
    slots: o.maxPredictionsPerSeq,
    k,
    batchSize,
    vocabSize: teacher.vocabSize,
  });
  const rate = measuredRate(s, 'teacher');
  const seconds = rate ? secondsAt(teacherPassFlops(set.count, modelSize(teacher.config), o), rate.gflops) : null;
  const positions =
    set.estimate && set.estimate.examples > 0
      ? Math.round((set.estimate.positions * set.count) / set.estimate.examples)
      : null;
  return {
    examples: set.count,
    positions,
    cacheBytes,
    seconds,
    rate,
    warnings: costWarnings({ seconds, bytes: cacheBytes, storage: storageRoom(s) }),
  };
}

export interface TrainingEstimate {
  steps: number;
  examplesPerStep: number;
  /** passes over the training examples */
  epochs: number;
  heldOut: number;
  evaluations: number;
  seconds: number | null;
  rate: MeasuredRate | null;
  warnings: CostWarning[];
}

/** What a run with the form's config on this cache will take; null without the cache, its set or the student's size. */
export function trainingEstimate(s: AppState, cacheId: string, cfg: RunConfig): TrainingEstimate | null {
  const cache = s.teacherCaches.find((c) => c.id === cacheId);
  const set = cache && s.exampleSets.find((e) => e.id === cache.exampleSetId);
  const student = s.studentInfo;
  if (!cache || !set || !student) return null;
  const steps = cfg.schedule.numTrainSteps;
  const heldOut = heldOutCount(set.count);
  const evaluations = heldOut > 0 && cfg.evalEvery > 0 ? Math.floor(steps / cfg.evalEvery) + 1 : 0;
  const rate = measuredRate(s, 'train');
  const flops = trainingFlops(
    { steps, examplesPerStep: cfg.batchSize, evaluations, heldOut },
    modelSize(student.config),
    set.options,
  );
  const seconds = rate ? secondsAt(flops, rate.gflops) : null;
  return {
    steps,
    examplesPerStep: cfg.batchSize,
    epochs: set.count - heldOut > 0 ? (steps * cfg.batchSize) / (set.count - heldOut) : 0,
    heldOut,
    evaluations,
    seconds,
    rate,
    warnings: costWarnings({ seconds, bytes: 0, storage: null }),
  };
}
