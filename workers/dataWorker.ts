/**
 * The data worker: corpus statistics, a tokenization preview, and building
 * masked examples (stored in IndexedDB in batches). It computes no tensors.
 * Thin: every computation is the engine's (src/core); this file reads the
 * stored inputs, calls core and posts progress.
 */
import { corpusStats, readDocuments } from '../src/core/corpus/readCorpus.ts';
import { corpusTokenStats } from '../src/core/estimate/corpusTokens.ts';
import { blobContentKey } from '../src/core/io/contentKey.ts';
import { createPretrainingExamples } from '../src/core/examples/createPretrainingData.ts';
import { lineToPieces } from '../src/core/examples/wholeWord.ts';
import { loadSegmenter } from '../src/core/examples/wordSegmenter.ts';
import { ExampleSetReader, ExampleSetWriter } from '../src/core/examples/exampleSetStore.ts';
import { modelTokenizer } from './vocab.ts';
import { RateMeter, throttle } from './rate.ts';
import { fileKey, getStoredFile, storeOf } from '../src/contract/storageLayout.ts';
import { startWorker } from './workerMain.ts';
import { readTaskFile, type TaskFile } from '../src/core/tasks/taskFiles.ts';
import { TASKS, type TaskName } from '../src/core/tasks/taskRegistry.ts';
import type { TaskFileInfo } from '../src/contract/jobs.ts';

/** The task a file's format and labels suggest (LCQMC for TSV pairs…), null when none fits. */
function suggestTask(f: TaskFile): TaskName | null {
  if (f.kind === 'span') return 'cmrc2018';
  if (f.kind === 'labels') return null;
  const fits = (t: TaskName) => TASKS[t].kind === f.kind && f.labels.every((l) => TASKS[t].labels?.includes(l));
  if (f.kind === 'pair' && f.format === 'tsv') return fits('lcqmc') ? 'lcqmc' : null;
  return (['afqmc', 'ocnli', 'tnews'] as const).find(fits) ?? null;
}

startWorker(
  'data',
  {
    async corpusStats({ corpusId }, ctx) {
      const file = await getStoredFile(fileKey.corpus(corpusId));
      const meter = new RateMeter();
      const stats = await corpusStats(file, {
        name: file.name,
        onProgress: (p: { bytesRead: number; totalBytes: number }) =>
          ctx.progress({ done: p.bytesRead, total: p.totalBytes, rate: meter.update(p.bytesRead), unit: 'bytes' }),
      });
      return {
        bytes: stats.bytes,
        documents: stats.documents,
        lines: stats.lines,
        characters: stats.characters,
        encoding: stats.encoding,
        format: stats.format === 'jsonl' ? 'JSON lines' : 'plain text',
        contentKey: await blobContentKey(file),
      };
    },

    async tokenPreview({ corpusId, vocabModelId, doLowerCase, maxChars }) {
      const file = await getStoredFile(fileKey.corpus(corpusId));
      const lines: string[] = [];
      let chars = 0;
      outer: for await (const doc of readDocuments(file, { name: file.name })) {
        for (const line of doc) {
          lines.push(line);
          chars += line.length;
          if (chars >= maxChars) break outer;
        }
      }
      const text = lines.join('\n').slice(0, maxChars);
      if (!vocabModelId)
        return {
          text,
          tokens: [],
          words: [],
          note: 'Load a teacher to see its WordPiece tokens and whole-word groups.',
        };
      const tokenizer = await modelTokenizer(vocabModelId, doLowerCase);
      const segmenter = await loadSegmenter();
      const tokens: string[] = [];
      const words: string[][] = [];
      for (const line of text.split('\n')) {
        const pieces = lineToPieces(line, tokenizer, segmenter);
        pieces.tokens.forEach((t, i) => {
          tokens.push(t);
          if (pieces.startsWord[i] || words.length === 0) words.push([t]);
          else words[words.length - 1].push(t);
        });
      }
      return { text, tokens, words };
    },

    async corpusTokens({ corpusId, vocabModelId, doLowerCase, minDocumentChars }, ctx) {
      const file = await getStoredFile(fileKey.corpus(corpusId));
      const tokenizer = await modelTokenizer(vocabModelId, doLowerCase);
      const total = (await corpusStats(file, { name: file.name })).documents;
      const meter = new RateMeter();
      const due = throttle(250);
      const docs = readDocuments(file, { name: file.name, json: { minFieldChars: minDocumentChars } });
      return corpusTokenStats(docs, tokenizer, {
        minDocumentChars,
        onProgress: (done) => {
          if (due()) ctx.progress({ done, total, rate: meter.update(done), unit: 'documents' });
        },
      });
    },

    async inspectVocabulary({ modelId }) {
      // read as a tokenizer would: the special tokens are checked too
      return { vocabSize: (await modelTokenizer(modelId, true)).vocab.length };
    },

    async buildExamples({ setId, corpusIds, vocabModelId, options, maxExamples }, ctx) {
      const tokenizer = await modelTokenizer(vocabModelId, options.doLowerCase);
      const files = await Promise.all(corpusIds.map((id) => getStoredFile(fileKey.corpus(id))));
      let totalDocs = 0;
      for (const f of files) totalDocs += (await corpusStats(f, { name: f.name })).documents;
      async function* allDocuments() {
        // JSON fields shorter than the minimum are skipped as the original did (raw, before <eop> removal)
        const json = { minFieldChars: options.minDocumentChars };
        for (const f of files) yield* readDocuments(f, { name: f.name, json });
      }
      const writer = new ExampleSetWriter(storeOf('examples'), setId);
      const meter = new RateMeter();
      const due = throttle(250);
      let docs = 0;
      const report = (force = false) => {
        if (!due(force)) return;
        ctx.progress({
          done: docs,
          total: totalDocs,
          rate: meter.update(docs),
          unit: 'documents',
          produced: writer.count,
          storedBytes: writer.storedBytes,
          message: `${writer.count} examples`,
        });
      };
      for await (const ex of createPretrainingExamples(allDocuments(), tokenizer, options, {
        onProgress: (p) => {
          docs = p.documents;
          report();
        },
      })) {
        await writer.add(ex);
        if (maxExamples !== null && writer.count >= maxExamples) break;
        await ctx.checkpoint();
        if (ctx.stopped) throw new Error('stopped before the set was complete; nothing half-built is kept');
      }
      const m = await writer.finish();
      docs = totalDocs;
      report(true);
      return { count: m.count, storedBytes: m.storedBytes };
    },

    async inspectTaskFile({ fileId }) {
      const file = await getStoredFile(fileKey.task(fileId));
      const f = await readTaskFile(file, { name: file.name });
      const info: TaskFileInfo = {
        kind: f.kind,
        format: f.kind === 'span' ? 'SQuAD JSON' : f.kind === 'labels' ? 'label list' : f.format,
        labels: f.kind === 'pair' || f.kind === 'single' ? f.labels : [],
        examples: f.kind === 'labels' ? f.labels.length : f.examples.length,
        unlabeled: f.kind === 'pair' || f.kind === 'single' ? f.unlabeled : 0,
        suggestedTask: suggestTask(f),
      };
      return info;
    },

    async exportRecords({ exampleSetId }) {
      const reader = await ExampleSetReader.open(storeOf('examples'), exampleSetId);
      return { blob: await reader.recordBlobs(), name: `${exampleSetId}.tfrecord` };
    },
  },
  { usesTensors: false },
);
