import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/useBackend.ts';
import type { Weights } from '../model/weights.ts';
import { randomWeights, tinyConfig } from '../../testing/tinyBert.ts';
import { exportCheckpoint, type ExportFile } from './exportCheckpoint.ts';
import { disposeCheckpoint, loadCheckpoint } from './loadCheckpoint.ts';
import { readZipDirectory, zipEntryDataStart } from './zip.ts';

/** A Python with torch (Debian's python3-torch lives under /usr/bin/python3), or null. */
function pythonWithTorch(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}
const PYTHON = pythonWithTorch();

const cfg = tinyConfig({ hidden_act: 'gelu_new' });
const VOCAB = Array.from({ length: cfg.vocab_size }, (_, i) => `t${i}`);
let weights: Weights;
let files: ExportFile[];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'export-pt-'));

beforeAll(async () => {
  await useBackend('cpu');
  weights = randomWeights(cfg, { pooler: true, mlmHead: true }, 11);
  files = await exportCheckpoint('pytorch', weights, cfg, VOCAB);
});
afterAll(() => {
  tf.dispose(Object.values(weights));
  rmSync(tmp, { recursive: true, force: true });
});

const bin = () => files.find((f) => f.name === 'pytorch_model.bin')!.data;

describe('pytorch_model.bin export', () => {
  it('writes pytorch_model.bin, config.json and vocab.txt; the project reader gives back every tensor exactly', async () => {
    expect(files.map((f) => f.name)).toEqual([
      'pytorch_model.bin',
      'config.json',
      'vocab.txt',
      'tokenizer_config.json',
      'special_tokens_map.json',
    ]);
    const ckpt = await loadCheckpoint(
      new Map(files.map((f) => [`m/${f.name}`, new Blob([f.data as Uint8Array<ArrayBuffer>])])),
    );
    try {
      expect(ckpt.format).toBe('pytorch-zip');
      expect(ckpt.config).toEqual(cfg);
      expect(Object.keys(ckpt.weights).sort()).toEqual(Object.keys(weights).sort());
      for (const [name, t] of Object.entries(weights)) {
        expect(ckpt.weights[name].shape, name).toEqual(t.shape);
        expect(Array.from(ckpt.weights[name].dataSync()), name).toEqual(Array.from(t.dataSync()));
      }
    } finally {
      disposeCheckpoint(ckpt);
    }
  });

  it('stores every entry uncompressed, each storage starting 64-byte aligned, and the same weights give the same bytes', async () => {
    const blob = new Blob([bin() as Uint8Array<ArrayBuffer>]);
    const dir = await readZipDirectory(blob, 'pytorch_model.bin');
    expect([...dir.keys()]).toContain('pytorch_model/version');
    for (const e of dir.values()) {
      expect(e.method).toBe(0);
      if (e.name.includes('/data/')) expect((await zipEntryDataStart(blob, e, 'p')) % 64, e.name).toBe(0);
    }
    const again = await exportCheckpoint('pytorch', weights, cfg, VOCAB);
    expect(again[0].data).toEqual(bin());
  });

  it.runIf(PYTHON)(
    'torch.load(weights_only=True) reads it with the same names, shapes and values',
    () => {
      const file = path.join(tmp, 'pytorch_model.bin');
      writeFileSync(file, bin());
      const script = [
        'import json, sys, torch',
        "sd = torch.load(sys.argv[1], map_location='cpu', weights_only=True)",
        "print(json.dumps({k: {'shape': list(v.shape), 'dtype': str(v.dtype), 'values': v.flatten().tolist()} for k, v in sd.items()}))",
      ].join('\n');
      const out = JSON.parse(execFileSync(PYTHON!, ['-c', script, file], { timeout: 120_000 }).toString()) as Record<
        string,
        { shape: number[]; dtype: string; values: number[] }
      >;
      expect(Object.keys(out).sort()).toEqual(Object.keys(weights).sort());
      for (const [name, t] of Object.entries(weights)) {
        expect(out[name].dtype).toBe('torch.float32');
        expect(out[name].shape, name).toEqual(t.shape);
        expect(Float32Array.from(out[name].values), name).toEqual(t.dataSync());
      }
    },
    180_000,
  );
  it.skipIf(PYTHON)('skipped: no Python with torch (apt-get install -y python3-torch) to check torch.load', () => {});
});
