/**
 * The state kept across reloads. Everything worth keeping (corpora, models,
 * example sets, teacher caches, runs, the forms) is written to IndexedDB's
 * meta store (src/contract/storageLayout.ts) a moment after it changes, and
 * read back by `restore()` on load, so a reload shows what was there; jobs
 * that were running when the page closed are marked "interrupted" and offer
 * to resume. Metric histories are saved in chunks as they stream in. State
 * saved by an older version is converted once (migrate.ts).
 */
import type { EvalPoint, MetricPoint } from '../contract/jobs.ts';
import { metricsKey, storeOf } from '../contract/storageLayout.ts';
import { describeError } from './errors.ts';
import { migrateSavedMeta, nameOlderSets, restoreOptions, restoreRunConfig, type SavedMeta } from './migrate.ts';
import {
  type AppState,
  type CorpusEntry,
  DEFAULT_RUN,
  DEFAULT_EVAL_FORM,
  type EvaluationEntry,
  type ExampleSetEntry,
  type ModelEntry,
  type TaskFileEntry,
  type RunEntry,
  type TeacherCacheEntry,
  isActive,
  useApp,
} from './state.ts';
import { restoreTeacherForm } from './teacherPass.ts';
import { onBackendReport, warmWorkers } from './workerClient.ts';

const set = useApp.setState;
const get = useApp.getState;

/** The parts of the state that are saved; a change to any of them is saved a moment later. */
const SAVED: (keyof AppState)[] = [
  'corpora',
  'models',
  'exampleSets',
  'teacherCaches',
  'runs',
  'teacherId',
  'vocabularyId',
  'studentSpec',
  'exampleOptions',
  'teacherForm',
  'exampleSources',
  'exampleCap',
  'runConfig',
  'chartRunIds',
  'compareRunIds',
  'taskFiles',
  'evaluations',
  'evalForm',
];

let saveTimer: ReturnType<typeof setTimeout> | null = null;

/** Saves the state a moment from now (changes in between are saved together). */
export function scheduleSave(): void {
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
      ['taskFiles', s.taskFiles],
      ['evaluations', s.evaluations],
      [
        'ui',
        {
          teacherId: s.teacherId,
          vocabularyId: s.vocabularyId,
          studentSpec: s.studentSpec,
          exampleOptions: s.exampleOptions,
          teacherForm: s.teacherForm,
          exampleSources: s.exampleSources,
          exampleCap: s.exampleCap,
          runConfig: s.runConfig,
          chartRunIds: s.chartRunIds,
          compareRunIds: s.compareRunIds,
          evalForm: s.evalForm,
        },
      ],
    ]);
    set({ storageError: null });
  } catch (err) {
    set({ storageError: `Could not save the workbench state: ${describeError(err)}` });
  }
}

/**
 * Reads everything back from IndexedDB (jobs that were running become "interrupted"), then
 * saves every later change, and starts the workers so their backends show in the header.
 */
