/**
 * create_pretraining_data: corpus files → masked-LM examples in TFRecord files, with the
 * original's (and Google BERT's) flag names. The work is src/core/examples/createPretrainingData.ts,
 * the option flags and their conversion src/core/options/pretrainingFlags.ts; one job (inputs →
 * outputs, written as .partial and renamed at the end) is src/cli/exampleFile.ts, and
 * --max_workers's worker threads src/cli/exampleFilePool.ts. This file picks the jobs and
 * reports on stderr.
 *
 * Two ways to name the files:
 * - the original's: --input_dir (every file in it) and --output_dir, one output per input file,
 *   named as the original named it, `<input folder name>_<file name without .json>.tfrecord`,
 *   each file with its own random stream seeded by --random_seed (as the original's);
 * - Google BERT's: --input_file (comma-separated, globs) and --output_file (comma-separated):
 *   one document stream over every input, examples round-robin across the outputs.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { listFlag, UsageError, type FlagSpecs, type FlagsOf } from '../args.ts';
import { defineCommand } from '../command.ts';
import { openFile } from '../files.ts';
import { makeOutputDir, prepareOutputFile } from '../outputPath.ts';
import { expandInputFiles } from '../inputFiles.ts';
import { validatePretrainingOptions, type PretrainingOptions } from '../../core/examples/createPretrainingData.ts';
import { PRETRAINING_FLAGS, pretrainingOptionsFromFlags } from '../../core/options/pretrainingFlags.ts';
import type { ExampleFileJob } from '../exampleFile.ts';
import { runExampleJobs } from '../exampleFilePool.ts';

/** How many examples are printed to stderr at the start, as Google's script logs them. */
const LOGGED_EXAMPLES = 5;

const FLAGS = {
  input_dir: {
    type: 'string',
    help: "The original's input: a folder; every file in it is a corpus (one output file each, in --output_dir).",
  },
  output_dir: {
    type: 'string',
    help: "With --input_dir: the folder for the output files, each named <input folder name>_<input name without .json>.tfrecord (the original's naming).",
  },
  input_file: {
    type: 'string',
    help: "Google BERT's input: corpus file(s), a comma-separated list; each item may be a glob (*, ?, [abc]).",
  },
  output_file: {
    type: 'string',
    help: 'With --input_file: output TFRecord file(s), a comma-separated list; examples are written round-robin across them.',
  },
  vocab_file: { type: 'string', required: true, help: 'The vocab.txt the BERT model was trained on.' },
  params: {
    type: 'list',
    help: 'JSON-lines corpora: the fields that are documents, each field a separate document (the original\'s default: title,content; without the flag a "text" field is also read).',
  },
  ramdom_next: {
    type: 'bool',
    help: "Accepted (the original's spelling and default True) and ignored: the original's algorithm never drew a random next sentence. --mode=bert does.",
  },
  max_workers: {
    type: 'int',
    default: 2,
    min: 1,
    help: 'Worker threads, each building one --input_dir file at a time; the output is the same for any number.',
  },
  ...PRETRAINING_FLAGS,
} as const satisfies FlagSpecs;

const command = defineCommand({
  description: [
    "Builds masked-LM examples from text corpora and writes them as TFRecord files (the original's step 1).",
    "--input_dir/--output_dir (the original's): one output file per input file, <folder>_<name>.tfrecord, built",
    "  --max_workers files at a time in worker threads. --input_file/--output_file (Google BERT's): one stream.",
    'Outputs are written as <name>.partial and renamed when complete.',
    'Input: plain text (one sentence or paragraph per line, a blank line between documents) or JSON lines',
    '(title and content, or the --params fields, each a document; or a text field); UTF-8, UTF-16 with BOM or GB18030.',
    "--mode=original (default): the original 2020 scripts' algorithm: overlapping spans of each document",
    '  (--doc_stride), A/B split inside the span, [UNK] dropped, next_sentence_labels = 1. Streams: memory',
    '  stays flat in the corpus size.',
    "--mode=bert: Google BERT's algorithm (sentence chunks, 50% random next sentence from another document,",
    '  truncate_seq_pair). It keeps ALL documents in memory (random next sentences are drawn from the whole',
    '  corpus): size the corpus to the memory you have.',
  ].join('\n'),
  flags: FLAGS,
  run,
});

export default command;

type Flags = FlagsOf<typeof FLAGS>;

function optionsFromFlags(flags: Flags): PretrainingOptions {
  const o = pretrainingOptionsFromFlags(flags);
  try {
    validatePretrainingOptions(o);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message.replace(/^invalid option (\w+)/, '--$1'));
  }
  return o;
}

/** The original's output name for an input file: `<folder name>_<file name without .json>.tfrecord`. */
export function originalOutputName(inputDir: string, fileName: string): string {
  // The original cut the last 5 characters (meant for ".json"); other names lose their extension, if any.
  const stem = fileName.endsWith('.json')
    ? fileName.slice(0, -5)
    : fileName.slice(0, fileName.length - path.extname(fileName).length);
  return `${path.basename(path.resolve(inputDir))}_${stem}.tfrecord`;
}

