/**
 * The workbench's state (zustand) and the actions that steer the workers.
 * Everything worth keeping (corpora, models, example sets, teacher caches,
 * runs, metric histories) is written to IndexedDB (src/contract/storageLayout.ts)
 * as it changes, and read back by `restore()` on load, so a reload shows what
 * was there; jobs that were running when the page closed are marked
 * "interrupted" and offer to resume. No computation happens here: the
 * workers compute, this file routes messages and keeps records.
 */
import { create } from 'zustand';
import type { BackendReport } from '../contract/backendReport.ts';
import type {
  CorpusStatsResult,
  CountProgress,
  EvalPoint,
  MetricPoint,
  ModelInfo,
  PredictionRow,
  RunConfig,
  RunSpec,
  StudentSpec,
  TeacherCacheRef,
  TokenPreviewResult,
  WorkerKind,
} from '../contract/jobs.ts';
import { fileKey, metricsKey, storeOf } from '../contract/storageLayout.ts';
import { PRETRAINING_DEFAULTS, type PretrainingOptions } from '../core/examples/createPretrainingData.ts';
import { LOSS_PRESETS } from '../core/distill/lossPresets.ts';
import { deleteExampleSet } from '../core/examples/exampleSetStore.ts';
import { callWorker, onBackendReport, warmWorker, type JobHandle } from './workerClient.ts';
import { describeError } from './errors.ts';
import { migrateSavedMeta, restoreOptions, restoreRunConfig, type SavedMeta } from './migrate.ts';

export type JobStatus = 'running' | 'paused' | 'ready' | 'error' | 'interrupted' | 'stopped';

export interface CorpusEntry {
  id: string;
  name: string;
  size: number;
  status: 'reading' | 'ready' | 'error';
  stats?: CorpusStatsResult;
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
}

export interface ExampleSetEntry {
  id: string;
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
  positions: number;
  storedBytes: number;
  /** the engine's cache key and layout, known once the pass has started */
  ref?: TeacherCacheRef;
  progress?: CountProgress;
  error?: string;
}

