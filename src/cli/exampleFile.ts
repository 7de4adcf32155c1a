/**
 * One create_pretraining_data job: corpus file(s) → masked-LM examples in TFRecord file(s).
 * The records go to `<output>.partial` and are renamed to `<output>` only when the job has
 * finished, so a killed or failed run never leaves a complete-looking file; what was built
 * before an error stays in the .partial file, and the error says where.
 *
 * The same function runs in the command's own thread (--max_workers=1) and in each worker
 * thread (exampleFileWorker.ts), so the output does not depend on the number of workers.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { openFile } from './files.ts';
import { readDocuments } from '../core/corpus/readCorpus.ts';
import { createPretrainingExamples, type PretrainingOptions } from '../core/examples/createPretrainingData.ts';
import type { MaskedExample } from '../core/examples/maskedExample.ts';
import { BertTokenizer } from '../core/tokenizer/bertTokenizer.ts';
import { maskedExampleToRecord } from '../core/tfrecord/pretrainingRecord.ts';
import { TFRecordWriter } from '../core/tfrecord/recordWriter.ts';

/** Everything one job needs, as plain data (it crosses to a worker thread). */
export interface ExampleFileJob {
  /** Corpus files, read in this order as one document stream (one random stream). */
  inputs: string[];
  /** Output TFRecord files; examples go round-robin across them. */
  outputs: string[];
  vocabPath: string;
  vocabText: string;
  options: PretrainingOptions;
  /** JSON-lines fields that are documents (the original's --params); absent: title and content, or text. */
  params?: string[];
  /** How many examples to describe in the log, as Google's script logs the first ones. */
  loggedExamples: number;
}

export interface ExampleFileResult {
  documents: number;
  examples: number;
  bytes: number;
}

/** Where a job's messages go: progress lines and the logged examples. */
export type JobLog = (line: string) => void;

/** Google-style log of one example: tokens with the masks in place, and the features. */
export function describeExample(ex: MaskedExample, vocab: readonly string[]): string {
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

/** The name a job writes to until it has finished. */
export function partialName(output: string): string {
  return `${output}.partial`;
}

export async function writeExampleFile(job: ExampleFileJob, log: JobLog): Promise<ExampleFileResult> {
  const { options: opts, inputs, outputs } = job;
  const tokenizer = BertTokenizer.fromVocabText(job.vocabText, {
    doLowerCase: opts.doLowerCase,
    source: job.vocabPath,
  });
  // Open every input first, so a missing file fails before anything is written.
  const inputFiles = await Promise.all(inputs.map((p) => openFile(p)));
  const totalInputBytes = inputFiles.reduce((a, f) => a + f.size, 0);
  if (totalInputBytes === 0) throw new Error(`${inputs.join(', ')}: empty: the corpus holds no text`);

  const handles: FileHandle[] = [];
  const writers: TFRecordWriter[] = [];
  try {
    for (const out of outputs) {
      const h = await open(partialName(out), 'w').catch((err: Error) => {
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
  let bytesDone = 0;
  let currentFile = '';
  let lastLine = 0;
  const progressLine = (p: { documents: number; examples: number }) => {
    const now = performance.now();
    if (now - lastLine < 1000) return;
    lastLine = now;
    const secs = (now - started) / 1000;
    const mb = bytesRead / 1e6;
    log(
      `  ${currentFile}: ${p.documents} documents, ${p.examples} examples, ` +
        `${mb.toFixed(1)}/${(totalInputBytes / 1e6).toFixed(1)} MB read, ${(mb / Math.max(secs, 1e-9)).toFixed(2)} MB/s`,
    );
  };

  /** inputs that held no document (empty, or only whitespace) */
  const noText: string[] = [];
  async function* documents(): AsyncGenerator<string[]> {
    for (let k = 0; k < inputs.length; k++) {
      currentFile = inputs[k];
      const base = bytesDone;
      let docs = 0;
      for await (const doc of readDocuments(inputFiles[k], {
        name: inputs[k],
        json: { params: job.params, minFieldChars: opts.minDocumentChars },
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
      if (examples < job.loggedExamples) log(describeExample(ex, tokenizer.vocab));
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
  if (failure) {
    const msg = failure instanceof Error ? failure.message : String(failure);
    throw new Error(
      `${msg}\n(the ${examples} examples built before this error were written to ${outputs.map(partialName).join(', ')}; ` +
        'the .partial name marks them as incomplete)',
      { cause: failure },
    );
  }
  if (examples === 0) {
    // a run that builds nothing is an error here, not an empty file for the next step to accept
    await Promise.all(outputs.map((out) => rm(partialName(out), { force: true })));
    throw new Error(
      noText.length === inputs.length
        ? `${inputs.join(', ')}: no text: the corpus is empty or holds only whitespace`
        : `${inputs.join(', ')}: ${documentsSeen} documents but no examples: they may be too short for these settings ` +
            `(the original skips documents under 20 characters)${noText.length ? `; ${noText.join(', ')} held no text` : ''}`,
    );
  }
  for (const out of outputs) await rename(partialName(out), out);
  return { documents: documentsSeen, examples, bytes: writers.reduce((a, w) => a + w.bytes, 0) };
}
