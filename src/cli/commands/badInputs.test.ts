/**
 * Bad inputs and output paths the CLI commands catch before any work: output paths that
 * hang or fail only at the end, examples whose ids do not fit the model's vocabulary, no examples.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseFlags } from '../args.ts';
import convert from './convert.ts';
import createPretrainingData from './create_pretraining_data.ts';
import createTeacherOutputData from './create_teacher_output_data.ts';
import runDistill from './run_distill.ts';
import { configToJson, parseBertConfig } from '../../core/model/config.ts';
import { maskedExampleToRecord } from '../../core/tfrecord/pretrainingRecord.ts';
import { frameRecord } from '../../core/tfrecord/recordWriter.ts';
import { syntheticVocabText } from '../../testing/syntheticCorpus.ts';
import { syntheticExamples } from '../../testing/syntheticExamples.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const V = 30;
const cfg = parseBertConfig({
  vocab_size: V,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 16,
});

/** A folder with a config and examples built with a vocabulary of `exampleVocab` entries; no checkpoint. */
async function setup(exampleVocab = V) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bad-inputs-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'bert_config.json'), JSON.stringify(configToJson(cfg)));
  const examples = syntheticExamples({
    count: 6,
    vocabSize: exampleVocab,
    maxSeqLength: 12,
    maxPredictionsPerSeq: 3,
    seed: 3,
  });
  // make sure one id is past the model's vocabulary when the examples' vocabulary is larger
  if (exampleVocab > V) examples[4].inputIds[1] = exampleVocab - 1;
  await writeFile(
    path.join(dir, 'examples.tfrecord'),
    Buffer.concat(examples.map((e) => frameRecord(maskedExampleToRecord(e)))),
  );
  await writeFile(path.join(dir, 'empty.tfrecord'), '');
  return dir;
}

const run = (cmd: typeof runDistill, argv: string[]) => cmd.run(parseFlags(argv, cmd.flags));
const SHAPE = ['--max_seq_length=12', '--max_predictions_per_seq=3'];

describe('output paths are checked before any work', () => {
  it.runIf(existsSync('/proc/self'))(
    'run_distill and convert fail at once on --output_dir=/proc/... instead of hanging',
    async () => {
      const dir = await setup();
      await expect(
        run(runDistill, [
          `--bert_config_file=${dir}/bert_config.json`,
          `--input_file=${dir}/examples.tfrecord`,
          '--output_dir=/proc/distill_out/run',
          '--do_train',
          '--loss=mlm',
          ...SHAPE,
        ]),
      ).rejects.toThrow(/^--output_dir "\/proc\/distill_out\/run": cannot create the folder/);
      await expect(
        run(convert, [`--init_checkpoint=${dir}/no_such_model`, '--output_dir=/proc/convert_out']),
      ).rejects.toThrow(/^--output_dir "\/proc\/convert_out": cannot create the folder/);
    },
    10_000,
  );

  it('create_teacher_output_data refuses an existing folder as --output_file before loading the teacher', async () => {
    const dir = await setup();
    await mkdir(path.join(dir, 'out_folder'));
    // the checkpoint does not exist: the output path is checked first
    await expect(
      run(createTeacherOutputData, [
        `--bert_config_file=${dir}/bert_config.json`,
        `--init_checkpoint=${dir}/no_such_teacher`,
        `--input_file=${dir}/examples.tfrecord`,
        `--output_file=${dir}/out_folder`,
        ...SHAPE,
      ]),
    ).rejects.toThrow(/--output_file ".*out_folder": is an existing folder; name a file/);
    await expect(
      run(createTeacherOutputData, [
        `--bert_config_file=${dir}/bert_config.json`,
        `--init_checkpoint=${dir}/no_such_teacher`,
        `--input_file=${dir}/examples.tfrecord`,
        `--output_file=${dir}/examples.tfrecord`,
        ...SHAPE,
      ]),
    ).rejects.toThrow(/--output_file ".*examples.tfrecord" is also an input file/);
  });
});

describe('examples checked against the model before any work', () => {
  it('create_teacher_output_data names the file, record, id and both sizes for a larger vocabulary, before loading the teacher', async () => {
    const dir = await setup(45);
    await expect(
      run(createTeacherOutputData, [
        `--bert_config_file=${dir}/bert_config.json`,
        `--init_checkpoint=${dir}/no_such_teacher`,
        `--input_file=${dir}/examples.tfrecord`,
        `--output_file=${dir}/teacher.tfrecord`,
        ...SHAPE,
      ]),
    ).rejects.toThrow(
      /examples\.tfrecord record \d: input_ids holds id \d+ at position \d+, but the teacher's vocabulary has 30 entries \(vocab_size\); these examples were built with a larger vocabulary \(at least \d+ entries\)/,
    );
    expect(existsSync(path.join(dir, 'teacher.tfrecord.partial'))).toBe(false);
  });

  it('run_distill names the record whose ids are past the student vocabulary', async () => {
    const dir = await setup(45);
    await expect(
      run(runDistill, [
        `--bert_config_file=${dir}/bert_config.json`,
        `--input_file=${dir}/examples.tfrecord`,
        `--output_dir=${dir}/run`,
        '--do_train',
        '--loss=mlm',
        ...SHAPE,
      ]),
    ).rejects.toThrow(
      /examples\.tfrecord record \d: input_ids holds id \d+ .* but the student's vocabulary has 30 entries/,
    );
  });

  it('create_teacher_output_data fails on an input with no records, naming it', async () => {
    const dir = await setup();
    await expect(
      run(createTeacherOutputData, [
        `--bert_config_file=${dir}/bert_config.json`,
        `--init_checkpoint=${dir}/no_such_teacher`,
        `--input_file=${dir}/empty.tfrecord`,
        `--output_file=${dir}/teacher.tfrecord`,
        ...SHAPE,
      ]),
    ).rejects.toThrow(/--input_file .*empty\.tfrecord: no examples/);
  });
});

describe('a corpus with no text fails at the first step', () => {
  it.each([
    ['empty', '', /empty\.txt: empty: the corpus holds no text/],
    ['whitespace-only', ' \n\t\r\n\u3000\n\n', /blank\.txt: no text: the corpus is empty or holds only whitespace/],
    ['too short', 'short.\n\nshort too.\n', /tiny\.txt: 2 documents but no examples: they may be too short/],
  ])('create_pretraining_data: %s corpus is an error naming the file', async (_kind, text, message) => {
    const dir = await setup();
    const name = { empty: 'empty.txt', 'whitespace-only': 'blank.txt', 'too short': 'tiny.txt' }[_kind as string]!;
    await writeFile(path.join(dir, name), text);
    await writeFile(path.join(dir, 'vocab.txt'), syntheticVocabText());
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(
        run(createPretrainingData, [
          `--input_file=${dir}/${name}`,
          `--output_file=${dir}/out.tfrecord`,
          `--vocab_file=${dir}/vocab.txt`,
          '--max_seq_length=12',
          '--max_predictions_per_seq=3',
        ]),
      ).rejects.toThrow(message);
    } finally {
      errors.mockRestore();
    }
  });
});
