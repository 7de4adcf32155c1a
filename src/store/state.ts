/**
 * The workbench's state: the types of what the page shows (corpora, models,
 * example sets, teacher caches, runs, metrics, the forms, the demo) and the
 * one zustand store holding it. No actions here and no I/O: the actions are
 * one module per area (corpora.ts, models.ts, examples.ts, teacherPass.ts,
 * runs.ts, predictions.ts, downloads.ts, demo.ts), the worker jobs go
 * through jobRunner.ts, and persistence.ts saves and restores the state.
 */
import { create } from 'zustand';
import type { BackendReport } from '../contract/backendReport.ts';
import type {
  CorpusStatsResult,
  CountProgress,
  DevPoint,
  EvalSpec,
  FineTuneResult,
  TaskFileInfo,
  EvalPoint,
  MetricPoint,
  ModelInfo,
  PredictionRow,
  RunConfig,
  StudentInfo,
  StudentSpec,
  TeacherCacheRef,
  TensorMemory,
  TokenPreviewResult,
  WorkerKind,
} from '../contract/jobs.ts';
import { PRETRAINING_DEFAULTS, type PretrainingOptions } from '../core/examples/createPretrainingData.ts';
import type { CorpusTokenStats } from '../core/estimate/corpusTokens.ts';
import type { ModelSize } from '../core/estimate/jobCost.ts';
import { LOSS_PRESETS } from '../core/distill/lossConfig.ts';
import { FINETUNE_DEFAULTS, type FineTuneOptions } from '../core/finetune/fineTuneOptions.ts';

/** A long job's state; `stopping`: Stop was pressed, the worker ends after its current batch or step. */
export type JobStatus = 'running' | 'paused' | 'stopping' | 'ready' | 'error' | 'interrupted' | 'stopped';

/** True while an entry's job is in a worker (running, paused, or stopping after its current batch). */
export function isActive(status: string): boolean {
  return status === 'running' || status === 'paused' || status === 'stopping';
}

/** A worker's backend as the header reports it (absent until the worker has started, or when it has none). */
export function workerBackendName(s: Pick<AppState, 'backends'>, worker: WorkerKind): string | undefined {
  const report = s.backends[worker];
  return report && 'backend' in report ? report.backend : undefined;
}

/** A corpus's tokens, [UNK] and document lengths with one vocabulary (core's corpusTokenStats). */
export interface CorpusTokens extends CorpusTokenStats {
  vocabModelId: string;
  doLowerCase: boolean;
}

export interface CorpusEntry {
  id: string;
  name: string;
  size: number;
  status: 'reading' | 'ready' | 'error';
  /** 'demo': added by "Try the demo" */
  origin?: 'demo';
  stats?: CorpusStatsResult;
  /** tokens and [UNK] with the vocabulary that tokenizes corpora (counted after reading, again when it changes) */
  tokens?: CorpusTokens;
  tokensProgress?: CountProgress;
  tokensError?: string;
  preview?: TokenPreviewResult;
  progress?: CountProgress;
  error?: string;
}

export interface ModelEntry {
  id: string;
  name: string;
  files: string[];
  sizeBytes: number;
  status: 'loading' | 'ready' | 'error';
  info?: ModelInfo;
  error?: string;
  /** 'vocabulary': a vocab.txt dropped alone (no weights): it tokenizes corpora or replaces a checkpoint's */
  kind?: 'checkpoint' | 'vocabulary';
  /** a vocabulary's number of tokens */
  vocabSize?: number;
  /** dropped files that are not the model's (other folders, e.g. sentence-transformers' 1_Pooling/) */
  ignored?: string[];
}

/** A corpus an example set was built from, kept on the set so it still shows after the corpus is removed. */
export interface ExampleSource {
  name: string;
  bytes: number;
  /** the file's content key (core's contentKey), when known */
  contentKey?: string;
}

export interface ExampleSetEntry {
  id: string;
  /** its sources and flags (core's exampleSetName); sets saved before names had none */
  name?: string;
  sources?: ExampleSource[];
  /** the cap on its examples (null or absent: none) */
  maxExamples?: number | null;
  /** what the estimate said before the build (shown beside the count) */
  estimate?: { examples: number; tokens: number; positions: number; spread?: number };
  corpusIds: string[];
  vocabModelId: string;
  /** what the set was built with (core's create_pretraining_data options) */
  options: PretrainingOptions;
  status: JobStatus;
  count: number;
  storedBytes: number;
  progress?: CountProgress;
  error?: string;
  createdAt: number;
}

