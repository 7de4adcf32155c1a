/**
 * The original's teacher size in Node: a random 24-layer, hidden-1024, vocab-21128 checkpoint
 * (bench/largeTeacherFolder.ts, float16 or float32 safetensors, in a temporary folder removed
 * afterwards) held with holdCheckpoint and run with HeldTeacher on tfjs-wasm.
 * Measures the load (seconds; peak memory as a ratio to the file: (peak RSS − RSS before) /
 * file bytes, RSS from Linux's high-water mark VmHWM, reset before the load and before the
 * batches, and sampled every 5 ms; the same for V8's ArrayBuffer memory, sampled), then a few
 * teacher batches (examples/s, the peak ratio while they run and over load and batches).
 * Run in a fresh process (bench/run.ts starts it; or alone:
 *   node --expose-gc --import tsx bench/largeTeacherBench.ts F16 [batches] [batchSize]);
 * prints its result as JSON on the last line.
 */
import { openAsBlob, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { configureWasmPaths } from '../src/cli/nodeBackend.ts';
import { useBackend } from '../src/core/backend/useBackend.ts';
import { disposeHeld, holdCheckpoint } from '../src/core/checkpoint/heldCheckpoint.ts';
import { HeldTeacher } from '../src/core/distill/heldTeacher.ts';
import { syntheticExamples } from '../src/testing/syntheticExamples.ts';
import { LARGE_TEACHER_CONFIG, writeLargeTeacherFolder } from './largeTeacherFolder.ts';

export interface LargeTeacherResult {
  dtype: 'F16' | 'F32';
  backend: string;
  fileMB: number;
  loadSeconds: number;
  /** (peak RSS − RSS before loading) / file bytes, during the load */
  loadPeakRatio: number;
  /** the same for V8's ArrayBuffer memory */
  loadArrayBuffersRatio: number;
  /** how the weights are kept (HeldTeacher.describe()) */
  weights: string;
  batch: number;
  seq: number;
  batches: number;
  secondsPerBatch: number;
  examplesPerSec: number;
  /** (peak RSS − RSS before loading) / file bytes, over the load and the batches */
  runPeakRatio: number;
  /** the same while the batches run (the warm-up batch included), the load left out */
  batchPeakRatio: number;
  /** the same for V8's ArrayBuffer memory (the float16 layers held in JavaScript) */
  runArrayBuffersRatio: number;
  /** tfjs-wasm's heap after the run (it never shrinks: its peak): the resident float32 tensors, the widened half-layer, activations */
  backendHeapMB: number;
  /** the teacher's float16 bytes held in JavaScript and float32 bytes resident on the backend (HeldTeacher.memory()) */
  heldMB: number;
  residentMB: number;
}

const MB = 2 ** 20;

/**
 * The process's peak RSS since the last resetPeakRss, from Linux's VmHWM (null without /proc).
 * Writing 5 to /proc/self/clear_refs resets the high-water mark to the current RSS.
 */
function peakRssSinceReset(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux: the 5 ms samples only
  }
}

/** Where the memory is: the wasm heap (its size now is its peak) and the teacher's own count. */
function memoryParts(teacher: HeldTeacher): Pick<LargeTeacherResult, 'backendHeapMB' | 'heldMB' | 'residentMB'> {
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.length ?? Number.NaN;
  const { heldBytes, residentBytes } = teacher.memory();
  return { backendHeapMB: heap / MB, heldMB: heldBytes / MB, residentMB: residentBytes / MB };
}

