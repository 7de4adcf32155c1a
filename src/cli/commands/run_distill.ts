/**
 * run_distill: trains a student on the teacher's stored top-k outputs (the seed's
 * step 3), with the seed's flag names. The work is src/core/distill/trainer.ts;
 * this file reads the TFRecords, builds the student, prints one JSON metrics line
 * per step (and per evaluation) and appends them to <output_dir>/metrics.jsonl.
 *
 * <output_dir>/train_state/ holds the resumable checkpoints (weights, AdamW state,
 * step, data order, RNG state, metrics history); a run started again with the same
 * output_dir continues from the latest one. The student is also exported (the
 * checkpoint exporters' formats) to <output_dir>/export/ at every checkpoint.
 * Ctrl-C stops after the current step and saves a checkpoint first.
 */
import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type FlagSpecs, type FlagsOf, UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { openFile } from '../files.ts';
import { FsStore } from '../fsStore.ts';
import { checkpointFiles } from './create_teacher_output_data.ts';
import { expandInputFiles } from './create_pretraining_data.ts';
import { exportCheckpoint, type ExportFormat } from '../../core/checkpoint/exportCheckpoint.ts';
import { loadCheckpoint } from '../../core/checkpoint/loadCheckpoint.ts';
import type { TrainItem } from '../../core/distill/batch.ts';
import { distillTask } from '../../core/distill/distillTask.ts';
import { lossConfig, needsTeacher, type LossConfig } from '../../core/distill/loss.ts';
import { buildStudent, type BuiltStudent } from '../../core/model/buildStudent.ts';
import { splitHeldOut } from '../../core/run/heldOut.ts';
import { inMemoryTrainingSet } from '../../core/run/task.ts';
import { type RunMetrics, Trainer, TrainingHaltedError } from '../../core/run/trainer.ts';
import { train } from '../../core/run/train.ts';
import { parseBertConfig, type BertConfig } from '../../core/model/config.ts';
import { disposeWeights, parseLayerList } from '../../core/model/student.ts';
import type { Weights } from '../../core/model/weights.ts';
import { recordToMaskedExample } from '../../core/tfrecord/pretrainingRecord.ts';
import { readRecords } from '../../core/tfrecord/recordReader.ts';
import { recordToTeacherOutput } from '../../core/tfrecord/teacherOutputRecord.ts';

const EXPORT_FORMATS = ['safetensors', 'tf', 'tfjs'] as const satisfies readonly ExportFormat[];

