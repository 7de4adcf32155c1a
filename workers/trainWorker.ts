/**
 * The training worker: opens a run (its student, its data and cached teacher
 * outputs, its checkpoints in IndexedDB) and hands it to the run layer
 * (src/core/run/train.ts), streaming its metrics to the page (batched, at
 * least every half second); also predicts and exports with a run's student,
 * and reports its tensor memory.
 * Thin: the loop, the held-out rule and the student are core's.
 */
import * as tf from '@tensorflow/tfjs';
import { exportCheckpoint, type ExportFormat, exportZip } from '../src/core/checkpoint/exportCheckpoint.ts';
import type { TrainItem } from '../src/core/distill/batch.ts';
import { type DistillScores, distillTask } from '../src/core/distill/distillTask.ts';
import { cardEvaluations, cardStudent, modelCardFile, runCardRecord } from '../src/core/distill/modelCard.ts';
import { lossConfig } from '../src/core/distill/loss.ts';
import { TeacherCache } from '../src/core/distill/teacherCache.ts';
import type { BertConfig } from '../src/core/model/config.ts';
import { heldOutMessage, heldOutSizeWarning, splitHeldOut } from '../src/core/run/heldOut.ts';
import type { TrainingSet } from '../src/core/run/task.ts';
import { Trainer } from '../src/core/run/trainer.ts';
import { train } from '../src/core/run/train.ts';
import { ExampleSetReader } from '../src/core/examples/exampleSetStore.ts';
import type { EvalPoint, RunSpec } from '../src/contract/jobs.ts';
import { loadStudent, planStudent } from './models.ts';
import { checkpointKey, storeOf } from '../src/contract/storageLayout.ts';
import { modelTokenizer, modelVocab } from './vocab.ts';
import { predictMasked } from '../src/core/model/predictMasked.ts';
import { jobSignal, metricStream, restoreTrainer, startMessage } from './runControls.ts';
import { startWorker } from './workerMain.ts';
import { exportFineTunedZip, fineTuneResult, markBusy, openEval, type RunWeights } from './fineTune.ts';

/** A run's student at its latest checkpoint, for fine-tuning it. */
const runWeights: RunWeights = async (spec) => {
  const run = await openRun(spec, true);
  if (run.trainer.currentStep === 0 && run.restoredStep === null)
    throw new Error(`${spec.runId} has no checkpoint yet: train it first`);
  return { weights: run.trainer.weights, cfg: run.cfg };
};

interface OpenRun {
  spec: RunSpec;
  trainer: Trainer<TrainItem, DistillScores>;
  cfg: BertConfig;
  vocab: string[];
  heldOut: TrainingSet<TrainItem> | null;
  /** examples trained on (the rest are held out) */
  trainSize: number;
  restoredStep: number | null;
}

let current: OpenRun | null = null;
/** The run whose train job is in progress (its trainer must not be swapped out). */
let busyRunId: string | null = null;

async function openRun(spec: RunSpec, restore: boolean): Promise<OpenRun> {
  if (current?.spec.runId === spec.runId) return current;
  if (busyRunId) throw new Error(`the training worker is busy with ${busyRunId}; stop it first`);
  current?.trainer.dispose();
  current = null;
  const reader = await ExampleSetReader.open(storeOf('examples'), spec.exampleSetId);
  const cache = await TeacherCache.open(storeOf('teacher'), spec.cache.key, spec.cache.layout);
  if (!cache.isComplete()) throw new Error('the teacher pass for this run is not complete; continue it first');
  // the teacher stays in the teacher worker: of it (or of the student's own checkpoint) only
  // the tensors the student keeps are read, and the examples' length is checked first
  const planned = await planStudent(spec.teacherId, spec.student, reader.manifest.maxSeqLength);
  const c = spec.config;
  const student = await loadStudent(planned, spec.student, c.seed);
  const examples: TrainingSet<TrainItem> = {
    size: reader.size,
    load: (idx) =>
      Promise.all(idx.map(async (i) => ({ example: await reader.get(i), teacher: await cache.getExample(i) }))),
  };
  const { train: trainSet, heldOut } = splitHeldOut(examples);
  const trainer = new Trainer({
    task: distillTask(student.cfg, lossConfig(c.lossPreset, c.loss)),
    weights: student.weights,
    config: {
      schedule: c.schedule,
      batchSize: c.batchSize,
      gradientAccumulationSteps: c.gradientAccumulationSteps,
      seed: c.seed,
    },
    data: trainSet,
    store: storeOf('checkpoints'),
    storePrefix: checkpointKey.runPrefix(spec.runId),
  });
  const restoredStep = await restoreTrainer(trainer, restore);
  current = {
    spec,
    trainer,
    cfg: student.cfg,
    vocab: await modelVocab(spec.teacherId),
    heldOut,
    trainSize: trainSet.size,
    restoredStep,
  };
  return current;
}

