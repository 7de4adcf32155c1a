/**
 * The Evaluate panel's actions: downstream-task files (stored like corpora, read by the data
 * worker), fine-tuning evaluations of the teacher, a run's student or a fresh model on a
 * classification task (run in the training worker through the job runner, resumable from their
 * checkpoints after a reload), their results table, and the fine-tuned model as a download.
 */
import type { EvalSpec, FineTuneBase } from '../contract/jobs.ts';
import { checkpointKey, fileKey, storeOf } from '../contract/storageLayout.ts';
import { TASKS, type TaskName } from '../core/tasks/taskRegistry.ts';
import { describeError } from './errors.ts';
import { runEntryJob, stopJob } from './jobRunner.ts';
import { deleteMetrics, flushMetrics, queueMetrics, refreshQuota } from './persistence.ts';
import { type ResultRow, type ResultSource, resultRows } from './results.ts';
import { runSpec } from './runs.ts';
import {
  type EvalForm,
  type EvalModelRole,
  type EvaluationEntry,
  newId,
  patchEntry,
  type TaskFileEntry,
  useApp,
} from './state.ts';
import { callWorker } from './workerClient.ts';

const set = useApp.setState;
const get = useApp.getState;

const TASK_EXT = /\.(tsv|txt|json|jsonl)$/i;

/** Stores dropped task files and reads what they are (kind, format, labels); returns the accepted ids. */
export async function addTaskFiles(files: File[]): Promise<string[]> {
  const rejected = files.filter((f) => !TASK_EXT.test(f.name));
  set({
    taskDropError: rejected.length
      ? `Not a task file: ${rejected.map((f) => f.name).join(', ')} (use LCQMC .tsv, CLUE .json lines or CMRC 2018 .json)`
      : null,
  });
  const ids: string[] = [];
  for (const file of files.filter((f) => TASK_EXT.test(f.name))) {
    const id = newId('task');
    set((s) => ({ taskFiles: [...s.taskFiles, { id, name: file.name, size: file.size, status: 'reading' }] }));
    try {
      await storeOf('files').set(fileKey.task(id), file);
    } catch (err) {
      patchEntry('taskFiles', id, {
        status: 'error',
        error: `${file.name}: could not be stored: ${describeError(err)}`,
      });
      continue;
    }
    ids.push(id);
    try {
      const info = await callWorker('data', 'inspectTaskFile', { fileId: id }).result;
      patchEntry('taskFiles', id, { status: 'ready', info });
    } catch (err) {
      patchEntry('taskFiles', id, { status: 'error', error: describeError(err, file.name) });
    }
  }
  void refreshQuota();
  return ids;
}

export async function removeTaskFile(id: string): Promise<void> {
  set((s) => ({ taskFiles: s.taskFiles.filter((f) => f.id !== id) }));
  await storeOf('files')
    .del(fileKey.task(id))
    .catch(() => {});
}

export function setEvalForm(p: Partial<EvalForm>): void {
  set((s) => ({ evalForm: { ...s.evalForm, ...p } }));
}

/** The model picker's value: the teacher, `run:<runId>` (that run's student), or a fresh model of the student's config. */
export type ModelChoice = 'teacher' | 'fresh' | `run:${string}`;

/** What the evaluation starts from, how the table names it, and whose teacher it is. */
function resolveModel(choice: ModelChoice): {
  base: FineTuneBase;
  label: string;
  role: EvalModelRole;
  teacherId: string;
} {
  const s = get();
  if (choice.startsWith('run:')) {
    const run = s.runs.find((r) => r.id === choice.slice(4));
    if (!run) throw new Error('that run is gone; pick another model');
    if (run.lastCheckpointStep === 0) throw new Error(`${run.name} has no checkpoint yet: train it first`);
    return {
      base: { kind: 'run', run: runSpec(run) },
      label: `student of ${run.name} (step ${run.lastCheckpointStep})`,
      role: 'student',
      teacherId: run.teacherId,
    };
  }
  const teacherId = s.teacherId;
  const teacher = s.models.find((m) => m.id === teacherId);
  if (!teacherId || !teacher) throw new Error('load a teacher in Models first');
  if (choice === 'teacher')
    return {
      base: { kind: 'checkpoint', modelId: teacherId },
      label: `teacher ${teacher.name}`,
      role: 'teacher',
      teacherId,
    };
  const spec = s.studentSpec;
  const layers =
    spec.kind === 'layers'
      ? spec.layers.length
      : spec.kind === 'fresh'
        ? spec.num_hidden_layers
        : (s.studentInfo?.config.num_hidden_layers ?? '?');
  const size = `${layers} layers`;
  return {
    base: { kind: 'fresh', teacherId, student: spec },
    label: `fresh random student (${size})`,
    role: 'fresh',
    teacherId,
  };
}

/** The labels an evaluation uses, in label-id order: the task's own, else those of the two files together. */
function labelsOf(train: TaskFileEntry, dev: TaskFileEntry, task: TaskName | null): string[] {
  const own = task ? TASKS[task].labels : undefined;
  if (own) return [...own];
  return [...new Set([...(train.info?.labels ?? []), ...(dev.info?.labels ?? [])])].sort();
}