export async function restore(): Promise<void> {
  onBackendReport((kind, report) =>
    set((s) => {
      const backends = { ...s.backends };
      if (report) backends[kind] = report;
      else delete backends[kind];
      return { backends };
    }),
  );
  let migrated = false;
  try {
    const meta = storeOf('meta');
    const [corpora, models, savedSets, teacherCaches, savedRuns, savedUi, taskFiles, evaluations] = await Promise.all(
      ['corpora', 'models', 'exampleSets', 'teacherCaches', 'runs', 'ui', 'taskFiles', 'evaluations'].map((k) =>
        meta.get(k),
      ),
    );
    // State saved by an older version (snake_case example flags, the old run config) is converted once.
    const converted = migrateSavedMeta(
      { exampleSets: savedSets, runs: savedRuns, ui: savedUi } as SavedMeta,
      DEFAULT_RUN,
    );
    migrated = converted.migrated;
    const { exampleSets, runs, ui } = converted.meta;
    const interrupted = <T extends { status: string }>(a: unknown): T[] =>
      ((a as T[] | undefined) ?? []).map((e) => (isActive(e.status) ? { ...e, status: 'interrupted' } : e));
    const uiState = (ui ?? {}) as Partial<AppState>;
    const runList = interrupted<RunEntry>(runs);
    const evalList = interrupted<EvaluationEntry>(evaluations);
    set({
      // a token count cut short by the reload is started again (corpora.ts)
      corpora: ((corpora as CorpusEntry[] | undefined) ?? []).map(({ tokensProgress: _t, ...c }) =>
        c.status === 'reading'
          ? { ...c, status: 'error', error: 'reading was interrupted by a reload; remove and drop the file again' }
          : c,
      ),
      models: ((models as ModelEntry[] | undefined) ?? []).map((m) =>
        m.status === 'loading'
          ? { ...m, status: 'error', error: 'loading was interrupted by a reload; drop the files again' }
          : m,
      ),
      // sets saved before sets had names are named from their flags and corpora
      exampleSets: nameOlderSets(
        interrupted<ExampleSetEntry>(exampleSets),
        (corpora as CorpusEntry[] | undefined) ?? [],
      ),
      teacherCaches: interrupted<TeacherCacheEntry>(teacherCaches),
      runs: runList,
      teacherId: uiState.teacherId ?? null,
      vocabularyId: uiState.vocabularyId ?? null,
      studentSpec: uiState.studentSpec ?? get().studentSpec,
      exampleOptions: restoreOptions(uiState.exampleOptions),
      teacherForm: restoreTeacherForm(uiState.teacherForm),
      exampleSources: uiState.exampleSources ?? null,
      exampleCap: uiState.exampleCap ?? null,
      runConfig: restoreRunConfig(uiState.runConfig, DEFAULT_RUN),
      chartRunIds: uiState.chartRunIds ?? runList.map((r) => r.id),
      compareRunIds: (uiState.compareRunIds ?? []).filter((id) => runList.some((r) => r.id === id)),
      taskFiles: ((taskFiles as TaskFileEntry[] | undefined) ?? []).map((f) =>
        f.status === 'reading'
          ? { ...f, status: 'error', error: 'reading was interrupted by a reload; remove and drop the file again' }
          : f,
      ),
      evaluations: evalList,
      evalForm: { ...DEFAULT_EVAL_FORM, ...uiState.evalForm },
    });
    for (const r of runList) await loadMetrics(r.id);
    for (const e of evalList) await loadMetrics(e.id);
  } catch (err) {
    set({ storageError: `Could not read the stored workbench state: ${describeError(err)}` });
  }
  useApp.subscribe((s, prev) => {
    if (SAVED.some((k) => s[k] !== prev[k])) scheduleSave();
  });
  if (migrated) scheduleSave();
  set({ restored: true });
  void refreshQuota(true);
  void warmWorkers(['data', 'teacher', 'train']);
}

// ---- metric histories ----------------------------------------------------------------------

const metricChunks = new Map<string, number>();
const unsaved = new Map<string, MetricPoint[]>();
let metricTimer: ReturnType<typeof setTimeout> | null = null;

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

/** Queues a run's new metric points; they are saved as one chunk within a second. */
export function queueMetrics(runId: string, points: MetricPoint[]): void {
  unsaved.set(runId, [...(unsaved.get(runId) ?? []), ...points]);
  if (!metricTimer) metricTimer = setTimeout(flushMetrics, 1000);
}

/**
 * Queues a run's evaluation history (as it is in the state) to be saved within a second, with or
 * without new metric points: a run's last evaluation comes after its last step's metrics, which may
 * already be saved.
 */
export function queueEvals(runId: string): void {
  queueMetrics(runId, []);
}

/** Saves the queued metric points now (with each run's evaluation history). */
export async function flushMetrics(): Promise<void> {
  metricTimer = null;
  const store = storeOf('metrics');
  for (const [runId, points] of [...unsaved]) {
    unsaved.delete(runId);
    const evals: [string, EvalPoint[]] = [metricsKey.eval(runId), get().evals[runId] ?? []];
    try {
      if (points.length === 0) {
        await store.setMany([evals]);
        continue;
      }
      const chunk = metricChunks.get(runId) ?? 0;
      metricChunks.set(runId, chunk + 1);
      await store.setMany([[metricsKey.chunk(runId, chunk), points], evals]);
    } catch (err) {
      set({ storageError: `Could not save metrics of ${runId}: ${describeError(err)}` });
    }
  }
}

/** Deletes a run's stored metrics. */
export async function deleteMetrics(runId: string): Promise<void> {
  const st = storeOf('metrics');
  for (const k of await st.keys(metricsKey.prefix(runId))) await st.del(k);
}

/** Shows how much of the browser's storage is used (and asks once to keep it persistent). */
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
