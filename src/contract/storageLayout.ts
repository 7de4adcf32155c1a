/**
 * Where the workbench keeps things in IndexedDB, shared by the page and the
 * workers so both read the same keys. One database per kind of data (idb-keyval
 * keeps one object store per database).
 *
 * - files:        `corpus/<corpusId>` → the dropped File; `model/<modelId>/<fileName>` → File;
 *                 `task/<fileId>` → a dropped downstream-task file
 * - meta:         `corpora`, `models`, `exampleSets`, `teacherCaches`, `runs`, `taskFiles`, `evaluations`, `ui` → JSON;
 *                 `backendProbe` → the workers' backend decisions by probe cache key (workers/backend.ts)
 * - examples:     the engine's example sets (src/core/examples/exampleSetStore.ts: `<setId>/<batch>`, `manifest/<setId>`)
 * - teacher:      the engine's teacher-output cache
 * - checkpoints:  the engine's training checkpoints, each run's under `runs/<runId>/`, each
 *                 fine-tuning evaluation's under `evals/<evalId>/`
 * - metrics:      `<runId>/m<chunk:000000>` → MetricPoint[]; `<runId>/eval` → EvalPoint[] (an evaluation's
 *                 training losses under its own id the same way)
 */
import { IndexedDbStore } from '../core/storage/indexedDbStore.ts';

export const DB = {
  files: 'wwm-files',
  meta: 'wwm-meta',
  examples: 'wwm-examples',
  teacher: 'wwm-teacher',
  checkpoints: 'wwm-checkpoints',
  metrics: 'wwm-metrics',
} as const;

const opened = new Map<string, IndexedDbStore>();

/** The store of one kind (opened once per realm). */
export function storeOf(kind: keyof typeof DB): IndexedDbStore {
  let s = opened.get(kind);
  if (!s) {
    s = new IndexedDbStore(DB[kind], 'kv');
    opened.set(kind, s);
  }
  return s;
}

export const fileKey = {
  corpus: (corpusId: string) => `corpus/${corpusId}`,
  modelPrefix: (modelId: string) => `model/${modelId}/`,
  model: (modelId: string, name: string) => `model/${modelId}/${name}`,
  task: (fileId: string) => `task/${fileId}`,
};

export const checkpointKey = {
  /** where a run's checkpoints are (the engine's Trainer writes under this prefix) */
  runPrefix: (runId: string) => `runs/${runId}/`,
  /** where a fine-tuning evaluation's checkpoints are */
  evalPrefix: (evalId: string) => `evals/${evalId}/`,
};

export const metricsKey = {
  prefix: (runId: string) => `${runId}/`,
  chunk: (runId: string, chunk: number) => `${runId}/m${String(chunk).padStart(6, '0')}`,
  chunkPrefix: (runId: string) => `${runId}/m`,
  eval: (runId: string) => `${runId}/eval`,
};

/** Reads a stored Blob/File, with a clear message when it is gone. */
export async function getStoredFile(key: string): Promise<File> {
  const v = await storeOf('files').get(key);
  if (v instanceof Blob) return v instanceof File ? v : new File([v], key.split('/').pop() ?? key);
  throw new Error(`the stored file "${key}" is missing from this browser's storage; drop it again`);
}

/** All files of a stored model, as Files named as they were dropped. */
export async function getModelFiles(modelId: string): Promise<File[]> {
  const keys = await storeOf('files').keys(fileKey.modelPrefix(modelId));
  if (keys.length === 0)
    throw new Error(`the files of model ${modelId} are missing from this browser's storage; drop them again`);
  return Promise.all(keys.map(getStoredFile));
}