/** Adds an evaluation (not started) of a model on a task's train and dev files; returns its id. */
export function createEvaluation(trainFileId: string, devFileId: string, choice: ModelChoice): string {
  const s = get();
  const train = s.taskFiles.find((f) => f.id === trainFileId);
  const dev = s.taskFiles.find((f) => f.id === devFileId);
  if (!train?.info || !dev?.info) throw new Error('pick a train file and a dev file that were read without errors');
  for (const f of [train, dev]) {
    if (f.info?.kind === 'span')
      throw new Error(
        `${f.name} is a span-extraction file (CMRC 2018): use the CLI run_squad; the page fine-tunes classification tasks`,
      );
    if (f.info?.kind === 'labels') throw new Error(`${f.name} is a label list, not a task file`);
  }
  if (train.info.kind !== dev.info.kind)
    throw new Error(`${train.name} holds ${train.info.kind} examples but ${dev.name} ${dev.info.kind} ones`);
  const task = train.info.suggestedTask === dev.info.suggestedTask ? train.info.suggestedTask : null;
  const labels = labelsOf(train, dev, task);
  if (labels.length < 2) throw new Error(`${train.name} and ${dev.name} hold fewer than 2 labels`);
  const model = resolveModel(choice);
  const id = newId('eval');
  const form = s.evalForm;
  const spec: EvalSpec = {
    evalId: id,
    task,
    labels,
    trainFileId,
    devFileId,
    base: model.base,
    vocabModelId: model.teacherId,
    doLowerCase: s.exampleOptions.doLowerCase,
    options: form.options,
    evalEvery: form.evalEvery,
    checkpointEvery: form.checkpointEvery,
  };
  const entry: EvaluationEntry = {
    id,
    taskLabel: `${task ?? train.info.kind} (${dev.name})`,
    taskKey: `${task ?? 'custom'}:${trainFileId}:${devFileId}:${labels.join(',')}`,
    modelLabel: model.label,
    role: model.role,
    teacherId: model.teacherId,
    spec,
    status: 'running',
    step: 0,
    totalSteps: 0,
    lastCheckpointStep: 0,
    dev: [],
    createdAt: Date.now(),
  };
  set((st) => ({ evaluations: [...st.evaluations, entry], metrics: { ...st.metrics, [id]: [] } }));
  return id;
}

/** Starts an evaluation with the form's options; resolves when it ends (its outcome is on the entry). */
export async function startEvaluation(trainFileId: string, devFileId: string, choice: ModelChoice): Promise<void> {
  set({ evalError: null });
  let id: string;
  try {
    id = createEvaluation(trainFileId, devFileId, choice);
  } catch (err) {
    set({ evalError: describeError(err) });
    return;
  }
  await driveEvaluation(id, false);
}

/** Continues an evaluation from its last checkpoint; resolves when it ends. */
export async function resumeEvaluation(id: string): Promise<void> {
  await driveEvaluation(id, true);
}

async function driveEvaluation(id: string, resume: boolean): Promise<void> {
  const e = get().evaluations.find((x) => x.id === id);
  if (!e) return;
  await runEntryJob({
    area: 'evaluations',
    id,
    worker: 'train',
    job: 'fineTune',
    input: { spec: e.spec, resume },
    progress: (p) => {
      if (p.kind === 'metrics' && p.points.length) {
        const first = p.points[0].step;
        set((s) => ({
          metrics: { ...s.metrics, [id]: [...(s.metrics[id] ?? []).filter((m) => m.step < first), ...p.points] },
        }));
        queueMetrics(id, p.points);
        patchEntry('evaluations', id, { step: p.points[p.points.length - 1].step });
      } else if (p.kind === 'eval') {
        const cur = get().evaluations.find((x) => x.id === id);
        patchEntry('evaluations', id, {
          dev: [...(cur?.dev ?? []).filter((d) => d.step < p.point.step), p.point],
        });
      } else if (p.kind === 'checkpoint') {
        patchEntry('evaluations', id, { lastCheckpointStep: p.step });
      } else if (p.kind === 'status') {
        patchEntry('evaluations', id, {
          message: p.message,
          ...(p.totalSteps !== undefined ? { totalSteps: p.totalSteps } : {}),
        });
      }
    },
    done: (out) => ({
      status: out.finished ? 'ready' : 'stopped',
      step: out.step,
      totalSteps: out.totalSteps,
      result: out,
      message: out.message,
    }),
    cleanup: flushMetrics,
  });
}

/** Deletes an evaluation with its checkpoints and loss history (a running one is stopped first). */
export async function removeEvaluation(id: string): Promise<void> {
  stopJob(id);
  set((s) => ({ evaluations: s.evaluations.filter((e) => e.id !== id) }));
  const checkpoints = storeOf('checkpoints');
  for (const k of await checkpoints.keys(checkpointKey.evalPrefix(id))) await checkpoints.del(k);
  await deleteMetrics(id);
  void refreshQuota();
}

/** The results table's sources: every evaluation, with the checkpoint it evaluated. */
export function resultSources(evaluations: EvaluationEntry[]): ResultSource[] {
  return evaluations.map((e) => ({
    id: e.id,
    taskKey: e.taskKey,
    taskLabel: e.taskLabel,
    modelLabel: e.modelLabel,
    role: e.role,
    teacherId: e.teacherId,
    modelId: e.spec.base.kind === 'checkpoint' ? e.spec.base.modelId : undefined,
    status: e.status,
    result: e.result,
    createdAt: e.createdAt,
  }));
}

export function evaluationResults(evaluations: EvaluationEntry[]): ResultRow[] {
  return resultRows(resultSources(evaluations));
}

/** The fine-tuned model of an evaluation, zipped (null when it failed: the error is shown on the entry). */
export async function exportFineTuned(
  id: string,
  format: 'hf' | 'tf1' | 'onnx',
): Promise<{ blob: Blob; name: string } | null> {
  const e = get().evaluations.find((x) => x.id === id);
  if (!e) return null;
  set({ evalDownloadBusy: `${id}-${format}` });
  try {
    return await callWorker('train', 'exportFineTuned', { spec: e.spec, format }).result;
  } catch (err) {
    patchEntry('evaluations', id, { error: describeError(err) });
    return null;
  } finally {
    set({ evalDownloadBusy: null });
  }
}
