/**
 * The teacher worker: inspects dropped checkpoints, sizes students, runs the
 * teacher pass into the resumable cache (src/core/distill/teacherCache.ts),
 * answers teacher predictions, exports teacher outputs as TFRecord, and reports its tensor memory.
 * Thin: it loads stored inputs, calls core and posts progress.
 */
import * as tf from '@tensorflow/tfjs';
import { planCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { plannedTeacherWeightsText } from '../src/core/distill/heldTeacher.ts';
import { predictMaskedHeld } from '../src/core/distill/heldTeacherPredict.ts';
import { fillTeacherCache, TeacherCache } from '../src/core/distill/teacherCache.ts';
import type { BertConfig } from '../src/core/model/config.ts';
import { studentPlan } from '../src/core/model/buildStudent.ts';
import { summariseStudent } from '../src/core/model/studentSource.ts';
import { parameterCount, type WeightParts } from '../src/core/model/weights.ts';
import { teacherOutputToRecord } from '../src/core/tfrecord/teacherOutputRecord.ts';
import { frameRecord } from '../src/core/tfrecord/recordWriter.ts';
import { checkTokenIds } from '../src/core/examples/checkTokenIds.ts';
import { ExampleSetReader } from '../src/core/examples/exampleSetStore.ts';
import type { ModelInfo, TeacherCacheRef } from '../src/contract/jobs.ts';
import type { JobContext, JobInput, JobOutput, JobProgress } from '../src/contract/protocol.ts';
import { loadTeacher, planStudent } from './models.ts';
import { modelTokenizer } from './vocab.ts';
import { RateMeter, throttle } from './rate.ts';
import { getModelFiles, storeOf } from '../src/contract/storageLayout.ts';
import { startWorker } from './workerMain.ts';

class Stopped extends Error {}

/** The teacher passes in progress, by teacher and example set: two passes would write the same cache. */
const passesRunning = new Set<string>();

function info(
  format: string,
  config: BertConfig,
  parts: WeightParts,
  sizeBytes: number,
  fingerprint: string,
): ModelInfo {
  const parameters = parameterCount(config, parts);
  return {
    format,
    config: { ...config },
    parameters,
    memoryBytes: parameters * 4,
    sizeBytes,
    vocabSize: config.vocab_size,
    hasMlmHead: parts.mlmHead,
    fingerprint,
  };
}

/** One teacher pass: loads the teacher, then fills the cache batch by batch, checking Stop and Pause between batches. */
async function teacherPass(
  { modelId, exampleSetId, k, batchSize }: JobInput<'teacherPass'>,
  ctx: JobContext<JobProgress<'teacherPass'>>,
): Promise<JobOutput<'teacherPass'>> {
  const loadMeter = new RateMeter();
  const teacher = await loadTeacher(modelId, (done, total) =>
    ctx.progress({ done, total, rate: loadMeter.update(done), unit: 'bytes', message: 'loading the teacher' }),
  );
  const ckpt = teacher.ckpt;
  const reader = await ExampleSetReader.open(storeOf('examples'), exampleSetId);
  const ref: TeacherCacheRef = {
    key: { teacherFingerprint: ckpt.fingerprint, exampleSetId, k },
    layout: {
      numExamples: reader.size,
      batchSize,
      slots: reader.manifest.maxPredictionsPerSeq,
      vocabSize: ckpt.config.vocab_size,
    },
  };
  const cache = await TeacherCache.open(storeOf('teacher'), ref.key, ref.layout);
  const meter = new RateMeter();
  const due = throttle(250);
  const examplesDone = () => Math.min(reader.size, cache.completedBatches().length * batchSize);
  // `produced`: examples this call computed; the rest of `done` were found already stored.
  let computed = 0;
  const report = (force = false) => {
    if (!due(force)) return;
    const done = examplesDone();
    ctx.progress({
      done,
      total: reader.size,
      rate: meter.update(done),
      unit: 'examples',
      produced: computed,
      storedBytes: cache.storedBytes(),
      message: teacher.describe(),
    });
  };
  report(true);
  try {
    await fillTeacherCache(cache, {
      examples: async (s, e) => {
        await ctx.checkpoint();
        if (ctx.stopped) throw new Stopped();
        const examples = await reader.range(s, e);
        // before the teacher sees them: ids past its vocabulary are named here, not by tfjs's GatherV2
        for (let i = 0; i < examples.length; i++) {
          const where = `example set ${exampleSetId}, example ${s + i}`;
          checkTokenIds(examples[i], ckpt.config.vocab_size, where, "the teacher's");
        }
        return examples;
      },
      compute: (examples) => teacher.computeOutputs(examples, k),
      onProgress: (p) => {
        computed = p.examplesComputed;
        report();
      },
    });
  } catch (err) {
    if (!(err instanceof Stopped)) throw err;
  }
  report(true);
  const examples = examplesDone();
  return {
    positions: await reader.maskedPositions(examples),
    slots: examples * ref.layout.slots,
    examples,
    storedBytes: cache.storedBytes(),
    complete: cache.isComplete(),
    cache: ref,
  };
}

startWorker(
  'teacher',
  {
    async inspectModel({ modelId }) {
      const plan = await planCheckpoint(await getModelFiles(modelId));
      if (!plan.vocab) throw new Error('the checkpoint has no vocab.txt; drop it together with the weights');
      const summary = info(plan.format, plan.config, plan.parts, plan.sizeBytes, '');
      return plan.parts.mlmHead ? { ...summary, weightsInMemory: plannedTeacherWeightsText(plan) } : summary;
    },

    async studentInfo({ teacherId, spec, exampleLength }) {
      const p = await planStudent(teacherId, spec, exampleLength);
      const summary = summariseStudent(p.cfg, {
        hasMlmHead: p.source?.parts.mlmHead ?? true,
        hasPooler: p.source?.parts.pooler ?? true,
      });
      const plan = studentPlan(spec, p.cfg, p.source?.config);
      return {
        ...info(p.source?.format ?? 'fresh config', p.cfg, { pooler: true, mlmHead: true }, 0, ''),
        layers: plan.kind === 'layers' ? plan.layers : null,
        trainingBytes: summary.trainingBytes,
        newMlmHead: summary.newMlmHead,
        newPooler: summary.newPooler,
      };
    },

    async tensorMemory() {
      const { numTensors, numBytes } = tf.memory();
      return { numTensors, numBytes };
    },

    async teacherPass(input, ctx) {
      const key = `${input.modelId}\n${input.exampleSetId}`;
      if (passesRunning.has(key)) {
        throw new Error(`a teacher pass over example set ${input.exampleSetId} with this teacher is already running`);
      }
      passesRunning.add(key);
      try {
        return await teacherPass(input, ctx);
      } finally {
        passesRunning.delete(key);
      }
    },

    async predict({ model, vocabModelId, text, maskChars, topK }) {
      if (model.kind !== 'files') throw new Error('the teacher worker predicts with stored checkpoints only');
      // the teacher pass's held teacher (float16 layers stay float16), kept for the next prediction or pass
      const teacher = await loadTeacher(model.modelId);
      const tokenizer = await modelTokenizer(vocabModelId, true);
      return predictMaskedHeld(teacher, tokenizer, text, maskChars, topK);
    },

    async exportRecords({ exampleSetId, cache: ref }, ctx) {
      if (!ref) throw new Error('no teacher cache given');
      const reader = await ExampleSetReader.open(storeOf('examples'), exampleSetId);
      const cache = await TeacherCache.open(storeOf('teacher'), ref.key, ref.layout);
      if (!cache.isComplete()) throw new Error('the teacher pass is not complete; finish it before exporting');
      const parts: BlobPart[] = [];
      const meter = new RateMeter();
      for (let i = 0; i < reader.size; i++) {
        const ex = await reader.get(i);
        const t = await cache.getExample(i);
        parts.push(frameRecord(teacherOutputToRecord(ex, t.probs, t.ids, t.k)));
        if (i % 256 === 0) ctx.progress({ done: i, total: reader.size, rate: meter.update(i), unit: 'examples' });
      }
      return {
        blob: new Blob(parts, { type: 'application/octet-stream' }),
        name: `${exampleSetId}-teacher-k${ref.key.k}.tfrecord`,
      };
    },
  },
  { usesTensors: true },
);
