/**
 * create_pretraining_data: corpus files → masked-LM examples in TFRecord files, with the
 * seed's (and Google BERT's) flag names. The work is src/core/examples/createPretrainingData.ts,
 * the option flags and their conversion src/core/options/pretrainingFlags.ts; this file expands the file lists, writes the records, and reports progress on stderr.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { listFlag, UsageError, type FlagSpecs, type FlagsOf } from '../args.ts';
import { defineCommand } from '../command.ts';
import { openFile } from '../files.ts';
import { expandInputFiles } from '../inputFiles.ts';
import { readDocuments } from '../../core/corpus/readCorpus.ts';
import {
  createPretrainingExamples,
  validatePretrainingOptions,
  type PretrainingOptions,
} from '../../core/examples/createPretrainingData.ts';
import type { MaskedExample } from '../../core/examples/maskedExample.ts';
import { PRETRAINING_FLAGS, pretrainingOptionsFromFlags } from '../../core/options/pretrainingFlags.ts';
import { BertTokenizer } from '../../core/tokenizer/bertTokenizer.ts';
import { maskedExampleToRecord } from '../../core/tfrecord/pretrainingRecord.ts';
import { TFRecordWriter } from '../../core/tfrecord/recordWriter.ts';

/** How many examples are printed to stderr at the start, as Google's script logs them. */
const LOGGED_EXAMPLES = 5;

const FLAGS = {
  input_file: {
    type: 'string',
    required: true,
    help: 'Input corpus file(s): a comma-separated list; each item may be a glob (*, ?, [abc]).',
  },
  output_file: {
    type: 'string',
    required: true,
    help: 'Output TFRecord file(s): a comma-separated list; examples are written round-robin across them.',
  },
  vocab_file: { type: 'string', required: true, help: 'The vocab.txt the BERT model was trained on.' },
  ...PRETRAINING_FLAGS,
} as const satisfies FlagSpecs;

