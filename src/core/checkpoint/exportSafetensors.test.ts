import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { tinyConfig, randomWeights } from '../../testing/tinyBert.ts';
import type { Weights } from '../model/weights.ts';
import { safetensorsBytes, type SafetensorsDtype } from './exportSafetensors.ts';
import { openSafetensors } from './safetensors.ts';

async function readBack(
  bytes: Uint8Array,
  file: string,
): Promise<{ dtypes: Record<string, string>; data: Record<string, Float32Array>; metadata: Record<string, string> }> {
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<
    string,
    { dtype?: string }
  >;
  const dtypes: Record<string, string> = {};
  for (const [k, v] of Object.entries(header)) if (k !== '__metadata__') dtypes[k] = v.dtype!;
  const src = await openSafetensors(new Blob([bytes as Uint8Array<ArrayBuffer>]), file);
  const data: Record<string, Float32Array> = {};
  for await (const t of src.tensors()) data[t.name] = t.data;
  return { dtypes, data, metadata: src.metadata };
}

describe('safetensorsBytes', () => {
  const cfg = tinyConfig();
  const parts = { pooler: false, mlmHead: true };

  async function roundTrip(dtype: SafetensorsDtype | undefined) {
    const w: Weights = randomWeights(cfg, parts, 7);
    try {
      const bytes = dtype ? await safetensorsBytes(w, cfg, dtype) : await safetensorsBytes(w, cfg);
      const back = await readBack(bytes, `model.${dtype ?? 'default'}.safetensors`);
      const want: Record<string, Float32Array> = {};
      for (const [n, t] of Object.entries(w)) want[n] = (await t.data()) as Float32Array;
      return { bytes, back, want };
    } finally {
      tf.dispose(Object.values(w));
    }
  }

  it('writes F32 by default, bit-exact, with the format metadata', async () => {
    const { back, want } = await roundTrip(undefined);
    expect(back.metadata).toEqual({ format: 'pt' });
    expect(new Set(Object.values(back.dtypes))).toEqual(new Set(['F32']));
    for (const [n, d] of Object.entries(back.data)) expect(Array.from(d)).toEqual(Array.from(want[n]));
  });

  it('writes F16 at half the size, each value within float16 rounding of the original', async () => {
    const f32 = await roundTrip('F32');
    const f16 = await roundTrip('F16');
    expect(new Set(Object.values(f16.back.dtypes))).toEqual(new Set(['F16']));
    expect(Object.keys(f16.back.data).sort()).toEqual(Object.keys(f32.back.data).sort());
    const dataBytes = (b: Uint8Array) =>
      b.byteLength - 8 - Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
    expect(dataBytes(f16.bytes) * 2).toBe(dataBytes(f32.bytes));
    for (const [n, d] of Object.entries(f16.back.data)) {
      const w = f16.want[n];
      for (let i = 0; i < d.length; i++)
        expect(Math.abs(d[i] - w[i])).toBeLessThanOrEqual(Math.abs(w[i]) * 2 ** -11 + 2 ** -24);
    }
  });

  it('refuses an unknown dtype, naming it', async () => {
    const w = randomWeights(cfg, parts, 1);
    try {
      await expect(safetensorsBytes(w, cfg, 'BF16' as SafetensorsDtype)).rejects.toThrow(
        /dtype must be F32 or F16, got "BF16"/,
      );
    } finally {
      tf.dispose(Object.values(w));
    }
  });
});

describe('config.json names the class of the exported weights', () => {
  it('masked LM, encoder only, classifier (with labels) and question answering', async () => {
    const { hfArchitecture, hfConfigFile } = await import('./exportFiles.ts');
    const { initWeights } = await import('../model/init.ts');
    const { initHead } = await import('../model/heads.ts');
    const { tinyConfig } = await import('../../testing/tinyBert.ts');
    const cfg = tinyConfig();
    const mlm = initWeights(cfg, { pooler: true, mlmHead: true }, 1);
    const bare = initWeights(cfg, { pooler: true, mlmHead: false }, 1);
    expect(hfArchitecture(mlm)).toBe('BertForMaskedLM');
    expect(hfArchitecture(bare)).toBe('BertModel');
    expect(hfArchitecture({ ...bare, ...initHead(cfg, 'classification', 3, 1) })).toBe('BertForSequenceClassification');
    expect(hfArchitecture({ ...bare, ...initHead(cfg, 'span', 2, 1) })).toBe('BertForQuestionAnswering');
    const file = hfConfigFile(cfg, { ...bare, ...initHead(cfg, 'classification', 2, 1) }, ['0', '1']);
    const json = JSON.parse(new TextDecoder().decode(file.data));
    expect(json.architectures).toEqual(['BertForSequenceClassification']);
    expect(json.id2label).toEqual({ 0: '0', 1: '1' });
    expect(json.label2id).toEqual({ 0: 0, 1: 1 });
  });
});