const FLAGS = {
  bert_config_file: { type: 'string', required: true, help: "The student's bert_config.json." },
  input_file: {
    type: 'string',
    required: true,
    help: 'Teacher-output TFRecord file(s) (comma-separated, globs allowed).',
  },
  output_dir: { type: 'string', required: true, help: 'Where checkpoints, exports and metrics.jsonl are written.' },
  init_checkpoint: { type: 'string', help: 'Checkpoint to initialise the student from (usually the teacher).' },
  truncation_factor: { type: 'int', default: 128, min: 1, help: 'k of the teacher outputs (must match the records).' },
  max_seq_length: { type: 'int', default: 128, min: 1, help: 'Sequence length of the examples.' },
  max_predictions_per_seq: { type: 'int', default: 20, min: 1, help: 'Prediction slots per example.' },
  do_train: { type: 'bool', default: false, help: 'Train.' },
  do_eval: {
    type: 'bool',
    default: false,
    help: 'Evaluate (on the held-out split when training, else on every example).',
  },
  train_batch_size: { type: 'int', default: 32, min: 1, help: 'Examples per optimiser step (the seed: 384).' },
  eval_batch_size: { type: 'int', default: 8, min: 1, help: 'Examples per evaluation batch.' },
  num_train_steps: {
    type: 'int',
    default: 100000,
    min: 1,
    help: 'Optimiser steps; the learning rate reaches 0 there.',
  },
  num_warmup_steps: { type: 'int', default: 10000, min: 0, help: 'Linear warmup steps.' },
  learning_rate: { type: 'float', default: 5e-5, min: 0, help: 'Peak learning rate (AdamW).' },
  save_checkpoints_steps: { type: 'int', default: 1000, min: 0, help: 'Save a checkpoint (and export) every N steps.' },
  loss: {
    type: 'string',
    default: 'seed',
    choices: ['seed', 'distilbert', 'mlm'],
    help: 'Loss preset: seed, distilbert or mlm.',
  },
  temperature: {
    type: 'float',
    greaterThan: 0,
    help: 'Distillation temperature (re-tempers the stored probabilities; T² scaling).',
  },
  alpha_ce: { type: 'float', min: 0, help: 'Weight of the soft cross-entropy.' },
  alpha_cos: { type: 'float', min: 0, help: 'Weight of the cosine term.' },
  alpha_kl: { type: 'float', min: 0, help: 'Weight of the renormalised top-k KL.' },
  alpha_missing_mass: { type: 'float', min: 0, help: 'Weight of the missing-mass bucket term.' },
  alpha_mlm: { type: 'float', min: 0, help: 'Weight of the hard-label MLM cross-entropy.' },
  student_layers: {
    type: 'string',
    help: 'Teacher layers the student keeps, e.g. 0,1,2 (default: the first num_hidden_layers).',
  },
  gradient_accumulation_steps: {
    type: 'int',
    default: 1,
    min: 1,
    help: 'Micro-batches per step (train_batch_size must be a multiple).',
  },
  eval_every: { type: 'int', default: 0, min: 0, help: 'Evaluate every N steps (0: at each checkpoint).' },
  held_out_fraction: {
    type: 'float',
    default: 0.01,
    min: 0,
    lessThan: 1,
    help: 'Share of the examples (the last ones) held out for evaluation while training.',
  },
  seed: { type: 'int', default: 12345, help: 'Seeds the data order, dropout and a random student.' },
  export_format: {
    type: 'string',
    default: 'safetensors',
    choices: EXPORT_FORMATS,
    help: 'Export format at each checkpoint: safetensors, tf or tfjs.',
  },
} as const satisfies FlagSpecs;

const command = defineCommand({
  description: [
    "Distils a student from the teacher's stored top-k outputs (the seed's step 3).",
    '--input_file: teacher-output TFRecords (create_teacher_output_data); with --loss=mlm, plain masked-LM',
    'TFRecords also work (plain MLM pre-training, no teacher).',
    '--loss=seed (default): cross-entropy + cosine against the stored top-k, as the seed;',
    '--loss=distilbert: 5·CE(T=2) + 2·MLM + 1·cosine; --loss=mlm: masked-LM only. --alpha_* and --temperature override.',
    'The student is --bert_config_file, initialised from --init_checkpoint by keeping --student_layers',
    '(default: the first num_hidden_layers layers, as the seed), or randomly without --init_checkpoint.',
    'Resumes from <output_dir>/train_state when a checkpoint is there.',
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
      items.push(item);
      i++;
    }
  }
  return items;
}

