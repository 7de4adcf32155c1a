/**
 * Fine-tuning evaluations in the training worker: reads the task's stored train and dev files,
 * builds the model to fine-tune (a stored checkpoint, a run's student, or a fresh model of a
 * student's config) with core's fine-tuning setup, and opens a Trainer whose checkpoints go to
 * `evals/<id>/` in the checkpoints database, so a reload mid-fine-tune resumes. The loop is
 * core's train(); the scores are core's classifier task's.
 */
import { restoreTrainer } from './runControls.ts';
import { exportCheckpoint, exportZip } from '../src/core/checkpoint/exportCheckpoint.ts';
import { type ClassificationItem, type ClassifierScores, classifierTask } from '../src/core/finetune/classifierTask.ts';
import { classificationItems, fineTuneWeights } from '../src/core/finetune/fineTune.ts';
import { fineTuneSchedule } from '../src/core/finetune/fineTuneOptions.ts';
import { buildStudent } from '../src/core/model/buildStudent.ts';
import type { BertConfig } from '../src/core/model/config.ts';
import { disposeWeights } from '../src/core/model/student.ts';
import type { Weights } from '../src/core/model/weights.ts';
import { heldOutSizeWarning } from '../src/core/run/heldOut.ts';
import { inMemoryTrainingSet, type TrainingSet } from '../src/core/run/task.ts';
import { Trainer } from '../src/core/run/trainer.ts';
import { readTaskFile } from '../src/core/tasks/taskFiles.ts';
import type { EvalSpec, FineTuneResult, RunSpec } from '../src/contract/jobs.ts';
import { checkpointKey, fileKey, getStoredFile, storeOf } from '../src/contract/storageLayout.ts';
import { loadModel, planStudent, unloadModel } from './models.ts';
import { modelTokenizer, modelVocab } from './vocab.ts';

export interface OpenEval {
  spec: EvalSpec;
  trainer: Trainer<ClassificationItem, ClassifierScores>;
  cfg: BertConfig;
  dev: TrainingSet<ClassificationItem>;
  restoredStep: number | null;
  /** what the setup did (new head, truncated rows…), for the status line */
  notes: string[];
}

let current: OpenEval | null = null;
/** The evaluation whose fine-tune job is in progress. */
let busyEvalId: string | null = null;

/** A run's student weights at its latest checkpoint (the training worker opens the run). */
export type RunWeights = (run: RunSpec) => Promise<{ weights: Weights; cfg: BertConfig }>;

async function taskItems(spec: EvalSpec, fileId: string, split: 'train' | 'dev') {
  const blob = await getStoredFile(fileKey.task(fileId));
  const f = await readTaskFile(blob, {
    name: blob.name,
    task: spec.task ?? undefined,
    labels: spec.task ? undefined : spec.labels,
  });
  if (f.kind === 'span')
    throw new Error(`${blob.name}: span extraction (CMRC 2018) is not fine-tuned in the page; use the CLI run_squad`);
  if (f.kind === 'labels') throw new Error(`${blob.name} is a label list, not a ${split} file`);
  const tokenizer = await modelTokenizer(spec.vocabModelId, spec.doLowerCase);
  const r = classificationItems(f, tokenizer, spec.labels, spec.options.maxSeqLength);
  if (r.unlabelled > 0)
    throw new Error(`${blob.name}: ${r.unlabelled} rows have no label; a ${split} file needs a label on every row`);
  if (r.items.length === 0) throw new Error(`${blob.name}: no examples`);
  return { items: r.items, truncated: r.truncated, name: blob.name };
}

async function baseModel(spec: EvalSpec, runWeights: RunWeights): Promise<{ weights: Weights; cfg: BertConfig }> {
  const b = spec.base;
  const n = spec.labels.length;
  const seed = spec.options.seed;
  if (b.kind === 'checkpoint') {
    const ckpt = await loadModel(b.modelId);
    try {
      return {
        weights: fineTuneWeights(ckpt.weights, ckpt.config, 'classification', n, seed).weights,
        cfg: ckpt.config,
      };
    } finally {
      unloadModel();
    }
  }
  if (b.kind === 'run') {
    const { weights, cfg } = await runWeights(b.run);
    return { weights: fineTuneWeights(weights, cfg, 'classification', n, seed).weights, cfg };
  }
  const { cfg } = await planStudent(b.teacherId, b.student);
  const fresh = buildStudent({ kind: 'fresh', config: cfg }, null, seed);
  try {
    return { weights: fineTuneWeights(fresh.weights, fresh.cfg, 'classification', n, seed).weights, cfg: fresh.cfg };
  } finally {
    disposeWeights(fresh.weights);
  }
}