export interface TeacherCacheEntry {
  id: string;
  modelId: string;
  exampleSetId: string;
  k: number;
  batchSize: number;
  status: JobStatus;
  /** masked positions (real prediction slots) of the examples done; before `slots` was recorded, the slots */
  positions: number;
  /** prediction slots stored (examples × max_predictions_per_seq, padding included); absent in older entries */
  slots?: number;
  /** the teacher worker's backend when the pass was started (its rate then times the next pass's estimate) */
  backend?: string;
  storedBytes: number;
  /** the engine's cache key and layout, known once the pass has started */
  ref?: TeacherCacheRef;
  progress?: CountProgress;
  error?: string;
}

export interface RunEntry {
  id: string;
  /** the researcher's name for the run ("run N" until renamed) */
  name: string;
  /** the researcher's notes on the run */
  notes?: string;
  /** the training worker's backend when the run was started (webgpu, wasm…) */
  backend?: string;
  /** the student's size when the run was made (its logged rate then times the next run's estimate) */
  studentSize?: ModelSize;
  /** the run's colour in the charts and tables, given when it is made (runColors.ts) */
  color?: string;
  teacherId: string;
  cacheId: string;
  cache: TeacherCacheRef;
  exampleSetId: string;
  student: StudentSpec;
  config: RunConfig;
  status: JobStatus;
  step: number;
  lastCheckpointStep: number;
  error?: string;
  message?: string;
  createdAt: number;
}

/** A dropped downstream-task file (stored in the files database, read by the data worker). */
export interface TaskFileEntry {
  id: string;
  name: string;
  size: number;
  status: 'reading' | 'ready' | 'error';
  info?: TaskFileInfo;
  error?: string;
}

/** Which model an evaluation fine-tunes: the teacher, a run's student, or a fresh model of the student's config. */
export type EvalModelRole = 'teacher' | 'student' | 'fresh';

/** A fine-tuning evaluation of one model on one task (the Evaluate panel). */
export interface EvaluationEntry {
  id: string;
  /** what the results table calls the task (e.g. "lcqmc (dev.tsv)") */
  taskLabel: string;
  /** the same task (files and labels) gives the same key: rows of one task compare with its teacher's */
  taskKey: string;
  modelLabel: string;
  role: EvalModelRole;
  /** the teacher this model comes from (itself for the teacher) */
  teacherId: string;
  spec: EvalSpec;
  status: JobStatus;
  step: number;
  totalSteps: number;
  lastCheckpointStep: number;
  /** dev-set evaluations so far */
  dev: DevPoint[];
  result?: FineTuneResult;
  message?: string;
  error?: string;
  createdAt: number;
}

/** The Evaluate form: run_classifier's options plus how often to evaluate and checkpoint. */
export interface EvalForm {
  options: FineTuneOptions;
  evalEvery: number;
  checkpointEvery: number;
}

/** run_classifier's defaults, sized down for a browser and the demo's small models. */
export const DEFAULT_EVAL_FORM: EvalForm = {
  options: { ...FINETUNE_DEFAULTS, maxSeqLength: 64, trainBatchSize: 16, evalBatchSize: 32, learningRate: 1e-4 },
  evalEvery: 50,
  checkpointEvery: 50,
};

export interface QuotaInfo {
  usage: number;
  quota: number;
  persisted: boolean | null;
}

/** The teacher-pass form: create_teacher_output_data's truncation_factor (top k) and predict_batch_size. */
export interface TeacherForm {
  k: number;
  batchSize: number;
}

/** The teacher-pass form's defaults: the original's top-128, a batch that fits a browser. */
export const DEFAULT_TEACHER_FORM: TeacherForm = { k: 128, batchSize: 8 };

/** The run form's defaults: the original's loss (core's preset), a short schedule for a browser. */
export const DEFAULT_RUN: RunConfig = {
  lossPreset: 'seed',
  loss: LOSS_PRESETS.seed,
  schedule: { learningRate: 1e-4, numWarmupSteps: 100, numTrainSteps: 10000 },
  batchSize: 32,
  gradientAccumulationSteps: 1,
  seed: 12345,
  evalEvery: 200,
  checkpointEvery: 200,
};

/** The stages of "Try the demo", in order. */
export type DemoStage = 'fetch' | 'corpus' | 'teacher' | 'student' | 'examples' | 'teacherPass' | 'training';

export interface DemoState {
  /** idle: not started; working: a stage is in progress; training: the demo run was started (or resumed); error: a stage failed. */
  status: 'idle' | 'working' | 'training' | 'error';
  stage: DemoStage | null;
  /** Bytes fetched from the page's origin (total 0 when the server sent no lengths). */
  fetched: { done: number; total: number } | null;
  error: string | null;
  /** What the demo uses (ids of the store's entries), found again or made by this press. */
  corpusId?: string;
  modelId?: string;
  exampleSetId?: string;
  cacheId?: string;
  runId?: string;
  /** Stages whose stored result was reused rather than made again. */
  reused: DemoStage[];
  /** A one-line note: what was reused, or why nothing new was started. */
  note?: string;
  startedAt: number | null;
}