startWorker(
  'train',
  {
    async train({ run: spec, resume }, ctx) {
      const run = await openRun(spec, resume);
      const { trainer } = run;
      busyRunId = spec.runId;
      try {
        ctx.progress({
          kind: 'status',
          // a run stopped in this session goes on from its trainer in memory (its last checkpoint's state)
          message: [
            startMessage(trainer.currentStep > 0 ? trainer.currentStep : run.restoredStep, resume),
            heldOutMessage(run.heldOut?.size ?? 0),
          ].join(' · '),
        });
        const metrics = metricStream((points) => ctx.progress({ kind: 'metrics', points }));
        const flush = metrics.flush;
        const outcome = await train(
          trainer,
          {
            heldOut: run.heldOut,
            evalEvery: Math.max(1, spec.config.evalEvery),
            evalAtStart: true,
            checkpointEvery: Math.max(1, spec.config.checkpointEvery),
          },
          jobSignal(ctx),
          {
            step: metrics.step,
            eval: (e) => {
              flush();
              const p: EvalPoint = {
                step: e.step,
                loss: e.loss,
                goldAccuracy: e.goldAccuracy,
                teacherAgreement: e.teacherTop1Agreement,
                top5Overlap: e.top5Overlap,
                positions: e.positions,
                examples: e.examples,
                teacherAgreementInterval: e.teacherAgreementInterval,
                goldAccuracyInterval: e.goldAccuracyInterval,
                sizeWarning: heldOutSizeWarning(e.positions),
              };
              ctx.progress({ kind: 'eval', point: p });
            },
            checkpoint: (step) => {
              flush();
              ctx.progress({ kind: 'checkpoint', step });
            },
          },
        );
        flush();
        return {
          step: outcome.step,
          finished: outcome.finished,
          message: outcome.finished ? `finished ${outcome.step} steps` : `stopped at step ${outcome.step}`,
        };
      } finally {
        busyRunId = null;
      }
    },

    async fineTune({ spec, resume }, ctx) {
      const e = await openEval(spec, resume, runWeights);
      const { trainer } = e;
      markBusy(spec.evalId);
      try {
        const totalSteps = trainer.config.schedule.numTrainSteps;
        ctx.progress({
          kind: 'status',
          totalSteps,
          message: [startMessage(e.restoredStep, resume), ...e.notes].join(' · '),
        });
        const metrics = metricStream((points) => ctx.progress({ kind: 'metrics', points }));
        const flush = metrics.flush;
        const outcome = await train(
          trainer,
          {
            heldOut: e.dev,
            evalBatchSize: spec.options.evalBatchSize,
            evalEvery: Math.max(0, spec.evalEvery),
            checkpointEvery: Math.max(0, spec.checkpointEvery),
          },
          jobSignal(ctx),
          {
            step: metrics.step,
            eval: (m) => {
              flush();
              ctx.progress({
                kind: 'eval',
                point: {
                  step: m.step,
                  loss: m.loss,
                  accuracy: m.accuracy,
                  examples: m.examples,
                  accuracyInterval: m.accuracyInterval,
                },
              });
            },
            checkpoint: (step) => {
              flush();
              ctx.progress({ kind: 'checkpoint', step });
            },
          },
        );
        flush();
        return fineTuneResult(
          e,
          outcome.finished,
          outcome.finished ? `finished ${outcome.step} steps` : `stopped at step ${outcome.step}`,
        );
      } finally {
        markBusy(null);
      }
    },

    async exportFineTuned({ spec, format }) {
      return exportFineTunedZip(await openEval(spec, true, runWeights), format);
    },

    async predict({ model, vocabModelId, text, maskChars, topK }) {
      if (model.kind !== 'run') throw new Error("the training worker predicts with a run's student");
      const run = await openRun(model.run, true);
      if (run.trainer.currentStep === 0 && run.restoredStep === null)
        throw new Error(`${model.run.runId} has no checkpoint yet`);
      const tokenizer = await modelTokenizer(vocabModelId, true);
      return predictMasked(run.trainer.weights, run.cfg, tokenizer, text, maskChars, topK);
    },

    async tensorMemory() {
      const { numTensors, numBytes } = tf.memory();
      return { numTensors, numBytes };
    },

    async exportStudent({ run: spec, format, card }) {
      const run = await openRun(spec, true);
      if (run.trainer.currentStep === 0 && run.restoredStep === null)
        throw new Error(`${spec.runId} has no checkpoint yet`);
      const fmt: ExportFormat = (
        { hf: 'safetensors', 'hf-pytorch': 'pytorch', tf1: 'tf', tfjs: 'tfjs', onnx: 'onnx' } as const satisfies Record<
          typeof format,
          ExportFormat
        >
      )[format];
      const folder = `student-${spec.runId}-step${run.trainer.currentStep}-${format}`;
      const readme = modelCardFile(
        runCardRecord(card, {
          format: fmt,
          date: new Date().toISOString(),
          student:
            spec.student.kind === 'checkpoint'
              ? cardStudent(
                  run.cfg,
                  run.trainer.weights,
                  spec.student.layers ?? [...Array(run.cfg.num_hidden_layers).keys()],
                  card.studentSource ?? spec.student.checkpointId,
                )
              : cardStudent(
                  run.cfg,
                  run.trainer.weights,
                  spec.student.kind === 'layers' ? spec.student.layers : undefined,
                ),
          stepsTrained: run.trainer.currentStep,
          trainExamples: run.trainSize,
          heldOutExamples: run.heldOut?.size ?? 0,
          evaluations: cardEvaluations(run.trainer.history),
        }),
      );
      const files = [...(await exportCheckpoint(fmt, run.trainer.weights, run.cfg, run.vocab)), readme];
      return {
        blob: new Blob([exportZip(files, folder) as BlobPart], { type: 'application/zip' }),
        name: `${folder}.zip`,
      };
    },
  },
  { usesTensors: true },
);