const command = defineCommand({
  description: [
    "Builds masked-LM examples from text corpora and writes them as TFRecord files (the seed's step 1).",
    'Input: plain text (one sentence or paragraph per line, a blank line between documents) or JSON lines',
    '(title/content or text fields); UTF-8, UTF-16 with BOM or GB18030.',
    "--mode=seed (default): the 2020 distillation project's algorithm: overlapping spans of each document",
    '  (--doc_stride), A/B split inside the span, [UNK] dropped, next_sentence_labels = 1. Streams: memory',
    '  stays flat in the corpus size.',
    "--mode=bert: Google BERT's algorithm (sentence chunks, 50% random next sentence from another document,",
    '  truncate_seq_pair). It keeps ALL documents in memory (random next sentences are drawn from the whole',
    '  corpus): size the corpus to the memory you have.',
    'Examples go round-robin into the --output_file list.',
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

/** Google-style log of one example: tokens with the masks in place, and the features. */
function describeExample(ex: MaskedExample, vocab: readonly string[]): string {
  const n = ex.inputMask.reduce((a, b) => a + b, 0);
  const preds = ex.maskedLmWeights.reduce((a, b) => a + b, 0);
  const tok = (id: number) => vocab[id] ?? `<${id}>`;
  return [
    '*** Example ***',
    `tokens: ${Array.from(ex.inputIds.subarray(0, n), tok).join(' ')}`,
    `segment_ids: ${Array.from(ex.segmentIds.subarray(0, n)).join(' ')}`,
    `masked_lm_positions: ${Array.from(ex.maskedLmPositions.subarray(0, preds)).join(' ')}`,
    `masked_lm_labels: ${Array.from(ex.maskedLmIds.subarray(0, preds), tok).join(' ')}`,
    `next_sentence_labels: ${ex.nextSentenceLabel}`,
    '',
  ].join('\n');
}

async function run(flags: Flags): Promise<void> {
  const opts = optionsFromFlags(flags);
  const inputs = await expandInputFiles(flags.input_file);
  const outputs = listFlag(flags.output_file);
  if (inputs.length === 0) throw new UsageError('--input_file names no file');
  if (outputs.length === 0) throw new UsageError('--output_file names no file');

  const vocabPath = flags.vocab_file;
  const vocabText = await (await openFile(vocabPath)).text();
  const tokenizer = BertTokenizer.fromVocabText(vocabText, { doLowerCase: opts.doLowerCase, source: vocabPath });
  // Open every input first, so a missing file fails before anything is written.
  const inputFiles = await Promise.all(inputs.map((p) => openFile(p)));
  const totalInputBytes = inputFiles.reduce((a, f) => a + f.size, 0);
  if (totalInputBytes === 0) throw new Error(`${inputs.join(', ')}: empty: the corpus holds no text`);

  process.stderr.write(
    `create_pretraining_data (${opts.mode} mode): ${inputs.length} input file(s), ${(totalInputBytes / 1e6).toFixed(1)} MB; ` +
      `writing ${outputs.join(', ')}\n`,
  );

  const handles: FileHandle[] = [];
  const writers: TFRecordWriter[] = [];
  try {
    for (const out of outputs) {
      const h = await open(out, 'w').catch((err: Error) => {
        throw new Error(`cannot write "${out}": ${err.message}`);
      });
      handles.push(h);
      writers.push(
        new TFRecordWriter(async (chunk) => {
          await h.write(chunk);
        }),
      );
    }
  } catch (err) {
    await Promise.all(handles.map((h) => h.close()));
    throw err;
  }

  const started = performance.now();
  let bytesRead = 0;
  let currentFile = '';
  let lastLine = 0;
  const progressLine = (p: { documents: number; examples: number }, force = false) => {
    const now = performance.now();
    if (!force && now - lastLine < 1000) return;
    lastLine = now;
    const secs = (now - started) / 1000;
    const mb = bytesRead / 1e6;
    process.stderr.write(
      `  ${currentFile}: ${p.documents} documents, ${p.examples} examples, ` +
        `${mb.toFixed(1)}/${(totalInputBytes / 1e6).toFixed(1)} MB read, ${(mb / Math.max(secs, 1e-9)).toFixed(2)} MB/s\n`,
    );
  };

  let bytesDone = 0;
  /** inputs that held no document (empty, or only whitespace) */
  const noText: string[] = [];
  async function* documents(): AsyncGenerator<string[]> {
    for (let k = 0; k < inputs.length; k++) {
      currentFile = inputs[k];
      const base = bytesDone;
      let docs = 0;
      for await (const doc of readDocuments(inputFiles[k], {
        name: inputs[k],
        onProgress: (p: { bytesRead: number }) => {
          bytesRead = base + p.bytesRead;
        },
      })) {
        docs++;
        yield doc;
      }
      if (docs === 0) noText.push(inputs[k]);
      bytesDone += inputFiles[k].size;
      bytesRead = bytesDone;
    }
  }

  let examples = 0;
  let documentsSeen = 0;
  let failure: unknown = null;
  try {
    const stream = createPretrainingExamples(documents(), tokenizer, opts, {
      onProgress: (p) => {
        documentsSeen = p.documents;
        progressLine(p);
      },
    });
    for await (const ex of stream) {
      if (examples < LOGGED_EXAMPLES) process.stderr.write(describeExample(ex, tokenizer.vocab));
      const pending = writers[examples % writers.length].write(maskedExampleToRecord(ex));
      if (pending) await pending;
      examples++;
    }
  } catch (err) {
    failure = err;
  } finally {
    // Whatever was built before a failure is flushed to disk, never dropped.
    for (const w of writers) await w.close();
    await Promise.all(handles.map((h) => h.close()));
  }

  const bytesWritten = writers.reduce((a, w) => a + w.bytes, 0);
  const secs = (performance.now() - started) / 1000;
  if (failure) {
    const msg = failure instanceof Error ? failure.message : String(failure);
    throw new Error(
      `${msg}\n(the ${examples} examples built before this error were written to ${outputs.join(', ')})`,
      { cause: failure },
    );
  }
  if (examples === 0) {
    // a run that builds nothing is an error here, not an empty file for the next step to accept
    throw new Error(
      noText.length === inputs.length
        ? `${inputs.join(', ')}: no text: the corpus is empty or holds only whitespace`
        : `${inputs.join(', ')}: ${documentsSeen} documents but no examples: they may be too short for these settings ` +
            `(the original skips documents under 20 characters)${noText.length ? `; ${noText.join(', ')} held no text` : ''}`,
    );
  }
  process.stderr.write(
    `done: ${documentsSeen} documents, ${examples} examples, ${bytesWritten} bytes written to ${outputs.length} file(s) ` +
      `in ${secs.toFixed(2)} s (${(totalInputBytes / 1e6 / Math.max(secs, 1e-9)).toFixed(2)} MB/s of input)\n`,
  );
}
