/**
 * create_teacher_output_data: runs the teacher over masked-LM examples (TFRecord, the
 * original scripts' features) and writes the original's teacher-output TFRecords: each example's
 * features plus truncated_masked_lm_probs and top_k_indices (the teacher's top
 * --truncation_factor probabilities at each prediction slot, softmax over the full
 * vocabulary at T = 1). The work is src/core/distill/teacherOutputs.ts; the option flags
 * are src/core/options/teacherFlags.ts.
 *
 * --engine picks what runs the teacher: onnxruntime (default: the teacher exported as an
 * ONNX top-k graph and run by onnxruntime-node's native kernels, about ten times tfjs-wasm's
 * speed in `npm run bench`'s ONNX section) or tfjs (the project's own forward on the CLI's
 * tfjs backend, from the held teacher: float16 weights stay float16, widened per layer). Both give the same top k within float rounding.
 */
import path from 'node:path';
import { makeOutputDir, prepareOutputFile } from '../outputPath.ts';
import { type FlagSpecs, type FlagsOf, UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { checkpointFiles } from '../checkpointFiles.ts';
import { openFile } from '../files.ts';
import { readBertConfigFile } from '../bertConfigFile.ts';
import { expandInputFiles } from '../inputFiles.ts';
import { assertTeacher, loadCheckpoint, type LoadedCheckpoint } from '../../core/checkpoint/loadCheckpoint.ts';
import { exampleTopK, type TeacherOutputBatch } from '../../core/distill/teacherOutputs.ts';
import { type HeldCheckpoint, holdCheckpoint } from '../../core/checkpoint/heldCheckpoint.ts';
import { HeldTeacher } from '../../core/distill/heldTeacher.ts';
import { computeTeacherOutputsOnnx } from '../../core/distill/teacherOutputsOnnx.ts';
import { onnxTeacher, type OnnxTeacher } from '../onnxTeacher.ts';
import type { MaskedExample } from '../../core/examples/maskedExample.ts';
import { TEACHER_FLAGS, teacherOptionsFromFlags } from '../../core/options/teacherFlags.ts';
import { checkTokenIds } from '../../core/examples/checkTokenIds.ts';
import { recordToMaskedExample } from '../../core/tfrecord/pretrainingRecord.ts';
import { readRecords } from '../../core/tfrecord/recordReader.ts';
import { RecordFileSeries } from '../recordFileSeries.ts';
import { ignoredTpuFlagsNote, TPU_FLAGS } from '../tpuFlags.ts';
import { teacherOutputToRecord } from '../../core/tfrecord/teacherOutputRecord.ts';

/**
 * Reads masked examples from TFRecord files, checking their lengths and (given the model's
 * vocab_size) their token ids; errors name the file and record.
 */
export async function* readMaskedExamples(
  files: string[],
  maxSeqLength: number,
  maxPredictions: number,
  vocabSize?: number,
): AsyncGenerator<MaskedExample> {
  for (const file of files) {
    const blob = await openFile(file);
    let i = 0;
    for await (const bytes of readRecords(blob, { name: file })) {
      const ex = recordToMaskedExample(bytes, `${file} record ${i}`);
      if (ex.inputIds.length !== maxSeqLength) {
        throw new Error(
          `${file} record ${i}: input_ids has ${ex.inputIds.length} values, --max_seq_length is ${maxSeqLength}`,
        );
      }
      if (ex.maskedLmPositions.length !== maxPredictions) {
        throw new Error(
          `${file} record ${i}: masked_lm_positions has ${ex.maskedLmPositions.length} values, --max_predictions_per_seq is ${maxPredictions}`,
        );
      }
      if (vocabSize !== undefined) checkTokenIds(ex, vocabSize, `${file} record ${i}`, "the teacher's");
      i++;
      yield ex;
    }
  }
}

const FLAGS = {
  bert_config_file: { type: 'string', required: true, help: "The teacher's bert_config.json." },
  init_checkpoint: {
    type: 'string',
    required: true,
    help: 'The teacher checkpoint: a folder, a weight file (safetensors, pytorch_model.bin, model.json) or a TF1 prefix (bert_model.ckpt). It needs the masked-LM head.',
  },
  input_file: {
    type: 'string',
    required: true,
    help: 'Input TFRecord file(s) of masked-LM examples (comma-separated, globs allowed).',
  },
  output_dir: {
    type: 'string',
    help: "The original's output: a folder of teacher_0.tfrecord, teacher_1.tfrecord, ..., a new file every --records_per_file records (the original glued the name to the folder, so it needed a trailing /; here either way works).",
  },
  output_file: { type: 'string', help: 'Instead of --output_dir: one output TFRecord file of teacher outputs.' },
  records_per_file: {
    type: 'int',
    default: 50000,
    min: 1,
    help: "With --output_dir: records per teacher_%d.tfrecord file (the original's 50,000).",
  },
  engine: {
    type: 'string',
    default: 'onnxruntime',
    choices: ['onnxruntime', 'tfjs'],
    help: "What runs the teacher: onnxruntime (onnxruntime-node's native CPU kernels, the faster by measurement) or tfjs (the project's forward on the CLI's tfjs backend).",
  },
  ...TEACHER_FLAGS,
  ...TPU_FLAGS,
} as const satisfies FlagSpecs;

const command = defineCommand({
  description: [
    "Runs the teacher on masked-LM examples and writes the original's teacher-output TFRecords (the original 2020 scripts' step 2):",
    'the example features plus truncated_masked_lm_probs and top_k_indices, the top --truncation_factor',
    'probabilities (softmax over the full vocabulary, T = 1) and their ids at each prediction slot.',
    "--output_dir (the original's): teacher_0.tfrecord, teacher_1.tfrecord, ... a new file every 50,000 records;",
    '--output_file: one file. Each file is written as <name>.partial and renamed when complete.',
    "--input_file: comma-separated paths and globs (Google BERT's convention). TPU flags are accepted and ignored.",
  ].join('\n'),
  usesTensors: true,
  flags: FLAGS,
  run,
});
export default command;

async function run(flags: FlagsOf<typeof FLAGS>): Promise<void> {
  const { k, batchSize, maxSeqLength: maxSeq, maxPredictionsPerSeq: maxPred } = teacherOptionsFromFlags(flags);
  if ((flags.output_dir === undefined) === (flags.output_file === undefined))
    throw new UsageError('give either --output_dir (teacher_%d.tfrecord files) or --output_file');
  const note = ignoredTpuFlagsNote(flags);
  if (note) console.error(note);
  const inputs = await expandInputFiles(flags.input_file);
  // checked before the teacher is loaded and run: a bad output path fails at once
  const outputDir = flags.output_dir;
  const output = flags.output_file;
  if (outputDir !== undefined) await makeOutputDir(outputDir, '--output_dir');
  if (output !== undefined) {
    await prepareOutputFile(output, '--output_file');
    if (inputs.some((f) => path.resolve(f) === path.resolve(output)))
      throw new UsageError(`--output_file "${output}" is also an input file; name another file`);
  }
  // Every input record checked (lengths, token ids against the config's vocab_size) before
  // the teacher is loaded: a bad record or an empty input fails at once, not after the pass.
  const vocabSize = (await readBertConfigFile(flags.bert_config_file)).vocab_size;
  let records = 0;
  for await (const _ of readMaskedExamples(inputs, maxSeq, maxPred, vocabSize)) records++;
  if (records === 0) throw new Error(`--input_file ${inputs.join(', ')}: no examples (the file(s) hold no records)`);
  const files = await checkpointFiles(flags.init_checkpoint, { configFile: flags.bert_config_file });
  const engine = flags.engine;
  if (engine !== 'onnxruntime' && engine !== 'tfjs')
    throw new UsageError(`--engine must be onnxruntime or tfjs, got "${engine}"`);
  // tfjs: the held teacher (float16 weights stay float16, widened per layer); onnxruntime builds its graph from float32 tensors
  const teacher: LoadedCheckpoint | HeldCheckpoint =
    engine === 'tfjs' ? await holdCheckpoint(files) : await loadCheckpoint(files);
  assertTeacher(teacher);
  const cfg = teacher.config;
  if (k > cfg.vocab_size)
    throw new UsageError(`--truncation_factor ${k} is larger than the vocabulary (${cfg.vocab_size})`);
  if (maxSeq > cfg.max_position_embeddings) {
    throw new UsageError(
      `--max_seq_length ${maxSeq} exceeds the teacher's max_position_embeddings ${cfg.max_position_embeddings}`,
    );
  }
  console.error(
    `teacher: ${teacher.format}, ${cfg.num_hidden_layers} layers, hidden ${cfg.hidden_size}, vocab ${cfg.vocab_size} (fingerprint ${teacher.fingerprint})`,
  );

  const series =
    outputDir !== undefined
      ? new RecordFileSeries((n) => path.join(outputDir, `teacher_${n}.tfrecord`), flags.records_per_file)
      : new RecordFileSeries(() => output as string, Number.POSITIVE_INFINITY);
  let onnx: OnnxTeacher | null = null;
  let held: HeldTeacher | null = null;
  if ('weights' in teacher) onnx = await onnxTeacher(teacher.weights, cfg, k);
  else {
    held = new HeldTeacher(teacher);
    console.error(`teacher weights: ${held.describe()}`);
  }
  const teacherOutputs = (examples: MaskedExample[]): Promise<TeacherOutputBatch> =>
    onnx ? computeTeacherOutputsOnnx(onnx.run, examples, k) : held!.computeOutputs(examples, k);
  const t0 = performance.now();
  let count = 0;
  let pending: MaskedExample[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const out = await teacherOutputs(pending);
    for (let i = 0; i < pending.length; i++) {
      const t = exampleTopK(out, i);
      await series.write(teacherOutputToRecord(pending[i], t.probs, t.ids, k));
    }
    count += pending.length;
    pending = [];
    const secs = (performance.now() - t0) / 1000;
    process.stderr.write(`\r${count} examples, ${(count / secs).toFixed(1)} examples/s`);
  };
  try {
    for await (const ex of readMaskedExamples(inputs, maxSeq, maxPred)) {
      pending.push(ex);
      if (pending.length === batchSize) await flush();
    }
    await flush();
    // --output_file is always written, even empty; --output_dir, as the original, has a file per record started
    await series.close(outputDir === undefined);
  } catch (err) {
    const partial = series.partial;
    await series.abandon();
    if (partial && err instanceof Error)
      err.message += `\n(the records written before this error are in ${partial}; complete files: ${series.done.join(', ') || 'none'})`;
    throw err;
  } finally {
    await onnx?.release();
    held?.dispose();
    process.stderr.write('\n');
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({
      output_files: series.done,
      examples: count,
      truncation_factor: k,
      engine,
      seconds: Number(secs.toFixed(3)),
      examples_per_sec: Number((count / secs).toFixed(2)),
      bytes: series.bytes,
      bytes_per_example: count ? Math.round(series.bytes / count) : 0,
      teacher_fingerprint: teacher.fingerprint,
    }),
  );
}
