/**
 * create_pretraining_data throughput and memory: seed mode, whole-word masking (jieba),
 * max_seq_length 128, dupe_factor 5, every example serialised as a TFRecord record (the
 * records go to a sink that only counts bytes). The corpus is streamed several times in a row,
 * as one corpus that many times larger, and the heap is sampled after each repetition: flat
 * memory means the heap does not grow with the number of repetitions.
 * Figures are megabytes of UTF-8 input per second on one core (target: >= 1 MB/s per worker).
 * No node: imports (runs in a worker too); uses globalThis.gc when exposed (--expose-gc).
 */
import { createPretrainingExamples } from '../src/core/examples/createPretrainingData.ts';
import { loadSegmenter } from '../src/core/examples/wordSegmenter.ts';
import { BertTokenizer } from '../src/core/tokenizer/bertTokenizer.ts';
import { maskedExampleToRecord } from '../src/core/tfrecord/pretrainingRecord.ts';
import { TFRecordWriter } from '../src/core/tfrecord/recordWriter.ts';

export interface ExamplesBenchResult {
  mbPerSec: number;
  examplesPerSec: number;
  /** Heap (with array buffers) after the last repetition minus after the first (MB); near 0 when memory is flat. */
  heapGrowthMB: number;
  /** Details for the report. */
  repetitions: number;
  inputMB: number;
  examples: number;
  seconds: number;
  /** CPU seconds of this process over the timed run (Node only; NaN elsewhere). On a busy machine
   * wall time overstates the cost; inputMB / cpuSeconds is the one-core throughput. */
  cpuSeconds: number;
  mbPerCpuSec: number;
  heapSamplesMB: number[];
}

function cpuSecondsNow(): number {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  const u = p?.cpuUsage?.();
  return u ? (u.user + u.system) / 1e6 : NaN;
}

async function heapUsedMB(): Promise<number> {
  const g = globalThis as {
    gc?: () => void;
    process?: { memoryUsage?: () => { heapUsed: number; arrayBuffers?: number } };
    performance?: { memory?: { usedJSHeapSize: number } };
  };
  // Collect, let freed array buffers be swept, collect again.
  g.gc?.();
  await new Promise((r) => setTimeout(r, 20));
  g.gc?.();
  // The JS heap plus typed-array backing stores (which Node counts outside the heap).
  const m = g.process?.memoryUsage?.();
  const used = m ? m.heapUsed + (m.arrayBuffers ?? 0) : (g.performance?.memory?.usedJSHeapSize ?? 0);
  return used / 1e6;
}

/** Documents of a plain-text corpus: lines, a blank line between documents. */
function splitDocuments(text: string): string[][] {
  const docs: string[][] = [];
  let cur: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.length === 0) {
      if (cur.length > 0) docs.push(cur);
      cur = [];
    } else cur.push(line);
  }
  if (cur.length > 0) docs.push(cur);
  return docs;
}

/** Loads jieba's dictionary and compiles the hot paths on a few documents (nothing kept). */
async function warmUp(docs: string[][], tokenizer: BertTokenizer): Promise<void> {
  async function* stream(): AsyncGenerator<string[]> {
    for (const d of docs) yield d;
  }
  for await (const ex of createPretrainingExamples(stream(), tokenizer, {
    doWholeWordMask: true,
    maxSeqLength: 128,
    dupeFactor: 5,
  })) {
    maskedExampleToRecord(ex);
  }
}

export async function benchExamples(opts: {
  vocabText: string;
  corpusText: string;
  /** Times the corpus is streamed (default: enough for about 6 MB of input, at least 3). */
  repetitions?: number;
}): Promise<ExamplesBenchResult> {
  const tokenizer = BertTokenizer.fromVocabText(opts.vocabText, { doLowerCase: true });
  const docs = splitDocuments(opts.corpusText);
  const corpusMB = new TextEncoder().encode(opts.corpusText).length / 1e6;
  const repetitions = opts.repetitions ?? Math.max(3, Math.ceil(6 / Math.max(corpusMB, 1e-6)));
  await loadSegmenter();

  // The heap is sampled after the first repetition, then about five more times; the time the
  // samples take (garbage collections, a short sleep) is left out of the figures.
  const samples: number[] = [];
  const sampleEvery = Math.max(1, Math.ceil((repetitions - 1) / 5));
  let pausedWall = 0;
  let pausedCpu = 0;
  async function* stream(): AsyncGenerator<string[]> {
    for (let r = 0; r < repetitions; r++) {
      for (const d of docs) yield d;
      if (r === 0 || r === repetitions - 1 || r % sampleEvery === 0) {
        const w = performance.now();
        const c = cpuSecondsNow();
        samples.push(await heapUsedMB());
        pausedWall += performance.now() - w;
        pausedCpu += cpuSecondsNow() - c;
      }
    }
  }

  await warmUp(docs.slice(0, 50), tokenizer);
  await heapUsedMB(); // start from a collected heap

  let bytes = 0;
  const writer = new TFRecordWriter((chunk) => {
    bytes += chunk.length;
  });
  let examples = 0;
  const t0 = performance.now();
  const c0 = cpuSecondsNow();
  for await (const ex of createPretrainingExamples(stream(), tokenizer, {
    doWholeWordMask: true,
    maxSeqLength: 128,
    dupeFactor: 5,
  })) {
    const pending = writer.write(maskedExampleToRecord(ex));
    if (pending) await pending;
    examples++;
  }
  await writer.close();
  const seconds = (performance.now() - t0 - pausedWall) / 1000;
  const cpuSeconds = cpuSecondsNow() - c0 - pausedCpu;
  if (bytes === 0 && examples > 0) throw new Error('nothing written');
  const inputMB = corpusMB * repetitions;
  return {
    mbPerSec: inputMB / seconds,
    examplesPerSec: examples / seconds,
    heapGrowthMB: samples[samples.length - 1] - samples[0],
    repetitions,
    inputMB,
    examples,
    seconds,
    cpuSeconds,
    mbPerCpuSec: inputMB / cpuSeconds,
    heapSamplesMB: samples,
  };
}