/** Opens an evaluation (or returns the open one): its data, its model, its trainer restored from its checkpoint. */
export async function openEval(spec: EvalSpec, restore: boolean, runWeights: RunWeights): Promise<OpenEval> {
  if (current?.spec.evalId === spec.evalId) return current;
  if (busyEvalId) throw new Error(`the training worker is fine-tuning ${busyEvalId}; stop it first`);
  current?.trainer.dispose();
  current = null;
  if (spec.labels.length < 2)
    throw new Error(`a classification task needs at least 2 labels, got ${spec.labels.length}`);
  const train = await taskItems(spec, spec.trainFileId, 'train');
  const dev = await taskItems(spec, spec.devFileId, 'dev');
  const { weights, cfg } = await baseModel(spec, runWeights);
  const o = spec.options;
  const schedule = fineTuneSchedule(train.items.length, o);
  const trainer = new Trainer({
    task: classifierTask(cfg, spec.labels.length, spec.task ?? 'classification'),
    weights,
    config: {
      schedule,
      batchSize: o.trainBatchSize,
      gradientAccumulationSteps: o.gradientAccumulationSteps,
      seed: o.seed,
    },
    data: inMemoryTrainingSet(train.items),
    store: storeOf('checkpoints'),
    storePrefix: checkpointKey.evalPrefix(spec.evalId),
  });
  const restoredStep = await restoreTrainer(trainer, restore);
  const notes = [
    `${train.items.length} training and ${dev.items.length} dev examples`,
    ...(train.truncated + dev.truncated > 0
      ? [`${train.truncated + dev.truncated} pairs truncated to max_seq_length ${o.maxSeqLength}`]
      : []),
  ];
  current = { spec, trainer, cfg, dev: inMemoryTrainingSet(dev.items), restoredStep, notes };
  return current;
}

export function markBusy(evalId: string | null): void {
  busyEvalId = evalId;
}

/** Scores of the open evaluation: the final weights' dev accuracy, the best evaluation, size, inference speed. */
export async function fineTuneResult(e: OpenEval, finished: boolean, message: string): Promise<FineTuneResult> {
  const { trainer, dev, spec } = e;
  const evals = trainer.history.filter((m) => m.kind === 'eval') as (ClassifierScores & { step: number })[];
  let best = { accuracy: Number.NaN, step: 0 };
  for (const m of evals) if (!(m.accuracy <= best.accuracy)) best = { accuracy: m.accuracy, step: m.step };
  let parameters = 0;
  for (const t of Object.values(trainer.weights)) parameters += t.size;
  let accuracy = evals[evals.length - 1]?.accuracy ?? Number.NaN;
  let accuracyInterval = evals[evals.length - 1]?.accuracyInterval ?? null;
  let rate = 0;
  if (finished) {
    // One timed pass of the task's own evaluation over the dev set with the final weights:
    // inference examples/s, and the final accuracy.
    const t0 = performance.now();
    const scores = await trainer.task.evaluate(trainer.weights, dev, spec.options.evalBatchSize);
    const seconds = (performance.now() - t0) / 1000;
    rate = seconds > 0 ? dev.size / seconds : 0;
    accuracy = scores.accuracy;
    accuracyInterval = scores.accuracyInterval;
  }
  return {
    step: trainer.currentStep,
    totalSteps: trainer.config.schedule.numTrainSteps,
    finished,
    message,
    accuracy,
    bestAccuracy: best.accuracy,
    bestStep: best.step,
    devExamples: dev.size,
    accuracyInterval,
    sizeWarning: heldOutSizeWarning(dev.size, 'dev examples'),
    parameters,
    weightBytes: parameters * 4,
    inferenceExamplesPerSec: rate,
  };
}

/** The open evaluation's fine-tuned model, zipped (Hugging Face: config.json names the labels). */
export async function exportFineTunedZip(
  e: OpenEval,
  format: 'hf' | 'tf1' | 'onnx',
): Promise<{ blob: Blob; name: string }> {
  const { trainer, cfg, spec } = e;
  if (trainer.currentStep === 0 && e.restoredStep === null) throw new Error(`${spec.evalId} has no checkpoint yet`);
  const vocab = await modelVocab(spec.vocabModelId);
  const weights = trainer.weights;
  const fmt = ({ hf: 'safetensors', tf1: 'tf', onnx: 'onnx' } as const)[format];
  const files = await exportCheckpoint(fmt, weights, cfg, vocab, spec.labels);
  const folder = `${spec.task ?? 'task'}-${spec.evalId}-step${trainer.currentStep}-${format}`;
  return { blob: new Blob([exportZip(files, folder) as BlobPart], { type: 'application/zip' }), name: `${folder}.zip` };
}