/** Everything the page shows; the entries and form fields listed in persistence.ts are saved. */
export interface AppState {
  restored: boolean;
  demo: DemoState;
  backends: Partial<Record<WorkerKind, BackendReport | { error: string }>>;
  quota: QuotaInfo | null;
  storageError: string | null;
  corpora: CorpusEntry[];
  dropError: string | null;
  models: ModelEntry[];
  modelDropError: string | null;
  teacherId: string | null;
  /** a dropped vocabulary that tokenizes the corpora instead of the teacher's (null: the teacher's) */
  vocabularyId: string | null;
  studentSpec: StudentSpec;
  studentInfo: StudentInfo | null;
  studentError: string | null;
  /** each tensor worker's tf.memory(), as last asked (not saved) */
  workerMemory: Partial<Record<WorkerKind, TensorMemory>>;
  /** the Examples form: core's create_pretraining_data options (the form labels them with the original scripts' flag names) */
  exampleOptions: PretrainingOptions;
  /** the corpora ticked for the next example set (null: the default choice, see examples.ts) */
  exampleSources: string[] | null;
  /** at most this many examples in the next set (null: no cap) */
  exampleCap: number | null;
  exampleSets: ExampleSetEntry[];
  teacherCaches: TeacherCacheEntry[];
  /** the Teacher pass form (the demo sets it to its own k and batch) */
  teacherForm: TeacherForm;
  runConfig: RunConfig;
  runs: RunEntry[];
  metrics: Record<string, MetricPoint[]>;
  evals: Record<string, EvalPoint[]>;
  chartRunIds: string[];
  /** runs ticked in the runs table to compare side by side */
  compareRunIds: string[];
  predictions: { teacher?: PredictionRow[]; student?: PredictionRow[]; error?: string; busy: boolean };
  downloadError: string | null;
  downloadBusy: string | null;
  taskFiles: TaskFileEntry[];
  taskDropError: string | null;
  evalForm: EvalForm;
  evaluations: EvaluationEntry[];
  evalError: string | null;
  evalDownloadBusy: string | null;
}

export const useApp = create<AppState>(() => ({
  restored: false,
  demo: { status: 'idle', stage: null, fetched: null, error: null, reused: [], startedAt: null },
  backends: {},
  quota: null,
  storageError: null,
  corpora: [],
  dropError: null,
  models: [],
  modelDropError: null,
  teacherId: null,
  vocabularyId: null,
  studentSpec: { kind: 'layers', layers: [0, 1, 2] },
  studentInfo: null,
  studentError: null,
  workerMemory: {},
  exampleOptions: PRETRAINING_DEFAULTS,
  exampleSources: null,
  exampleCap: null,
  exampleSets: [],
  teacherCaches: [],
  teacherForm: DEFAULT_TEACHER_FORM,
  runConfig: DEFAULT_RUN,
  runs: [],
  metrics: {},
  evals: {},
  chartRunIds: [],
  compareRunIds: [],
  predictions: { busy: false },
  downloadError: null,
  downloadBusy: null,
  taskFiles: [],
  taskDropError: null,
  evalForm: DEFAULT_EVAL_FORM,
  evaluations: [],
  evalError: null,
  evalDownloadBusy: null,
}));

/** Resolves with the first truthy value `pick` returns for the state, now or after a later change. */
export function waitForState<T>(pick: (s: AppState) => T | null | undefined | false): Promise<T> {
  return new Promise((resolve) => {
    const now = pick(useApp.getState());
    if (now) return resolve(now);
    const unsubscribe = useApp.subscribe((s) => {
      const v = pick(s);
      if (v) {
        unsubscribe();
        resolve(v);
      }
    });
  });
}

/** The lists of entries, by the entry type each holds. */
export interface EntryAreas {
  corpora: CorpusEntry;
  models: ModelEntry;
  exampleSets: ExampleSetEntry;
  teacherCaches: TeacherCacheEntry;
  runs: RunEntry;
  taskFiles: TaskFileEntry;
  evaluations: EvaluationEntry;
}

/** Changes one entry of a list (nothing when the id is gone, e.g. removed meanwhile). */
export function patchEntry<A extends keyof EntryAreas>(area: A, id: string, p: Partial<EntryAreas[A]>): void {
  useApp.setState(
    (s) =>
      ({
        [area]: (s[area] as EntryAreas[A][]).map((e) => (e.id === id ? { ...e, ...p } : e)),
      }) as Partial<AppState>,
  );
}

/** A new entry id: the prefix, the time and a random part. */
export function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** The model whose vocab.txt tokenizes corpora: the chosen vocabulary, else the teacher. */
export function corpusVocabId(s: Pick<AppState, 'vocabularyId' | 'teacherId'>): string | null {
  return s.vocabularyId ?? s.teacherId;
}