/** The jobs of an --input_dir run: one per regular file in the folder, in name order. */
async function folderJobs(inputDir: string, outputDir: string, base: Omit<ExampleFileJob, 'inputs' | 'outputs'>) {
  const entries = await readdir(inputDir, { withFileTypes: true }).catch((err: Error) => {
    throw new UsageError(`--input_dir ${inputDir}: ${err.message}`);
  });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
  const skipped = entries.filter((e) => !e.isFile()).map((e) => e.name);
  if (files.length === 0) throw new UsageError(`--input_dir ${inputDir} holds no file`);
  const byOutput = new Map<string, string>();
  const jobs: ExampleFileJob[] = files.map((name, k) => {
    const out = originalOutputName(inputDir, name);
    const clash = byOutput.get(out);
    if (clash) throw new UsageError(`--input_dir: ${clash} and ${name} would both be written to ${out}`);
    byOutput.set(out, name);
    return {
      ...base,
      inputs: [path.join(inputDir, name)],
      outputs: [path.join(outputDir, out)],
      loggedExamples: k === 0 ? base.loggedExamples : 0,
    };
  });
  return { jobs, skipped };
}

async function run(flags: Flags): Promise<void> {
  const opts = optionsFromFlags(flags);
  if ((flags.input_dir === undefined) === (flags.input_file === undefined))
    throw new UsageError('give either --input_dir (with --output_dir) or --input_file (with --output_file)');
  if (flags.input_dir !== undefined && !flags.output_dir) throw new UsageError('--input_dir needs --output_dir');
  if (flags.input_file !== undefined && !flags.output_file) throw new UsageError('--input_file needs --output_file');
  if (flags.input_dir !== undefined && flags.output_file)
    throw new UsageError('--output_file goes with --input_file; with --input_dir give --output_dir');
  if (flags.input_file !== undefined && flags.output_dir)
    throw new UsageError('--output_dir goes with --input_dir; with --input_file give --output_file');
  if (flags.ramdom_next !== undefined)
    process.stderr.write(
      "note: --ramdom_next is accepted and ignored: the original's algorithm never drew a random next sentence\n",
    );
  const params = flags.params === undefined ? undefined : listFlag(flags.params);
  if (params && params.length === 0) throw new UsageError('--params names no field');

  const vocabText = await (await openFile(flags.vocab_file)).text();
  const base = { vocabPath: flags.vocab_file, vocabText, options: opts, params, loggedExamples: LOGGED_EXAMPLES };
  let jobs: ExampleFileJob[];
  if (flags.input_dir !== undefined) {
    const outputDir = flags.output_dir as string;
    const folder = await folderJobs(flags.input_dir, outputDir, base);
    jobs = folder.jobs;
    if (folder.skipped.length) process.stderr.write(`--input_dir: skipping ${folder.skipped.join(', ')} (not files)\n`);
    await makeOutputDir(outputDir, '--output_dir');
  } else {
    const inputs = await expandInputFiles(flags.input_file as string);
    const outputs = listFlag(flags.output_file);
    if (inputs.length === 0) throw new UsageError('--input_file names no file');
    if (outputs.length === 0) throw new UsageError('--output_file names no file');
    for (const out of outputs) await prepareOutputFile(out, '--output_file');
    jobs = [{ ...base, inputs, outputs }];
  }
  const workers = Math.min(flags.max_workers, jobs.length);
  process.stderr.write(
    `create_pretraining_data (${opts.mode} mode): ${jobs.length} job(s) on ${workers === 1 ? 'this thread' : `${workers} worker threads`}\n`,
  );
  const started = performance.now();
  const outcomes = await runExampleJobs(
    jobs,
    flags.max_workers,
    (line) => process.stderr.write(line.endsWith('\n') ? line : `${line}\n`),
    (o) => {
      if (o.result)
        process.stderr.write(
          `${o.job.inputs.join(', ')} → ${o.job.outputs.join(', ')}: ${o.result.documents} documents, ${o.result.examples} examples (thread ${o.threadId})\n`,
        );
    },
  );
  const failed = outcomes.filter((o) => o.error !== undefined);
  if (failed.length) throw new Error(failed.map((o) => o.error).join('\n'));
  const sum = (f: (r: { documents: number; examples: number; bytes: number }) => number) =>
    outcomes.reduce((a, o) => a + (o.result ? f(o.result) : 0), 0);
  const outputs = jobs.reduce((a, j) => a + j.outputs.length, 0);
  const secs = (performance.now() - started) / 1000;
  process.stderr.write(
    `done: ${sum((r) => r.documents)} documents, ${sum((r) => r.examples)} examples, ${sum((r) => r.bytes)} bytes written to ${outputs} file(s) in ${secs.toFixed(2)} s\n`,
  );
}
