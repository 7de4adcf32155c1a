/**
 * create_teacher_output_data: runs the teacher over masked-LM examples (TFRecord, the
 * seed's features) and writes the seed's teacher-output TFRecords: each example's
 * features plus truncated_masked_lm_probs and top_k_indices (the teacher's top
 * --truncation_factor probabilities at each prediction slot, softmax over the full
 * vocabulary at T = 1). The work is src/core/distill/teacherOutputs.ts; the option flags
 * are src/core/options/teacherFlags.ts.
 */
import { rename, open } from 'node:fs/promises';
import path from 'node:path';
import { prepareOutputFile } from '../outputPath.ts';
import { type FlagSpecs, type FlagsOf, UsageError } from '../args.ts';
import { defineCommand } from '../command.ts';
import { checkpointFiles } from '../checkpointFiles.ts';
import { openFile } from '../files.ts';
import { expandInputFiles } from '../inputFiles.ts';
import { assertTeacher, loadCheckpoint, type LoadedCheckpoint } from '../../core/checkpoint/loadCheckpoint.ts';
import { bertMaskedLm } from '../../core/distill/batch.ts';
import { computeTeacherOutputs, exampleTopK } from '../../core/distill/teacherOutputs.ts';
import type { MaskedExample } from '../../core/examples/maskedExample.ts';
import { TEACHER_FLAGS, teacherOptionsFromFlags } from '../../core/options/teacherFlags.ts';
import { checkTokenIds } from '../../core/examples/checkTokenIds.ts';
import { parseBertConfig } from '../../core/model/config.ts';
import { recordToMaskedExample } from '../../core/tfrecord/pretrainingRecord.ts';
import { readRecords } from '../../core/tfrecord/recordReader.ts';
import { TFRecordWriter } from '../../core/tfrecord/recordWriter.ts';
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
  output_file: { type: 'string', required: true, help: 'Output TFRecord file of teacher outputs.' },
  ...TEACHER_FLAGS,
} as const satisfies FlagSpecs;

const command = defineCommand({
  description: [
    "Runs the teacher on masked-LM examples and writes the seed's teacher-output TFRecords (the seed's step 2):",
    'the example features plus truncated_masked_lm_probs and top_k_indices, the top --truncation_factor',
    'probabilities (softmax over the full vocabulary, T = 1) and their ids at each prediction slot.',
    'The output is written to <output_file>.partial and renamed when complete.',
  ].join('\n'),
  usesTensors: true,
  flags: FLAGS,
  run,
});
export default command;

/** The vocab_size of a bert_config.json, read without loading any weights. */
async function configVocabSize(configFile: string): Promise<number> {
  const text = await (await openFile(configFile)).text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${configFile}: not valid JSON (${(err as Error).message})`);
  }
  return parseBertConfig(json, configFile).vocab_size;
}

async function run(flags: FlagsOf<typeof FLAGS>): Promise<void> {
  const { k, batchSize, maxSeqLength: maxSeq, maxPredictionsPerSeq: maxPred } = teacherOptionsFromFlags(flags);
  const inputs = await expandInputFiles(flags.input_file);
  const output = flags.output_file;
  // checked before the teacher is loaded and run: a bad output path fails at once
  await prepareOutputFile(output, '--output_file');
  if (inputs.some((f) => path.resolve(f) === path.resolve(output)))
    throw new UsageError(`--output_file "${output}" is also an input file; name another file`);
  // Every input record checked (lengths, token ids against the config's vocab_size) before
  // the teacher is loaded: a bad record or an empty input fails at once, not after the pass.
  const vocabSize = await configVocabSize(flags.bert_config_file);
  let records = 0;
  for await (const _ of readMaskedExamples(inputs, maxSeq, maxPred, vocabSize)) records++;
  if (records === 0) throw new Error(`--input_file ${inputs.join(', ')}: no examples (the file(s) hold no records)`);
  const files = await checkpointFiles(flags.init_checkpoint, { configFile: flags.bert_config_file });
  const teacher: LoadedCheckpoint = await loadCheckpoint(files);
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

  const partial = `${output}.partial`;
  const fh = await open(partial, 'w');
  const writer = new TFRecordWriter(async (chunk) => {
    await fh.write(chunk);
  });
  const model = bertMaskedLm(cfg);
  const t0 = performance.now();
  let count = 0;
  let pending: MaskedExample[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const out = await computeTeacherOutputs(model, teacher.weights, pending, k);
    for (let i = 0; i < pending.length; i++) {
      const t = exampleTopK(out, i);
      await writer.write(teacherOutputToRecord(pending[i], t.probs, t.ids, k));
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
    await writer.close();
  } finally {
    await fh.close();
    process.stderr.write('\n');
  }
  await rename(partial, output);
  const secs = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({
      output_file: output,
      examples: count,
      truncation_factor: k,
      seconds: Number(secs.toFixed(3)),
      examples_per_sec: Number((count / secs).toFixed(2)),
      bytes: writer.bytes,
      bytes_per_example: count ? Math.round(writer.bytes / count) : 0,
      teacher_fingerprint: teacher.fingerprint,
    }),
  );
}
