/**
 * Peak memory of loading a checkpoint, as a ratio to its file size (target ≤ 1.2).
 * Writes a random ~230 MB safetensors BERT to the temp folder (streamed, one tensor
 * at a time), opens it as a lazy Blob, loads it with loadCheckpoint on the cpu
 * backend, and samples process RSS (and V8 external + arrayBuffers) while it loads.
 * The ratio is (peak RSS − RSS before loading) / file size: the loaded weights
 * themselves are 1.0×, so anything above is the reader's overhead.
 * Node only (uses node: imports). Run alone: node --expose-gc --import tsx bench/loadBench.ts
 */
import { openAsBlob } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/core/backend/useBackend.ts';
import { disposeCheckpoint, loadCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { parseBertConfig } from '../src/core/model/config.ts';
import { expectedShapes } from '../src/core/model/weights.ts';

export interface LoadBenchResult {
  fileMB: number;
  peakRssMB: number;
  ratio: number;
  /** Peak growth of ArrayBuffer memory during the load, MB (the weights themselves are fileMB). */
  peakArrayBuffersMB: number;
  seconds: number;
  tensors: number;
}

const MB = 1024 * 1024;

async function writeRandomSafetensors(file: string, cfgJson: Record<string, number>): Promise<number> {
  const cfg = parseBertConfig(cfgJson);
  const shapes = expectedShapes(cfg, { pooler: true, mlmHead: true });
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const [name, shape] of shapes) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const h = new TextEncoder().encode(json);
  const fh = await open(file, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    await fh.write(len);
    await fh.write(h);
    let seed = 12345;
    // Written in 1 MB chunks so that writing does not inflate the process's memory before the load.
    const chunk = new Float32Array(MB / 4);
    let left = off / 4;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      for (let i = 0; i < n; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        chunk[i] = (seed / 2 ** 32 - 0.5) * 0.04;
      }
      await fh.write(new Uint8Array(chunk.buffer, 0, n * 4));
      left -= n;
    }
  } finally {
    await fh.close();
  }
  return 8 + h.length + off;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Writes, loads and measures; the checkpoint is removed afterwards. */
export async function benchLoad(opts: { layers?: number } = {}): Promise<LoadBenchResult> {
  await useBackend('cpu');
  tf.enableProdMode();
  const dir = os.tmpdir();
  const cfgJson = {
    vocab_size: 21128,
    hidden_size: 768,
    num_hidden_layers: opts.layers ?? 6,
    num_attention_heads: 12,
    intermediate_size: 3072,
    max_position_embeddings: 512,
    type_vocab_size: 2,
  };
  const weightsPath = path.join(dir, `loadBench-${process.pid}.safetensors`);
  const size = await writeRandomSafetensors(weightsPath, cfgJson);
  try {
    gc();
    await new Promise((r) => setTimeout(r, 50));
    gc();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakExt = base.arrayBuffers;
    const sample = () => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakExt = Math.max(peakExt, m.arrayBuffers);
    };
    const timer = setInterval(sample, 5);
    const files = new Map<string, Blob>([
      ['ckpt/model.safetensors', await openAsBlob(weightsPath)],
      ['ckpt/config.json', new Blob([JSON.stringify(cfgJson)])],
    ]);
    const t0 = performance.now();
    const ckpt = await loadCheckpoint(files, { onProgress: sample });
    const seconds = (performance.now() - t0) / 1000;
    sample();
    clearInterval(timer);
    const tensors = Object.keys(ckpt.weights).length;
    disposeCheckpoint(ckpt);
    return {
      fileMB: size / MB,
      peakRssMB: (peakRss - base.rss) / MB,
      ratio: (peakRss - base.rss) / size,
      peakArrayBuffersMB: (peakExt - base.arrayBuffers) / MB,
      seconds,
      tensors,
    };
  } finally {
    await rm(weightsPath, { force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  benchLoad().then((r) => {
    console.log(
      `checkpoint load: file ${r.fileMB.toFixed(1)} MB, peak extra RSS ${r.peakRssMB.toFixed(1)} MB, ratio ${r.ratio.toFixed(3)} (target ≤ 1.2), ` +
        `peak extra ArrayBuffer memory ${r.peakArrayBuffersMB.toFixed(1)} MB (ratio ${(r.peakArrayBuffersMB / r.fileMB).toFixed(3)}), ${r.tensors} tensors in ${r.seconds.toFixed(2)} s`,
    );
  });
}