function lossFromFlags(flags: Flags): LossConfig {
  try {
    return lossConfig(flags.loss, {
      temperature: flags.temperature,
      alphaCe: flags.alpha_ce,
      alphaCos: flags.alpha_cos,
      alphaKl: flags.alpha_kl,
      alphaMissingMass: flags.alpha_missing_mass,
      alphaMlm: flags.alpha_mlm,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** The student's starting weights: layers cut from --init_checkpoint, or random (src/core/model/buildStudent.ts). */
async function studentFor(flags: Flags, cfg: BertConfig): Promise<BuiltStudent & { vocab?: string[] }> {
  const init = flags.init_checkpoint;
  const seed = flags.seed;
  if (!init) return buildStudent({ kind: 'fresh', config: cfg }, null, seed);
  const ckpt = await loadCheckpoint(await checkpointFiles(init, flags.bert_config_file, false));
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
    const layers = flags.student_layers
      ? parseLayerList(flags.student_layers, '--student_layers')
      : [...Array(cfg.num_hidden_layers).keys()];
    if (layers.length !== cfg.num_hidden_layers) {
      throw new UsageError(
        `--student_layers lists ${layers.length} layers but --bert_config_file has num_hidden_layers ${cfg.num_hidden_layers}`,
      );
    }
    const student = buildStudent({ kind: 'layers', layers }, { weights: ckpt.weights, config: t }, seed);
    return { ...student, vocab: ckpt.vocab };
  } finally {
    disposeWeights(ckpt.weights);
  }
}

async function exportStudent(
  dir: string,
  format: ExportFormat,
  weights: Weights,
  cfg: BertConfig,
  vocab?: string[],
): Promise<void> {
  const files = await exportCheckpoint(format, weights, cfg, vocab);
  await mkdir(dir, { recursive: true });
  for (const f of files) {
    const target = path.join(dir, f.name);
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
  const exportFormat = flags.export_format;
  const loss = lossFromFlags(flags);
  const cfgPath = flags.bert_config_file;
  const cfgText = await (await openFile(cfgPath)).text();
  let cfgJson: unknown;
  try {
    cfgJson = JSON.parse(cfgText);
  } catch (err) {
    throw new Error(`${cfgPath}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const cfg = parseBertConfig(cfgJson, cfgPath);
  const k = flags.truncation_factor;
  const items = await readItems(
    await expandInputFiles(flags.input_file),
    needsTeacher(loss),
    k,
    flags.max_seq_length,
    flags.max_predictions_per_seq,
  );
  if (items.length === 0) throw new Error(`--input_file ${flags.input_file}: no examples`);
  const frac = flags.held_out_fraction;
  const all = inMemoryTrainingSet(items);
  // Training and evaluating: the run layer's held-out rule; evaluating only: every example.
  const split = doTrain ? splitHeldOut(all, { fraction: doEval ? frac : 0 }) : { train: all, heldOut: all };
  const heldOut = doEval ? split.heldOut : null;
  if (doTrain && split.train.size === 0) throw new Error('no examples left to train on after the held-out split');

  const outDir = flags.output_dir;
  await mkdir(outDir, { recursive: true });
  const metricsFile = path.join(outDir, 'metrics.jsonl');
  const student = await studentFor(flags, cfg);
  const trainer = new Trainer({
    task: distillTask(student.cfg, loss),
    weights: student.weights,
    config: {
      schedule: {
        learningRate: flags.learning_rate,
        numWarmupSteps: flags.num_warmup_steps,
        numTrainSteps: flags.num_train_steps,
      },
      batchSize: flags.train_batch_size,
      gradientAccumulationSteps: flags.gradient_accumulation_steps,
      seed: flags.seed,
    },
    data: split.train,
    store: new FsStore(path.join(outDir, 'train_state')),
  });
  const saveEvery = flags.save_checkpoints_steps;
  const evalBatchSize = flags.eval_batch_size;
  const emit = async (m: RunMetrics) => {
    const line = formatLine(m);
    console.log(line);
    await appendFile(metricsFile, line + '\n');
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
      const signal = { stopped: false };
      const onSigint = () => {
        signal.stopped = true;
        console.error('\nstopping after this step; saving a checkpoint');
      };
      process.once('SIGINT', onSigint);
      try {
        await train(
          trainer,
          { heldOut, evalBatchSize, evalEvery: flags.eval_every || saveEvery, checkpointEvery: saveEvery },
          signal,
          {
            step: emit,
            eval: emit,
            checkpoint: async (step) => {
              await exportStudent(
                path.join(outDir, 'export'),
                exportFormat,
                trainer.weights,
                student.cfg,
                student.vocab,
              );
              console.error(`checkpoint saved at step ${step} (${outDir}/train_state, ${outDir}/export)`);
            },
          },
        );
      } finally {
        process.off('SIGINT', onSigint);
      }
    } else if (heldOut) {
      await emit(await trainer.evaluate(heldOut, evalBatchSize));
    }
  } catch (err) {
    if (err instanceof TrainingHaltedError) throw new Error(err.message);
    throw err;
  } finally {
    trainer.dispose();
  }
}