export interface RunEntry {
  id: string;
  name: string;
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

export interface QuotaInfo {
  usage: number;
  quota: number;
  persisted: boolean | null;
}

/** The run form's defaults: the seed's loss (core's preset), a short schedule for a browser. */
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

interface State {
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
  studentSpec: StudentSpec;
  studentInfo: ModelInfo | null;
  studentError: string | null;
  /** the Examples form: core's create_pretraining_data options (the form labels them with the seed's flag names) */
  exampleOptions: PretrainingOptions;
  exampleSets: ExampleSetEntry[];
  teacherCaches: TeacherCacheEntry[];
  runConfig: RunConfig;
  runs: RunEntry[];
  metrics: Record<string, MetricPoint[]>;
  evals: Record<string, EvalPoint[]>;
  chartRunIds: string[];
  predictions: { teacher?: PredictionRow[]; student?: PredictionRow[]; error?: string; busy: boolean };
  downloadError: string | null;
  downloadBusy: string | null;
}

export const useApp = create<State>(() => ({
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
  studentSpec: { kind: 'layers', layers: [0, 1, 2] },
  studentInfo: null,
  studentError: null,
  exampleOptions: PRETRAINING_DEFAULTS,
  exampleSets: [],
  teacherCaches: [],
  runConfig: DEFAULT_RUN,
  runs: [],
  metrics: {},
  evals: {},
  chartRunIds: [],
  predictions: { busy: false },
  downloadError: null,
  downloadBusy: null,
}));

const set = useApp.setState;
const get = useApp.getState;

/** Resolves with the first truthy value `pick` returns for the state, now or after a later change. */
export function waitForState<T>(pick: (s: State) => T | null | undefined | false): Promise<T> {
  return new Promise((resolve) => {
    const now = pick(get());
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

const handles = new Map<
  string,
  JobHandle<never> | JobHandle<'train'> | JobHandle<'teacherPass'> | JobHandle<'buildExamples'>
>();

function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

function patch<T extends { id: string }>(
  key: 'corpora' | 'models' | 'exampleSets' | 'teacherCaches' | 'runs',
  id: string,
  p: Partial<T>,
): void {
  set((s) => ({ [key]: (s[key] as unknown as T[]).map((e) => (e.id === id ? { ...e, ...p } : e)) }) as Partial<State>);
  scheduleSave();
}

// ---- persistence -------------------------------------------------------------

let saveTimer: ReturnType<typeof setTimeout> | null = null;
function scheduleSave(): void {
  if (saveTimer) return;
  saveTimer = setTimeout(() => {
    saveTimer = null;
    void saveMeta();
  }, 300);
}

async function saveMeta(): Promise<void> {
  const s = get();
  const strip = <T extends { progress?: unknown }>(a: T[]) => a.map(({ progress: _p, ...rest }) => rest);
  try {
    await storeOf('meta').setMany([
      ['corpora', s.corpora],
      ['models', s.models],
      ['exampleSets', strip(s.exampleSets)],
      // A teacher cache keeps its last progress: after a reload it shows how far the pass got.
      ['teacherCaches', s.teacherCaches],
      ['runs', s.runs],
      [
        'ui',
        {
          teacherId: s.teacherId,
          studentSpec: s.studentSpec,
          exampleOptions: s.exampleOptions,
          runConfig: s.runConfig,
          chartRunIds: s.chartRunIds,
        },
      ],
    ]);
    set({ storageError: null });
  } catch (err) {
    set({ storageError: `Could not save the workbench state: ${describeError(err)}` });
  }
}

/** Reads everything back from IndexedDB; jobs that were running become "interrupted". */
export async function restore(): Promise<void> {
  onBackendReport((kind, report) => set((s) => ({ backends: { ...s.backends, [kind]: report } })));
  try {
    const meta = storeOf('meta');
    const [corpora, models, savedSets, teacherCaches, savedRuns, savedUi] = await Promise.all(
      ['corpora', 'models', 'exampleSets', 'teacherCaches', 'runs', 'ui'].map((k) => meta.get(k)),
    );
    // State saved by an older version (snake_case example flags, the old run config) is converted once.
    const { meta: saved, migrated } = migrateSavedMeta(
      { exampleSets: savedSets, runs: savedRuns, ui: savedUi } as SavedMeta,
      DEFAULT_RUN,
    );
    const { exampleSets, runs, ui } = saved;
    const interrupted = <T extends { status: string }>(a: unknown): T[] =>
      ((a as T[] | undefined) ?? []).map((e) =>
        e.status === 'running' || e.status === 'paused' ? { ...e, status: 'interrupted' } : e,
      );
    const uiState = (ui ?? {}) as Partial<State>;
    const runList = interrupted<RunEntry>(runs);
    set({
      corpora: ((corpora as CorpusEntry[] | undefined) ?? []).map((c) =>
        c.status === 'reading'
          ? { ...c, status: 'error', error: 'reading was interrupted by a reload; remove and drop the file again' }
          : c,
      ),
      models: ((models as ModelEntry[] | undefined) ?? []).map((m) =>
        m.status === 'loading'
          ? { ...m, status: 'error', error: 'loading was interrupted by a reload; drop the files again' }
          : m,
      ),
      exampleSets: interrupted<ExampleSetEntry>(exampleSets),
      teacherCaches: interrupted<TeacherCacheEntry>(teacherCaches),
      runs: runList,
      teacherId: uiState.teacherId ?? null,
      studentSpec: uiState.studentSpec ?? get().studentSpec,
      exampleOptions: restoreOptions(uiState.exampleOptions),
      runConfig: restoreRunConfig(uiState.runConfig, DEFAULT_RUN),
      chartRunIds: uiState.chartRunIds ?? runList.map((r) => r.id),
    });
    if (migrated) scheduleSave();
    for (const r of runList) await loadMetrics(r.id);
  } catch (err) {
    set({ storageError: `Could not read the stored workbench state: ${describeError(err)}` });
  }
  set({ restored: true });
  void refreshQuota(true);
  for (const k of ['data', 'teacher', 'train'] as WorkerKind[]) warmWorker(k);
}

async function loadMetrics(runId: string): Promise<void> {
  const store = storeOf('metrics');
  const keys = await store.keys(metricsKey.chunkPrefix(runId));
  const chunks = await Promise.all(keys.map((k) => store.get(k)));
  const points = (chunks as MetricPoint[][]).flat().sort((a, b) => a.step - b.step);
  // Keep the last value for a step (a resumed run repeats steps after its checkpoint).
  const byStep = new Map<number, MetricPoint>();
  for (const p of points) byStep.set(p.step, p);
  const evals = ((await store.get(metricsKey.eval(runId))) as EvalPoint[] | undefined) ?? [];
  set((s) => ({ metrics: { ...s.metrics, [runId]: [...byStep.values()] }, evals: { ...s.evals, [runId]: evals } }));
  metricChunks.set(runId, keys.length);
}

const metricChunks = new Map<string, number>();
const unsaved = new Map<string, MetricPoint[]>();
let metricTimer: ReturnType<typeof setTimeout> | null = null;

function queueMetrics(runId: string, points: MetricPoint[]): void {
  unsaved.set(runId, [...(unsaved.get(runId) ?? []), ...points]);
  if (!metricTimer) metricTimer = setTimeout(flushMetrics, 1000);
}

async function flushMetrics(): Promise<void> {
  metricTimer = null;
  const store = storeOf('metrics');
  for (const [runId, points] of [...unsaved]) {
    unsaved.delete(runId);
    if (points.length === 0) continue;
    const chunk = metricChunks.get(runId) ?? 0;
    metricChunks.set(runId, chunk + 1);
    try {
      await store.setMany([
        [metricsKey.chunk(runId, chunk), points],
        [metricsKey.eval(runId), get().evals[runId] ?? []],
      ]);
    } catch (err) {
      set({ storageError: `Could not save metrics of ${runId}: ${describeError(err)}` });
    }
  }
}

export async function refreshQuota(askPersist = false): Promise<void> {
  const storage = navigator.storage;
  if (!storage?.estimate) return;
  let persisted: boolean | null = null;
  try {
    persisted = askPersist && storage.persist ? await storage.persist() : ((await storage.persisted?.()) ?? null);
  } catch {
    persisted = null;
  }
  const e = await storage.estimate();
  set({ quota: { usage: e.usage ?? 0, quota: e.quota ?? 0, persisted } });
}

// ---- corpora ---------------------------------------------------------------------

const CORPUS_EXT = /\.(txt|text|jsonl|json|ndjson)$/i;

/** Stores dropped corpus files and starts reading them; returns the ids of the accepted ones. */
export async function addCorpusFiles(files: File[]): Promise<string[]> {
  const ids: string[] = [];
  const rejected = files.filter((f) => !CORPUS_EXT.test(f.name));
  set({
    dropError: rejected.length
      ? `Not a corpus file: ${rejected.map((f) => f.name).join(', ')} (use .txt, .jsonl or .json)`
      : null,
  });
  for (const file of files.filter((f) => CORPUS_EXT.test(f.name))) {
    const id = newId('corpus');
    set((s) => ({ corpora: [...s.corpora, { id, name: file.name, size: file.size, status: 'reading' }] }));
    try {
      await storeOf('files').set(fileKey.corpus(id), file);
    } catch (err) {
      patch<CorpusEntry>('corpora', id, {
        status: 'error',
        error: `${file.name}: could not be stored: ${describeError(err)}`,
      });
      continue;
    }
    ids.push(id);
    scheduleSave();
    void readCorpus(id);
  }
  void refreshQuota();
  return ids;
}

async function readCorpus(id: string): Promise<void> {
  const entry = get().corpora.find((c) => c.id === id);
  if (!entry) return;
  try {
    const stats = await callWorker('data', 'corpusStats', { corpusId: id }, (p) =>
      patch<CorpusEntry>('corpora', id, { progress: p }),
    ).result;
    patch<CorpusEntry>('corpora', id, { status: 'ready', stats, progress: undefined, error: undefined });
    await previewCorpus(id);
  } catch (err) {
    patch<CorpusEntry>('corpora', id, { status: 'error', progress: undefined, error: describeError(err, entry.name) });
  }
}

export async function previewCorpus(id: string): Promise<void> {
  const s = get();
  try {
    const preview = await callWorker('data', 'tokenPreview', {
      corpusId: id,
      vocabModelId: s.teacherId ?? undefined,
      doLowerCase: s.exampleOptions.doLowerCase,
      maxChars: 300,
    }).result;
    patch<CorpusEntry>('corpora', id, { preview });
  } catch (err) {
    patch<CorpusEntry>('corpora', id, { preview: { text: '', tokens: [], words: [], note: describeError(err) } });
  }
}

export async function removeCorpus(id: string): Promise<void> {
  set((s) => ({ corpora: s.corpora.filter((c) => c.id !== id) }));
  scheduleSave();
  await storeOf('files')
    .del(fileKey.corpus(id))
    .catch(() => {});
}

// ---- models ----------------------------------------------------------------------

/** Stores a model's files and inspects them; returns the new entry's id (check its status), null for no files. */
export async function addModelFiles(files: File[], displayName?: string): Promise<string | null> {
  set({ modelDropError: null });
  if (files.length === 0) return null;
  const id = newId('model');
  const folder = (files[0] as File & { webkitRelativePath?: string }).webkitRelativePath?.split('/')[0];
  const name = displayName || folder || files.map((f) => f.name).join(', ');
  set((s) => ({
    models: [
      ...s.models,
      {
        id,
        name,
        files: files.map((f) => f.name),
        sizeBytes: files.reduce((n, f) => n + f.size, 0),
        status: 'loading',
      },
    ],
  }));
  try {
    await storeOf('files').setMany(files.map((f) => [fileKey.model(id, f.name), f]));
  } catch (err) {
    patch<ModelEntry>('models', id, { status: 'error', error: `could not be stored: ${describeError(err)}` });
    return id;
  }
  try {
    const info = await callWorker('teacher', 'inspectModel', { modelId: id }).result;
    patch<ModelEntry>('models', id, { status: 'ready', info });
    if (!get().teacherId && info.hasMlmHead) selectTeacher(id);
  } catch (err) {
    patch<ModelEntry>('models', id, { status: 'error', error: describeError(err) });
  }
  void refreshQuota();
  return id;
}

export function selectTeacher(id: string): void {
  set({ teacherId: id });
  scheduleSave();
  void refreshStudent();
  for (const c of get().corpora) if (c.status === 'ready') void previewCorpus(c.id);
}

export async function removeModel(id: string): Promise<void> {
  set((s) => ({ models: s.models.filter((m) => m.id !== id), teacherId: s.teacherId === id ? null : s.teacherId }));
  scheduleSave();
  const files = storeOf('files');
  for (const k of await files.keys(fileKey.modelPrefix(id))) await files.del(k);
}

/** Sets the student spec; the returned promise settles once the student's info (or error) is shown. */
export function setStudentSpec(spec: StudentSpec): Promise<void> {
  set({ studentSpec: spec });
  scheduleSave();
  return refreshStudent();
}

async function refreshStudent(): Promise<void> {
  const { teacherId, studentSpec } = get();
  if (!teacherId) return;
  try {
    const info = await callWorker('teacher', 'studentInfo', { teacherId, spec: studentSpec }).result;
    set({ studentInfo: info, studentError: null });
  } catch (err) {
    set({ studentInfo: null, studentError: describeError(err) });
  }
}

// ---- examples --------------------------------------------------------------------

export function setExampleOptions(p: Partial<PretrainingOptions>): void {
  set((s) => ({ exampleOptions: { ...s.exampleOptions, ...p } }));
  scheduleSave();
}

/**
 * Builds an example set from the given corpora (default: every ready corpus) with the form's
 * options; resolves with the set's id once it is finished (check its status: errors are kept on it).
 */
export async function buildExamples(only?: string[]): Promise<string> {
  const s = get();
  const corpusIds = s.corpora.filter((c) => c.status === 'ready' && (!only || only.includes(c.id))).map((c) => c.id);
  if (!s.teacherId) throw new Error('load a teacher first: its vocabulary tokenizes the corpus');
  if (corpusIds.length === 0) throw new Error('drop a corpus first');
  const id = newId('examples');
  const entry: ExampleSetEntry = {
    id,
    corpusIds,
    vocabModelId: s.teacherId,
    options: s.exampleOptions,
    status: 'running',
    count: 0,
    storedBytes: 0,
    createdAt: Date.now(),
  };
  set((st) => ({ exampleSets: [...st.exampleSets, entry] }));
  scheduleSave();
  const h = callWorker(
    'data',
    'buildExamples',
    { setId: id, corpusIds, vocabModelId: s.teacherId, options: s.exampleOptions },
    (p) =>
      patch<ExampleSetEntry>('exampleSets', id, {
        progress: p,
        count: p.produced ?? 0,
        storedBytes: p.storedBytes ?? 0,
      }),
  );
  handles.set(id, h);
  try {
    const out = await h.result;
    patch<ExampleSetEntry>('exampleSets', id, { status: 'ready', count: out.count, storedBytes: out.storedBytes });
  } catch (err) {
    patch<ExampleSetEntry>('exampleSets', id, { status: 'error', error: describeError(err) });
  } finally {
    handles.delete(id);
    void refreshQuota();
  }
  return id;
}

export async function removeExampleSet(id: string): Promise<void> {
  handles.get(id)?.control('stop');
  set((s) => ({ exampleSets: s.exampleSets.filter((e) => e.id !== id) }));
  scheduleSave();
  await deleteExampleSet(storeOf('examples'), id);
}

// ---- teacher pass ----------------------------------------------------------------

/** Runs (or continues) a teacher pass; resolves with the cache's id when it ends (check its status). */
export async function startTeacherPass(
  exampleSetId: string,
  k: number,
  batchSize: number,
  resumeId?: string,
): Promise<string> {
  const s = get();
  const modelId = resumeId ? s.teacherCaches.find((c) => c.id === resumeId)!.modelId : s.teacherId;
  if (!modelId) throw new Error('load a teacher first');
  const id = resumeId ?? newId('cache');
  if (!resumeId) {
    set((st) => ({
      teacherCaches: [
        ...st.teacherCaches,
        { id, modelId, exampleSetId, k, batchSize, status: 'running', positions: 0, storedBytes: 0 },
      ],
    }));
  } else patch<TeacherCacheEntry>('teacherCaches', id, { status: 'running', error: undefined });
  scheduleSave();
  const h = callWorker('teacher', 'teacherPass', { cacheId: id, modelId, exampleSetId, k, batchSize }, (p) =>
    patch<TeacherCacheEntry>('teacherCaches', id, { progress: p, storedBytes: p.storedBytes ?? 0 }),
  );
  handles.set(id, h);
  try {
    const out = await h.result;
    patch<TeacherCacheEntry>('teacherCaches', id, {
      status: out.complete ? 'ready' : 'stopped',
      positions: out.positions,
      storedBytes: out.storedBytes,
      ref: out.cache,
    });
  } catch (err) {
    patch<TeacherCacheEntry>('teacherCaches', id, { status: 'error', error: describeError(err) });
  } finally {
    handles.delete(id);
    void refreshQuota();
  }
  return id;
}

export function controlJob(id: string, action: 'pause' | 'resume' | 'stop'): void {
  handles.get(id)?.control(action);
  const status: JobStatus = action === 'pause' ? 'paused' : action === 'resume' ? 'running' : 'running';
  for (const key of ['teacherCaches', 'runs', 'exampleSets'] as const) {
    if ((get()[key] as { id: string }[]).some((e) => e.id === id) && action !== 'stop')
      patch<{ id: string; status: JobStatus }>(key, id, { status });
  }
}

// ---- training ----------------------------------------------------------------------

export function setRunConfig(p: Partial<RunConfig>): void {
  set((s) => ({ runConfig: { ...s.runConfig, ...p } }));
  scheduleSave();
}

/** Starts a run on a finished teacher cache with the form's config; resolves when it ends. */
export async function startRun(cacheId: string): Promise<void> {
  await driveRun(createRun(cacheId), false);
}

/** Adds a run entry (not started yet: `driveRun` starts it) and returns its id. */
export function createRun(cacheId: string): string {
  const s = get();
  const cache = s.teacherCaches.find((c) => c.id === cacheId);
  if (!cache?.ref) throw new Error('run the teacher pass first');
  const id = newId('run');
  const run: RunEntry = {
    id,
    name: `run ${s.runs.length + 1}`,
    teacherId: cache.modelId,
    cacheId,
    cache: cache.ref,
    exampleSetId: cache.exampleSetId,
    student: s.studentSpec,
    config: s.runConfig,
    status: 'running',
    step: 0,
    lastCheckpointStep: 0,
    createdAt: Date.now(),
  };
  set((st) => ({
    runs: [...st.runs, run],
    chartRunIds: [...st.chartRunIds, id],
    metrics: { ...st.metrics, [id]: [] },
    evals: { ...st.evals, [id]: [] },
  }));
  scheduleSave();
  return id;
}

export async function resumeRun(id: string): Promise<void> {
  patch<RunEntry>('runs', id, { status: 'running', error: undefined });
  await driveRun(id, true);
}

function runSpec(run: RunEntry): RunSpec {
  return {
    runId: run.id,
    teacherId: run.teacherId,
    exampleSetId: run.exampleSetId,
    cache: run.cache,
    student: run.student,
    config: run.config,
  };
}

/** Trains a run in the training worker (from its checkpoint when `resume`); resolves when it ends. */
export async function driveRun(id: string, resume: boolean): Promise<void> {
  const run = get().runs.find((r) => r.id === id)!;
  const h = callWorker('train', 'train', { run: runSpec(run), resume }, (p) => {
    if (p.kind === 'metrics' && p.points.length) {
      const first = p.points[0].step;
      const last = p.points[p.points.length - 1].step;
      set((s) => ({
        metrics: { ...s.metrics, [id]: [...(s.metrics[id] ?? []).filter((m) => m.step < first), ...p.points] },
      }));
      queueMetrics(id, p.points);
      patch<RunEntry>('runs', id, { step: last });
    } else if (p.kind === 'eval') {
      set((s) => ({
        evals: { ...s.evals, [id]: [...(s.evals[id] ?? []).filter((e) => e.step < p.point.step), p.point] },
      }));
    } else if (p.kind === 'checkpoint') {
      patch<RunEntry>('runs', id, { lastCheckpointStep: p.step });
    } else if (p.kind === 'status') {
      patch<RunEntry>('runs', id, { message: p.message });
    }
  });
  handles.set(id, h);
  try {
    const out = await h.result;
    patch<RunEntry>('runs', id, { status: out.finished ? 'ready' : 'stopped', step: out.step, message: out.message });
  } catch (err) {
    patch<RunEntry>('runs', id, { status: 'error', error: describeError(err) });
  } finally {
    handles.delete(id);
    await flushMetrics();
    void refreshQuota();
  }
}

/** Deletes a run with its checkpoints and metrics (a running run is stopped first). */
export async function removeRun(id: string): Promise<void> {
  handles.get(id)?.control('stop');
  set((s) => ({ runs: s.runs.filter((r) => r.id !== id), chartRunIds: s.chartRunIds.filter((r) => r !== id) }));
  scheduleSave();
  for (const [kind, prefix] of [
    ['checkpoints', `runs/${id}/`],
    ['metrics', `${id}/`],
  ] as const) {
    const st = storeOf(kind);
    for (const k of await st.keys(prefix)) await st.del(k);
  }
  void refreshQuota();
}

export function toggleChartRun(id: string): void {
  set((s) => ({
    chartRunIds: s.chartRunIds.includes(id) ? s.chartRunIds.filter((r) => r !== id) : [...s.chartRunIds, id],
  }));
  scheduleSave();
}

// ---- predictions and downloads -------------------------------------------------------

export async function predict(text: string, maskChars: number[], runId: string | null): Promise<void> {
  const { teacherId } = get();
  if (!teacherId) {
    set({ predictions: { busy: false, error: 'load a teacher first' } });
    return;
  }
  set({ predictions: { busy: true } });
  try {
    const teacher = await callWorker('teacher', 'predict', {
      model: { kind: 'files', modelId: teacherId },
      vocabModelId: teacherId,
      text,
      maskChars,
      topK: 5,
    }).result;
    const run = get().runs.find((r) => r.id === runId);
    const student = run
      ? await callWorker('train', 'predict', {
          model: { kind: 'run', run: runSpec(run) },
          vocabModelId: teacherId,
          text,
          maskChars,
          topK: 5,
        }).result
      : undefined;
    set({ predictions: { busy: false, teacher, student } });
  } catch (err) {
    set({ predictions: { busy: false, error: describeError(err) } });
  }
}

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function downloadStudent(runId: string, format: 'hf' | 'tf1' | 'tfjs'): Promise<void> {
  const run = get().runs.find((r) => r.id === runId);
  if (!run) return;
  set({ downloadBusy: `student-${format}`, downloadError: null });
  try {
    const out = await callWorker('train', 'exportStudent', { run: runSpec(run), format }).result;
    saveBlob(out.blob, out.name);
  } catch (err) {
    set({ downloadError: describeError(err) });
  } finally {
    set({ downloadBusy: null });
  }
}

export async function downloadRecords(
  what: 'examples' | 'teacher',
  exampleSetId: string,
  cacheId?: string,
): Promise<void> {
  set({ downloadBusy: what, downloadError: null });
  try {
    const cache = get().teacherCaches.find((c) => c.id === cacheId)?.ref;
    const out = await callWorker(what === 'examples' ? 'data' : 'teacher', 'exportRecords', {
      what,
      exampleSetId,
      cache,
    }).result;
    saveBlob(out.blob, out.name);
  } catch (err) {
    set({ downloadError: describeError(err) });
  } finally {
    set({ downloadBusy: null });
  }
}
