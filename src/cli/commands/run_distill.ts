/**
 * run_distill: trains a student on the teacher's stored top-k outputs (the original
 * 2020 scripts' step 3), with the original's flag names. The work is src/core/run/ (Trainer, train) with
 * src/core/distill/distillTask.ts; the loss, training and evaluation flags and their
 * conversion to core options are src/core/options/distillFlags.ts. This file reads the
 * TFRecords, builds the student, prints one JSON metrics line per step (and per
 * evaluation) and appends them to <output_dir>/metrics.jsonl.
 *
 * <output_dir>/train_state/ holds the resumable checkpoints (weights, AdamW state,
 * step, data order, RNG state, metrics history); a run started again with the same
 * output_dir continues from the latest one. The student is also exported (the
 * checkpoint exporters' formats) to <output_dir>/export/ at every checkpoint, and, as the
 * original's Estimator left them, as the TF1 checkpoint <output_dir>/model.ckpt-<step> (with its
 * `checkpoint` file) and the last evaluation as <output_dir>/eval_results.txt (estimatorFiles.ts).
 * Ctrl-C stops after the current step and saves a checkpoint first.
 */
import { appendFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { makeOutputDir } from '../outputPath.ts';
import { cliBackendDescription } from '../nativeMatMul.ts';
import path from 'node:path';
import { type FlagSpecs, type FlagsOf, UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { openFile } from '../files.ts';
import { readBertConfigFile } from '../bertConfigFile.ts';
import { FsStore } from '../fsStore.ts';
import { withCtrlC } from '../stopSignal.ts';
import { writeEvalResults, writeTf1Checkpoint } from '../estimatorFiles.ts';
import { ignoredTpuFlagsNote, TPU_FLAGS } from '../tpuFlags.ts';
import { checkpointFiles } from '../checkpointFiles.ts';
import { expandInputFiles } from '../inputFiles.ts';
import { exportCheckpoint, type ExportFormat } from '../../core/checkpoint/exportCheckpoint.ts';
import { loadCheckpoint } from '../../core/checkpoint/loadCheckpoint.ts';
import type { TrainItem } from '../../core/distill/batch.ts';
import { type DistillScores, distillTask } from '../../core/distill/distillTask.ts';
import { cardEvaluations, cardStudent, type ModelCardRecord, modelCardFile } from '../../core/distill/modelCard.ts';
import { TOOL_NAME, TOOL_VERSION } from '../../core/version.ts';
import { needsTeacher, type LossConfig } from '../../core/distill/loss.ts';
import { buildStudent, type BuiltStudent } from '../../core/model/buildStudent.ts';
import {
  DISTILL_LOSS_FLAGS,
  DISTILL_PLAN_FLAGS,
  DISTILL_TRAINER_FLAGS,
  lossFromFlags as distillLossFromFlags,
  planFromFlags,
  trainerConfigFromFlags,
} from '../../core/options/distillFlags.ts';
import { recordShapeFromFlags, TEACHER_RECORD_FLAGS } from '../../core/options/teacherFlags.ts';
import { splitHeldOut } from '../../core/run/heldOut.ts';
import { inMemoryTrainingSet, subset } from '../../core/run/task.ts';
import { type RunMetrics, Trainer } from '../../core/run/trainer.ts';
import { train } from '../../core/run/train.ts';
import type { BertConfig } from '../../core/model/config.ts';
import { disposeWeights, keepsTensor, parseLayerList } from '../../core/model/student.ts';
import type { Weights } from '../../core/model/weights.ts';
import { checkTokenIds } from '../../core/examples/checkTokenIds.ts';
import { recordToMaskedExample } from '../../core/tfrecord/pretrainingRecord.ts';
import { readRecords } from '../../core/tfrecord/recordReader.ts';
import { recordToTeacherOutput } from '../../core/tfrecord/teacherOutputRecord.ts';

const EXPORT_FORMATS = ['safetensors', 'pytorch', 'tf', 'tfjs', 'onnx'] as const satisfies readonly ExportFormat[];

const FLAGS = {
  bert_config_file: { type: 'string', required: true, help: "The student's bert_config.json." },
  input_file: {
    type: 'string',
    required: true,
    help: 'Teacher-output TFRecord file(s) (comma-separated, globs allowed).',
  },
  output_dir: { type: 'string', required: true, help: 'Where checkpoints, exports and metrics.jsonl are written.' },
  init_checkpoint: { type: 'string', help: 'Checkpoint to initialise the student from (usually the teacher).' },
  ...TEACHER_RECORD_FLAGS,
  truncation_factor: {
    ...TEACHER_RECORD_FLAGS.truncation_factor,
    help: 'k of the teacher outputs (must match the records).',
  },
  do_train: { type: 'bool', default: true, help: "Train (the original's default: True)." },
  do_eval: {
    type: 'bool',
    default: false,
    help: 'Evaluate (on the held-out split when training, else on every example; at most --max_eval_steps batches).',
  },
  ...DISTILL_TRAINER_FLAGS,
  ...DISTILL_PLAN_FLAGS,
  ...DISTILL_LOSS_FLAGS,
  student_layers: {
    type: 'string',
    help: 'Teacher layers the student keeps, e.g. 0,1,2 (default: the first num_hidden_layers).',
  },
  export_format: {
    type: 'string',
    default: 'safetensors',
    choices: EXPORT_FORMATS,
    help: 'Export format at each checkpoint: safetensors, pytorch (pytorch_model.bin), tf, tfjs or onnx (the folder transformers.js loads) (<output_dir>/export/; model.ckpt-<step> is always written too).',
  },
  ...TPU_FLAGS,
} as const satisfies FlagSpecs;

const command = defineCommand({
  description: [
    "Distils a student from the teacher's stored top-k outputs (the original 2020 scripts' step 3).",
    '--input_file: teacher-output TFRecords (create_teacher_output_data); with --loss=mlm, plain masked-LM',
    'TFRecords also work (plain MLM pre-training, no teacher).',
    '--loss=original (default): cross-entropy + cosine against the stored top-k, as the original;',
    '--loss=distilbert: 5·CE(T=2) + 2·MLM + 1·cosine; --loss=mlm: masked-LM only. --alpha_* and --temperature override.',
    'The student is --bert_config_file, initialised from --init_checkpoint by keeping --student_layers',
    '(default: the first num_hidden_layers layers, as the original), or randomly without --init_checkpoint.',
    'Resumes from <output_dir>/train_state when a checkpoint is there. Besides metrics.jsonl, train_state/ and export/,',
    "output_dir gets what the original's Estimator left: model.ckpt-<step> (TF1, the 5 newest, listed in `checkpoint`;",
    "Google's run_classifier takes --init_checkpoint=$OUTPUT_DIR/model.ckpt-N) and eval_results.txt (key = value).",
    "--input_file: comma-separated paths and globs (Google BERT's convention). TPU flags are accepted and ignored.",
  ].join('\n'),
  usesTensors: true,
  flags: FLAGS,
  run,
});
export default command;

type Flags = FlagsOf<typeof FLAGS>;

/** Reads the examples (with teacher outputs when wanted); errors name the file and record. */
async function readItems(
  files: string[],
  withTeacher: boolean,
  k: number,
  maxSeq: number,
  maxPred: number,
  vocabSize: number,
): Promise<TrainItem[]> {
  const items: TrainItem[] = [];
  for (const file of files) {
    let i = 0;
    for await (const bytes of readRecords(await openFile(file), { name: file })) {
      const where = `${file} record ${i}`;
      let item: TrainItem;
      if (withTeacher) {
        const t = recordToTeacherOutput(bytes, where);
        if (t.k !== k) throw new Error(`${where}: the teacher outputs have k = ${t.k}, --truncation_factor is ${k}`);
        item = { example: t.example, teacher: { probs: t.probs.slice(), ids: t.topKIds, k } };
      } else {
        item = { example: recordToMaskedExample(bytes, where) };
      }
      if (item.example.inputIds.length !== maxSeq) {
        throw new Error(
          `${where}: input_ids has ${item.example.inputIds.length} values, --max_seq_length is ${maxSeq}`,
        );
      }
      if (item.example.maskedLmPositions.length !== maxPred) {
        throw new Error(
          `${where}: masked_lm_positions has ${item.example.maskedLmPositions.length} values, --max_predictions_per_seq is ${maxPred}`,
        );
      }
      checkTokenIds(item.example, vocabSize, where, "the student's");
      if (item.teacher) {
        const bad = item.teacher.ids.find((id) => id < 0 || id >= vocabSize);
        if (bad !== undefined)
          throw new Error(
            `${where}: top_k_indices holds id ${bad}, but the student's vocabulary has ${vocabSize} entries (vocab_size); the teacher's vocabulary is larger: teacher and student must share one vocabulary`,
          );
      }
      items.push(item);
      i++;
    }
  }
  return items;
}

function lossFromFlags(flags: Flags): LossConfig {
  try {
    return distillLossFromFlags(flags).loss;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** The student's starting weights: layers cut from --init_checkpoint, or random (src/core/model/buildStudent.ts). */
async function studentFor(
  flags: Flags,
  cfg: BertConfig,
): Promise<
  BuiltStudent & { vocab?: string[]; teacher?: { layers: number; hidden: number }; teacherLayers?: number[] }
> {
  const init = flags.init_checkpoint;
  const seed = flags.seed;
  if (!init) return buildStudent({ kind: 'fresh', config: cfg }, null, seed);
  const layers = flags.student_layers
    ? parseLayerList(flags.student_layers, '--student_layers')
    : [...Array(cfg.num_hidden_layers).keys()];
  // only the layers the student keeps are read (a 3-layer student of a 12-layer base reads 3)
  const ckpt = await loadCheckpoint(await checkpointFiles(init, { defaultConfigFile: flags.bert_config_file }), {
    keep: keepsTensor(layers),
  });
  const t = ckpt.config;
  try {
    for (const f of [
      'hidden_size',
      'num_attention_heads',
      'intermediate_size',
      'vocab_size',
      'max_position_embeddings',
      'type_vocab_size',
    ] as const) {
      if (t[f] !== cfg[f]) {
        throw new Error(
          `--init_checkpoint has ${f} ${t[f]} but --bert_config_file has ${cfg[f]}; a student cut from it keeps the checkpoint's sizes`,
        );
      }
    }
    if (layers.length !== cfg.num_hidden_layers) {
      throw new UsageError(
        `--student_layers lists ${layers.length} layers but --bert_config_file has num_hidden_layers ${cfg.num_hidden_layers}`,
      );
    }
    const student = buildStudent({ kind: 'layers', layers }, { weights: ckpt.weights, config: t }, seed);
    return {
      ...student,
      vocab: ckpt.vocab,
      teacher: { layers: t.num_hidden_layers, hidden: t.hidden_size },
      teacherLayers: layers,
    };
  } finally {
    disposeWeights(ckpt.weights);
  }
}

async function exportStudent(
  dir: string,
  format: ExportFormat,
  weights: Weights,
  cfg: BertConfig,
  vocab: string[] | undefined,
  card: ModelCardRecord,
): Promise<void> {
  const files = [...(await exportCheckpoint(format, weights, cfg, vocab)), modelCardFile(card)];
  await mkdir(dir, { recursive: true });
  for (const f of files) {
    const target = path.join(dir, f.name);
    await mkdir(path.dirname(target), { recursive: true }); // onnx/model.onnx
    await writeFile(`${target}.tmp`, f.data);
    await rename(`${target}.tmp`, target);
  }
}

function formatLine(m: RunMetrics): string {
  return JSON.stringify(m, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v));
}

async function run(flags: Flags): Promise<void> {
  const doTrain = flags.do_train;
  const doEval = flags.do_eval;
  if (!doTrain && !doEval) throw new UsageError('at least one of --do_train or --do_eval must be set');
  const note = ignoredTpuFlagsNote(flags);
  if (note) console.error(note);
  const exportFormat = flags.export_format;
  const loss = lossFromFlags(flags);
  const cfgPath = flags.bert_config_file;
  const cfg = await readBertConfigFile(cfgPath);
  const shape = recordShapeFromFlags(flags);
  const plan = planFromFlags(flags);
  const outDir = flags.output_dir;
  await makeOutputDir(outDir, '--output_dir');
  const inputFiles = await expandInputFiles(flags.input_file);
  const items = await readItems(
    inputFiles,
    needsTeacher(loss),
    shape.k,
    shape.maxSeqLength,
    shape.maxPredictionsPerSeq,
    cfg.vocab_size,
  );
  if (items.length === 0) throw new Error(`--input_file ${flags.input_file}: no examples`);
  const all = inMemoryTrainingSet(items);
  // Training and evaluating: the run layer's held-out rule; evaluating only: every example.
  const split = doTrain
    ? splitHeldOut(all, { fraction: doEval ? plan.heldOutFraction : 0 })
    : { train: all, heldOut: all };
  // at most --max_eval_steps batches, as the Estimator's evaluate(steps=max_eval_steps)
  const heldOut =
    doEval && split.heldOut
      ? subset(split.heldOut, 0, Math.min(split.heldOut.size, plan.maxEvalSteps * plan.evalBatchSize))
      : null;
  if (doTrain && split.train.size === 0) throw new Error('no examples left to train on after the held-out split');

  const metricsFile = path.join(outDir, 'metrics.jsonl');
  const student = await studentFor(flags, cfg);
  const sources = await Promise.all(inputFiles.map(async (f) => ({ name: f, bytes: (await stat(f)).size })));
  const trainerConfig = trainerConfigFromFlags(flags);
  const card = (step: number, history: readonly RunMetrics<DistillScores>[]): ModelCardRecord => ({
    title: path.basename(path.resolve(outDir)),
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    date: new Date().toISOString(),
    format: exportFormat,
    teacher: {
      name: flags.init_checkpoint
        ? `${flags.init_checkpoint} (its top-k outputs in ${flags.input_file})`
        : `the teacher whose top-k outputs are in ${flags.input_file}`,
      ...student.teacher,
    },
    student: cardStudent(student.cfg, trainer.weights, student.teacherLayers),
    data: {
      exampleSet: flags.input_file,
      sources,
      flags: {
        max_seq_length: shape.maxSeqLength,
        max_predictions_per_seq: shape.maxPredictionsPerSeq,
        truncation_factor: shape.k,
      },
      examples: items.length,
      trainExamples: split.train.size,
      heldOutExamples: heldOut?.size ?? 0,
      teacherTopK: needsTeacher(loss) ? shape.k : null,
    },
    loss: { preset: flags.loss, config: loss },
    training: {
      stepsTrained: step,
      plannedSteps: trainerConfig.schedule.numTrainSteps,
      learningRate: trainerConfig.schedule.learningRate,
      warmupSteps: trainerConfig.schedule.numWarmupSteps,
      batchSize: trainerConfig.batchSize,
      gradientAccumulationSteps: trainerConfig.gradientAccumulationSteps ?? 1,
      seed: trainerConfig.seed ?? flags.seed,
      backend: `tfjs ${cliBackendDescription()} (Node)`,
    },
    evaluations: cardEvaluations(history),
  });
  const trainer = new Trainer({
    task: distillTask(student.cfg, loss),
    weights: student.weights,
    config: trainerConfig,
    data: split.train,
    store: new FsStore(path.join(outDir, 'train_state')),
  });
  const emit = async (m: RunMetrics) => {
    const line = formatLine(m);
    console.log(line);
    await appendFile(metricsFile, line + '\n');
    if (m.kind === 'eval') await writeEvalResults(outDir, m.step, m);
  };
  try {
    if (await trainer.restore()) {
      console.error(`resuming from the checkpoint at step ${trainer.currentStep} in ${outDir}/train_state`);
      // the metrics file continues from the checkpoint: steps after it were lost with the process
      await rm(metricsFile, { force: true });
      if (trainer.history.length) await writeFile(metricsFile, trainer.history.map(formatLine).join('\n') + '\n');
    } else {
      await rm(metricsFile, { force: true });
    }
    for (const note of student.notes) console.error(`student: ${note}`);
    console.error(
      `${split.train.size} training and ${heldOut?.size ?? 0} held-out examples; loss ${JSON.stringify(loss)}; ` +
        `student ${student.cfg.num_hidden_layers} layers, hidden ${student.cfg.hidden_size}`,
    );
    if (doTrain) {
      await withCtrlC((signal) =>
        train(
          trainer,
          {
            heldOut,
            evalBatchSize: plan.evalBatchSize,
            evalEvery: plan.evalEvery,
            checkpointEvery: plan.checkpointEvery,
          },
          signal,
          {
            step: emit,
            eval: emit,
            checkpoint: async (step) => {
              await writeTf1Checkpoint(outDir, step, trainer.weights, student.cfg);
              await exportStudent(
                path.join(outDir, 'export'),
                exportFormat,
                trainer.weights,
                student.cfg,
                student.vocab,
                card(step, trainer.history),
              );
              console.error(
                `checkpoint saved at step ${step} (${outDir}/train_state, ${outDir}/export, ${outDir}/model.ckpt-${step})`,
              );
            },
          },
        ),
      );
    } else if (heldOut) {
      await emit(await trainer.evaluate(heldOut, plan.evalBatchSize));
    }
  } finally {
    trainer.dispose();
  }
}
