/**
 * The training worker: builds the student, trains it with the engine's
 * Trainer (src/core/distill/trainer.ts) against the cached teacher outputs,
 * streams metrics (batched, at least once a second), evaluates on a held-out
 * split, saves checkpoints to IndexedDB and resumes from them; also predicts
 * and exports with a run's student. Thin: the Trainer does the work.
 */
import { exportCheckpoint, exportZip, type ExportFormat } from '../src/core/checkpoint/exportCheckpoint.ts';
import { planCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { bertMaskedLm, type TrainItem } from '../src/core/distill/batch.ts';
import { lossConfig, type LossPresetName } from '../src/core/distill/loss.ts';
import { TeacherCache } from '../src/core/distill/teacherCache.ts';
import { Trainer, type TrainingSet } from '../src/core/distill/trainer.ts';
import type { BertConfig } from '../src/core/model/config.ts';
import type { Weights } from '../src/core/model/weights.ts';
import { studentFromConfig, studentFromLayers } from '../src/core/model/student.ts';
import { ExampleSetReader } from './exampleStore.ts';
import type { EvalPoint, MetricPoint, RunSpec } from './jobs.ts';
import { loadModel, unloadModel } from './models.ts';
import { modelTokenizer, modelVocab } from './vocab.ts';
import { predictMasked } from '../src/core/model/predictMasked.ts';
import { getModelFiles, storeOf } from './storageLayout.ts';
import { studentConfig } from '../src/core/model/student.ts';
import { startWorker } from './workerMain.ts';

interface OpenRun {
  spec: RunSpec;
  trainer: Trainer;
  cfg: BertConfig;
  vocab: string[];
  heldOut: TrainingSet | null;
  restoredStep: number | null;
}

let current: OpenRun | null = null;
/** The run whose train job is in progress (its trainer must not be swapped out). */
let busyRunId: string | null = null;

/** Held-out examples: the last 5% of the set, at most 64, none for tiny sets. */
function heldOutCount(size: number): number {
  if (size < 20) return 0;
  return Math.min(64, Math.max(1, Math.floor(size * 0.05)));
}

async function openRun(spec: RunSpec, restore: boolean): Promise<OpenRun> {
  if (current?.spec.runId === spec.runId) return current;
  if (busyRunId) throw new Error(`the training worker is busy with ${busyRunId}; stop it first`);
  current?.trainer.dispose();
  current = null;
  const reader = await ExampleSetReader.open(spec.exampleSetId);
  const cache = await TeacherCache.open(storeOf('teacher'), spec.cache.key, spec.cache.layout);
  if (!cache.isComplete()) throw new Error('the teacher pass for this run is not complete; continue it first');
  const plan = await planCheckpoint(await getModelFiles(spec.teacherId));
  const cfg = studentConfig(plan.config, spec.student);
  let weights: Weights;
  if (spec.student.kind === 'layers') {
    const teacher = await loadModel(spec.teacherId);
    weights = studentFromLayers(teacher.weights, teacher.config, spec.student.layers).weights;
    unloadModel();
  } else {
    weights = studentFromConfig(cfg, { pooler: plan.parts.pooler, mlmHead: true }, spec.config.seed).weights;
  }
  const nEval = heldOutCount(reader.size);
  const nTrain = reader.size - nEval;
  const items =
    (offset: number) =>
    async (idx: number[]): Promise<TrainItem[]> =>
      Promise.all(
        idx.map(async (i) => ({ example: await reader.get(offset + i), teacher: await cache.getExample(offset + i) })),
      );
  const c = spec.config;
  const trainer = new Trainer({
    model: bertMaskedLm(cfg),
    weights,
    config: {
      loss: lossConfig(c.loss as LossPresetName, { ...c.weights, temperature: c.temperature }),
      schedule: { learningRate: c.learningRate, numWarmupSteps: c.warmupSteps, numTrainSteps: c.steps },
      batchSize: c.batchSize,
      gradientAccumulationSteps: c.accumulation,
      seed: c.seed,
      saveCheckpointsSteps: c.checkpointEvery,
    },
    data: { size: nTrain, load: items(0) },
    store: storeOf('checkpoints'),
    storePrefix: `runs/${spec.runId}/`,
  });
  let restoredStep: number | null = null;
  try {
    if (restore && (await trainer.restore())) restoredStep = trainer.currentStep;
  } catch (err) {
    trainer.dispose();
    throw err;
  }
  current = {
    spec,
    trainer,
    cfg,
    vocab: await modelVocab(spec.teacherId),
    heldOut: nEval > 0 ? { size: nEval, load: items(nTrain) } : null,
    restoredStep,
  };
  return current;
}

function point(m: {
  step: number;
  total: number;
  components: Record<string, number | undefined>;
  lr: number;
  gradNorm: number;
  examplesPerSec: number;
  tokensPerSec: number;
}): MetricPoint {
  const losses: Record<string, number> = { total: m.total };
  for (const [k, v] of Object.entries(m.components)) if (v !== undefined) losses[k] = v;
  return {
    step: m.step,
    losses,
    lr: m.lr,
    gradNorm: m.gradNorm,
    examplesPerSec: m.examplesPerSec,
    tokensPerSec: m.tokensPerSec,
    time: Date.now(),
  };
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
          message:
            run.restoredStep !== null
              ? `resumed from the checkpoint at step ${run.restoredStep}`
              : resume
                ? 'no checkpoint found: started from step 0'
                : 'started',
        });
        let buffer: MetricPoint[] = [];
        let lastFlush = Date.now();
        const flush = () => {
          if (buffer.length) ctx.progress({ kind: 'metrics', points: buffer });
          buffer = [];
          lastFlush = Date.now();
        };
        const evalEvery = Math.max(1, spec.config.evalEvery);
        const ckptEvery = Math.max(1, spec.config.checkpointEvery);
        const evaluate = async () => {
          if (!run.heldOut) return;
          const e = await trainer.evaluate(run.heldOut);
          const p: EvalPoint = {
            step: e.step,
            loss: e.loss,
            goldAccuracy: e.goldAccuracy,
            teacherAgreement: e.teacherTop1Agreement,
            top5Overlap: e.top5Overlap,
          };
          ctx.progress({ kind: 'eval', point: p });
        };
        if (trainer.currentStep === 0) await evaluate();
        while (!trainer.done && !ctx.stopped) {
          if (ctx.paused) {
            flush();
            await trainer.saveCheckpoint();
            ctx.progress({ kind: 'checkpoint', step: trainer.currentStep });
            await ctx.checkpoint();
            continue;
          }
          const m = await trainer.step();
          buffer.push(point(m));
          if (m.step % ckptEvery === 0) {
            flush();
            ctx.progress({ kind: 'checkpoint', step: m.step });
          }
          if (m.step % evalEvery === 0 || trainer.done) {
            flush();
            await evaluate();
          }
          if (Date.now() - lastFlush >= 500) flush();
        }
        flush();
        await trainer.saveCheckpoint();
        ctx.progress({ kind: 'checkpoint', step: trainer.currentStep });
        return {
          step: trainer.currentStep,
          finished: trainer.done,
          message: trainer.done ? `finished ${trainer.currentStep} steps` : `stopped at step ${trainer.currentStep}`,
        };
      } finally {
        busyRunId = null;
      }
    },

    async predict({ model, vocabModelId, text, maskChars, topK }) {
      if (model.kind !== 'run') throw new Error("the training worker predicts with a run's student");
      const run = await openRun(model.run, true);
      if (run.trainer.currentStep === 0 && run.restoredStep === null)
        throw new Error(`${model.run.runId} has no checkpoint yet`);
      const tokenizer = await modelTokenizer(vocabModelId, true);
      return predictMasked(run.trainer.weights, run.cfg, tokenizer, text, maskChars, topK);
    },

    async exportStudent({ run: spec, format }) {
      const run = await openRun(spec, true);
      if (run.trainer.currentStep === 0 && run.restoredStep === null)
        throw new Error(`${spec.runId} has no checkpoint yet`);
      const fmt: ExportFormat = format === 'hf' ? 'safetensors' : format === 'tf1' ? 'tf' : 'tfjs';
      const folder = `student-${spec.runId}-step${run.trainer.currentStep}-${format}`;
      const files = await exportCheckpoint(fmt, run.trainer.weights, run.cfg, run.vocab);
      return {
        blob: new Blob([exportZip(files, folder) as BlobPart], { type: 'application/zip' }),
        name: `${folder}.zip`,
      };
    },
  },
  { usesTensors: true },
);