export async function benchLargeTeacher(opts: {
  dtype: 'F16' | 'F32';
  batches: number;
  batch: number;
  seq?: number;
}): Promise<LargeTeacherResult> {
  configureWasmPaths();
  await useBackend('wasm', { who: 'large teacher bench' });
  tf.enableProdMode();
  const seq = opts.seq ?? 128;
  const folder = await writeLargeTeacherFolder(opts.dtype);
  try {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
    gc?.();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakBuffers = base.arrayBuffers;
    /** the peak since the load ended */
    let batchPeakRss = base.rss;
    // the kernel's own peak (VmHWM) sees inside the batches, which run without yielding to the timer
    resetPeakRss();
    const sample = () => {
      const m = process.memoryUsage();
      const hwm = peakRssSinceReset() ?? m.rss;
      peakRss = Math.max(peakRss, m.rss, hwm);
      batchPeakRss = Math.max(batchPeakRss, m.rss, hwm);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    };
    const timer = setInterval(sample, 5);
    const files = new Map<string, Blob>();
    for (const f of ['model.safetensors', 'config.json', 'vocab.txt'])
      files.set(`large/${f}`, await openAsBlob(path.join(folder.dir, f)));
    const t0 = performance.now();
    const held = await holdCheckpoint(files, { onProgress: sample });
    let teacher: HeldTeacher;
    try {
      teacher = new HeldTeacher(held);
    } catch (e) {
      disposeHeld(held);
      throw e;
    }
    const loadSeconds = (performance.now() - t0) / 1000;
    sample();
    const loadPeakRatio = (peakRss - base.rss) / folder.bytes;
    resetPeakRss();
    batchPeakRss = process.memoryUsage().rss;
    const loadArrayBuffersRatio = (peakBuffers - base.arrayBuffers) / folder.bytes;
    const examples = syntheticExamples({
      count: opts.batch * (opts.batches + 1),
      vocabSize: LARGE_TEACHER_CONFIG.vocab_size,
      maxSeqLength: seq,
      maxPredictionsPerSeq: 20,
      seed: 3,
    });
    try {
      if (opts.batches === 0) {
        clearInterval(timer);
        return {
          dtype: opts.dtype,
          backend: tf.getBackend(),
          fileMB: folder.bytes / MB,
          loadSeconds,
          loadPeakRatio,
          loadArrayBuffersRatio,
          weights: teacher.describe(),
          batch: opts.batch,
          seq,
          batches: 0,
          secondsPerBatch: Number.NaN,
          examplesPerSec: Number.NaN,
          runPeakRatio: loadPeakRatio,
          batchPeakRatio: Number.NaN,
          runArrayBuffersRatio: loadArrayBuffersRatio,
          ...memoryParts(teacher),
        };
      }
      // one batch to warm up (kernels, the wasm heap's growth), then the timed ones
      await teacher.computeOutputs(examples.slice(0, opts.batch));
      const t1 = performance.now();
      for (let b = 1; b <= opts.batches; b++) {
        const out = await teacher.computeOutputs(examples.slice(b * opts.batch, (b + 1) * opts.batch));
        if (!out.probs.every(Number.isFinite)) throw new Error('large teacher bench: non-finite probabilities');
      }
      const seconds = (performance.now() - t1) / 1000;
      sample();
      clearInterval(timer);
      return {
        dtype: opts.dtype,
        backend: tf.getBackend(),
        fileMB: folder.bytes / MB,
        loadSeconds,
        loadPeakRatio,
        loadArrayBuffersRatio,
        weights: teacher.describe(),
        batch: opts.batch,
        seq,
        batches: opts.batches,
        secondsPerBatch: seconds / opts.batches,
        examplesPerSec: (opts.batches * opts.batch) / seconds,
        runPeakRatio: (peakRss - base.rss) / folder.bytes,
        batchPeakRatio: (batchPeakRss - base.rss) / folder.bytes,
        runArrayBuffersRatio: (peakBuffers - base.arrayBuffers) / folder.bytes,
        ...memoryParts(teacher),
      };
    } finally {
      clearInterval(timer);
      teacher.dispose();
    }
  } finally {
    await rm(folder.dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dtype = (process.argv[2] ?? 'F16').toUpperCase();
  if (dtype !== 'F16' && dtype !== 'F32') throw new Error(`largeTeacherBench: dtype must be F16 or F32, got ${dtype}`);
  const r = await benchLargeTeacher({
    dtype,
    batches: Number(process.argv[3] ?? 2),
    batch: Number(process.argv[4] ?? 4),
  });
  console.log(JSON.stringify(r));
}
