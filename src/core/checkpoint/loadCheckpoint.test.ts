import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../backend/useBackend.ts';
import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeWithRef, refPath } from '../../testing/refData.ts';
import { bertEncoder, mlmLogits } from '../model/bert.ts';
import type { BertConfig } from '../model/config.ts';
import { studentFromLayers } from '../model/student.ts';
import { EMBEDDING_NAMES, type Weights } from '../model/weights.ts';
import { exportCheckpoint, exportZip, type ExportFormat } from './exportCheckpoint.ts';
import { assertTeacher, disposeCheckpoint, loadCheckpoint, type LoadedCheckpoint } from './loadCheckpoint.ts';
import { readTf1Index } from './tf1.ts';
import { unzipSync } from 'fflate';
import {
  arraysToWeights,
  blobs,
  f32Bytes,
  pytorchLegacyFile,
  pytorchZipFile,
  randomArrays,
  safetensorsFile,
  tinyConfig,
  tinyVocab,
  type PtTensor,
} from '../../testing/checkpointFixtures.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

let before = 0;
afterEach(() => {
  // No test leaves tensors behind (each disposes what it loads).
  expect(tf.memory().numTensors).toBe(before);
});
const mark = () => (before = tf.memory().numTensors);

function filesToMap(files: { name: string; data: Uint8Array }[], dir = 'ckpt'): Map<string, Blob> {
  return new Map(files.map((f) => [`${dir}/${f.name}`, new Blob([f.data as Uint8Array<ArrayBuffer>])]));
}

async function values(w: Weights): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(w)) out[k] = Array.from(await t.data());
  return out;
}

function forward(w: Weights, cfg: BertConfig): { seq: number[]; logits: number[] } {
  return tf.tidy(() => {
    const ids = tf.tensor2d([[2, 7, 4, 11, 3]], [1, 5], 'int32');
    const h = bertEncoder(w, cfg, { inputIds: ids });
    const l = mlmLogits(w, cfg, h);
    return { seq: Array.from(h.dataSync()), logits: Array.from(l.dataSync()) };
  });
}

describe('export → load round trips', () => {
  const cfg = tinyConfig();
  const vocab = tinyVocab(cfg.vocab_size);
  const arrays = randomArrays(cfg, { pooler: true, mlmHead: true }, 3);

  it.each(['safetensors', 'tf', 'tfjs'] as ExportFormat[])(
    '%s reproduces the same tensors, logits and fingerprint',
    async (fmt) => {
      mark();
      const weights = arraysToWeights(arrays);
      const files = await exportCheckpoint(fmt, weights, cfg, vocab);
      const ref = forward(weights, cfg);
      const ckpt = await loadCheckpoint(filesToMap(files));
      const viaSafetensors = await loadCheckpoint(
        filesToMap(await exportCheckpoint('safetensors', weights, cfg, vocab)),
      );
      try {
        expect(ckpt.format).toBe(fmt === 'tf' ? 'tf1' : fmt);
        expect(ckpt.parts).toEqual({ pooler: true, mlmHead: true });
        expect(ckpt.config).toEqual(cfg);
        expect(ckpt.vocab).toEqual(vocab);
        const got = await values(ckpt.weights);
        expect(Object.keys(got).sort()).toEqual([...arrays.keys()].sort());
        for (const [n, { shape, data }] of arrays) {
          expect(ckpt.weights[n].shape, n).toEqual(shape);
          expect(got[n], n).toEqual(Array.from(data));
        }
        const out = forward(ckpt.weights, cfg);
        expect(out.seq).toEqual(ref.seq);
        expect(out.logits).toEqual(ref.logits);
        expect(ckpt.fingerprint).toMatch(/^[0-9a-f]{16}$/);
        expect(ckpt.fingerprint).toBe(viaSafetensors.fingerprint);
        if (fmt === 'tfjs') {
          // tfjs's own weight decoder reads our manifest and shards to the same values.
          const model = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'model.json')!.data));
          const shards = files.filter((f) => f.name.endsWith('.bin'));
          const buf = new Uint8Array(shards.reduce((s, f) => s + f.data.length, 0));
          let o = 0;
          for (const f of shards) {
            buf.set(f.data, o);
            o += f.data.length;
          }
          const decoded = tf.io.decodeWeights(buf.buffer, model.weightsManifest[0].weights);
          try {
            for (const [n, { data }] of arrays) expect(Array.from(decoded[n].dataSync()), n).toEqual(Array.from(data));
          } finally {
            for (const t of Object.values(decoded)) t.dispose();
          }
        }
      } finally {
        disposeCheckpoint(ckpt);
        disposeCheckpoint(viaSafetensors);
        for (const t of Object.values(weights)) t.dispose();
      }
    },
  );

  it('tfjs shards split a tensor across files and still load', async () => {
    mark();
    const weights = arraysToWeights(arrays);
    const { exportTfjs } = await import('./exportTfjs.ts');
    const files = await exportTfjs(weights, cfg, undefined, { shardBytes: 100 });
    expect(files.filter((f) => f.name.endsWith('.bin')).length).toBeGreaterThan(10);
    // config comes from model.json's metadata when config.json is absent
    const ckpt = await loadCheckpoint(filesToMap(files.filter((f) => f.name !== 'config.json')));
    try {
      expect(Array.from(await ckpt.weights[EMBEDDING_NAMES.word].data())).toEqual(
        Array.from(arrays.get(EMBEDDING_NAMES.word)!.data),
      );
    } finally {
      disposeCheckpoint(ckpt);
      for (const t of Object.values(weights)) t.dispose();
    }
  });

  it('a 2-layer student of the loaded teacher exports and reloads', async () => {
    mark();
    const weights = arraysToWeights(arrays);
    const student = studentFromLayers(weights, cfg, [1]);
    const ckpt = await loadCheckpoint(filesToMap(await exportCheckpoint('tf', student.weights, student.cfg)));
    try {
      expect(ckpt.config.num_hidden_layers).toBe(1);
      expect(Array.from(await ckpt.weights['bert.encoder.layer.0.output.dense.weight'].data())).toEqual(
        Array.from(arrays.get('bert.encoder.layer.1.output.dense.weight')!.data),
      );
    } finally {
      disposeCheckpoint(ckpt);
      for (const t of [...Object.values(weights), ...Object.values(student.weights)]) t.dispose();
    }
  });

  it('exportZip packs the files (stored) for a browser download', async () => {
    mark();
    const weights = arraysToWeights(arrays);
    const files = await exportCheckpoint('safetensors', weights, cfg, vocab);
    for (const t of Object.values(weights)) t.dispose();
    const zip = exportZip(files, 'student');
    const back = unzipSync(zip);
    expect(Object.keys(back).sort()).toEqual([
      'student/config.json',
      'student/model.safetensors',
      'student/special_tokens_map.json',
      'student/tokenizer_config.json',
      'student/vocab.txt',
    ]);
    expect(back['student/model.safetensors']).toEqual(files[0].data);
  });

  it('accepts a folder given as File[] with relative paths, and PyTorch files with old names', async () => {
    mark();
    // BertModel-style keys (no "bert."), gamma/beta LayerNorm names, a tied decoder and position_ids.
    const tensors: PtTensor[] = [];
    for (const [n, { shape, data }] of arrays) {
      const old = n
        .replace(/^bert\./, '')
        .replace(/LayerNorm\.weight$/, 'LayerNorm.gamma')
        .replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
      tensors.push({ name: n.startsWith('cls.') ? n : old, shape, data });
    }
    tensors.push({
      name: 'cls.predictions.decoder.weight',
      shape: arrays.get(EMBEDDING_NAMES.word)!.shape,
      data: arrays.get(EMBEDDING_NAMES.word)!.data,
    });
    tensors.push({
      name: 'embeddings.position_ids',
      shape: [1, 16],
      data: new Float32Array(32),
      storage: 'LongStorage',
      bytes: new Uint8Array(128),
    });
    const cfgJson = JSON.stringify(cfg);
    for (const [layout, bytes] of [
      ['pytorch-zip', pytorchZipFile(tensors)],
      ['pytorch-legacy', pytorchLegacyFile(tensors)],
    ] as const) {
      const folder = [
        new File([bytes as Uint8Array<ArrayBuffer>], 'pytorch_model.bin'),
        new File([cfgJson], 'config.json'),
        new File([vocab.join('\n')], 'vocab.txt'),
      ];
      const ckpt = await loadCheckpoint(folder);
      try {
        expect(ckpt.format).toBe(layout);
        expect(ckpt.warnings).toEqual([]);
        expect(ckpt.skipped.map((s) => s.name).sort()).toEqual([
          'cls.predictions.decoder.weight',
          'embeddings.position_ids',
        ]);
        const got = await values(ckpt.weights);
        for (const [n, { data }] of arrays) expect(got[n], n).toEqual(Array.from(data));
      } finally {
        disposeCheckpoint(ckpt);
      }
    }
  });

  it('fingerprints differ for different weights and report progress', async () => {
    mark();
    const a = arraysToWeights(arrays);
    const arrays2 = randomArrays(cfg, { pooler: true, mlmHead: true }, 3);
    arrays2.get('bert.encoder.layer.1.output.dense.bias')!.data[5] += 1e-3;
    const b = arraysToWeights(arrays2);
    const progress: number[] = [];
    const ca = await loadCheckpoint(filesToMap(await exportCheckpoint('safetensors', a, cfg)), {
      onProgress: (p) => progress.push(p.bytesRead / p.totalBytes),
    });
    const cb = await loadCheckpoint(filesToMap(await exportCheckpoint('safetensors', b, cfg)));
    try {
      expect(ca.fingerprint).not.toBe(cb.fingerprint);
      expect(progress.length).toBe(arrays.size);
      expect(progress[progress.length - 1]).toBe(1);
      expect(progress).toEqual([...progress].sort((x, y) => x - y));
    } finally {
      for (const c of [ca, cb]) disposeCheckpoint(c);
      for (const t of [...Object.values(a), ...Object.values(b)]) t.dispose();
    }
  });
});

describe('bad checkpoints: clear errors, nothing left allocated', () => {
  const cfg = tinyConfig();
  const vocab = tinyVocab(cfg.vocab_size);
  const arrays = randomArrays(cfg, { pooler: false, mlmHead: true }, 4);
  const safet = (over: (n: string) => { name?: string; shape?: number[] } | null = () => ({})) =>
    safetensorsFile(
      [...arrays].flatMap(([n, { shape, data }]) => {
        const o = over(n);
        return o === null
          ? []
          : [
              {
                name: o.name ?? n,
                dtype: 'F32',
                shape: o.shape ?? shape,
                bytes: f32Bytes(
                  data.slice(
                    0,
                    (o.shape ?? shape).reduce((a, b) => a * b, 1),
                  ),
                ),
              },
            ];
      }),
    );
  const load = (files: Record<string, Uint8Array | string>) => loadCheckpoint(blobs(files));
  const cfgText = JSON.stringify(cfg);

  it('a shape that disagrees with the config names tensor, expected and found shapes', async () => {
    mark();
    const bytes = safet((n) => (n === 'bert.encoder.layer.1.intermediate.dense.weight' ? { shape: [10, 8] } : {}));
    await expect(load({ 'm/model.safetensors': bytes, 'm/config.json': cfgText })).rejects.toThrow(
      /m\/model.safetensors: tensor "bert.encoder.layer.1.intermediate.dense.weight" has shape \[10,8\] but the config expects \[12,8\]/,
    );
  });

  it('an unsupported dtype for a weight is refused before any tensor is made; F16/BF16 weights load', async () => {
    mark();
    const entries = [...arrays].map(([name, { shape, data }]) => ({
      name,
      dtype: 'F32',
      shape,
      bytes: f32Bytes(data),
    }));
    const withInt = entries.map((e) => (e.name === 'bert.embeddings.LayerNorm.bias' ? { ...e, dtype: 'I32' } : e));
    await expect(load({ 'model.safetensors': safetensorsFile(withInt), 'config.json': cfgText })).rejects.toThrow(
      /tensor "bert.embeddings.LayerNorm.bias" has dtype I32; only float weights/,
    );
    // The same values truncated to bfloat16 (top 16 bits) load as float32.
    const bf = entries.map((e) => {
      const u = new Uint32Array(e.bytes.buffer.slice(0) as ArrayBuffer);
      const out = new Uint8Array(u.length * 2);
      for (let i = 0; i < u.length; i++) new DataView(out.buffer).setUint16(2 * i, u[i] >>> 16, true);
      return { ...e, dtype: 'BF16', bytes: out };
    });
    const ckpt = await load({ 'model.safetensors': safetensorsFile(bf), 'config.json': cfgText });
    try {
      expect(ckpt.parts).toEqual({ pooler: false, mlmHead: true });
      const src = arrays.get('cls.predictions.bias')!.data;
      const got = (await ckpt.weights['cls.predictions.bias'].data()) as Float32Array;
      for (let i = 0; i < src.length; i++)
        expect(Math.abs(got[i] - src[i])).toBeLessThanOrEqual(Math.abs(src[i]) / 128);
    } finally {
      disposeCheckpoint(ckpt);
    }
  });

  it('missing tensors are listed', async () => {
    mark();
    const bytes = safet((n) => (n.startsWith('bert.encoder.layer.1.attention.self') ? null : {}));
    await expect(load({ 'model.safetensors': bytes, 'config.json': cfgText })).rejects.toThrow(
      /6 weight\(s\) missing: bert.encoder.layer.1.attention.self.query.weight, .*value.bias/,
    );
  });

  it('a config with more layers than the file says so', async () => {
    mark();
    await expect(
      load({ 'model.safetensors': safet(), 'config.json': JSON.stringify({ ...cfg, num_hidden_layers: 3 }) }),
    ).rejects.toThrow(/the config says 3 layers, the file has 2/);
  });

  it('a vocab.txt whose size differs from the embedding rows', async () => {
    mark();
    await expect(
      load({
        'model.safetensors': safet(),
        'config.json': cfgText,
        'vocab.txt': [...vocab, 'extra'].join('\n') + '\n',
      }),
    ).rejects.toThrow(/vocab.txt: 24 tokens, but the model's word embeddings have 23 rows/);
  });

  it('no config, no weights: says what it looked for', async () => {
    mark();
    await expect(load({ 'model.safetensors': safet() })).rejects.toThrow(/no config.json or bert_config.json/);
    await expect(load({ 'config.json': cfgText, 'notes.txt': 'x' })).rejects.toThrow(
      /no weight file found among: config.json, notes.txt/,
    );
  });

  it('a forbidden global in pytorch_model.bin', async () => {
    mark();
    const t = [...arrays].map(([name, { shape, data }]) => ({ name, shape, data }));
    await expect(
      load({ 'pytorch_model.bin': pytorchZipFile(t, { forbidden: ['builtins', 'eval'] }), 'config.json': cfgText }),
    ).rejects.toThrow(/pytorch_model.bin.*refuses global "builtins.eval"/);
  });

  it('a TF1 data file that fails mid-way disposes the tensors already made', async () => {
    mark();
    const w = arraysToWeights(arrays);
    const files = await exportCheckpoint('tf', w, cfg);
    for (const t of Object.values(w)) t.dispose();
    const data = files.find((f) => f.name.includes('.data-'))!;
    data.data = data.data.slice();
    data.data[data.data.length - 3] ^= 0x55; // corrupt the last variable (read last)
    let made = 0;
    await expect(loadCheckpoint(filesToMap(files), { onProgress: () => made++ })).rejects.toThrow(
      /bert_model.ckpt.data-00000-of-00001: variable ".*" at bytes \d+\.\.\d+ fails its checksum/,
    );
    expect(made).toBeGreaterThan(3);
    const truncated = files.map((f) => (f.name.includes('.data-') ? { ...f, data: f.data.slice(0, 100) } : f));
    await expect(loadCheckpoint(filesToMap(truncated))).rejects.toThrow(/truncated: variable/);
    const noData = files.filter((f) => !f.name.includes('.data-'));
    await expect(loadCheckpoint(filesToMap(noData))).rejects.toThrow(
      /bert_model.ckpt.data-00000-of-00001 is missing: the index .* lists \d+ variables/,
    );
  });

  it('an encoder-only checkpoint loads but cannot be a teacher', async () => {
    mark();
    const bytes = safet((n) => (n.startsWith('cls.') ? null : {}));
    const ckpt = await load({ 'model.safetensors': bytes, 'config.json': cfgText });
    try {
      expect(ckpt.parts.mlmHead).toBe(false);
      expect(() => assertTeacher(ckpt)).toThrow(
        'this checkpoint has no masked-LM head (cls.predictions.*): it cannot be a teacher',
      );
    } finally {
      disposeCheckpoint(ckpt);
    }
  });
});

/** A folder as the page receives a dragged folder: every file, sub-folders included, by relative path. */
async function openDir(dir: string): Promise<Map<string, Blob>> {
  const m = new Map<string, Blob>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) m.set(`${e.parentPath}/${e.name}`, new Blob([readFileSync(`${e.parentPath}/${e.name}`)]));
  }
  return m;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describeWithRef('real checkpoints from ../shared/ref', () => {
  it.each(['model-camphr-bert-legacy-torch-5e4ce50', 'model-camphr-bert-legacy-torch-529da10'])(
    '%s (legacy torch, no bert. prefix)',
    async (d) => {
      mark();
      const ckpt: LoadedCheckpoint = await loadCheckpoint(await openDir(refPath(d)));
      try {
        const file = new Uint8Array(readFileSync(refPath(d, 'pytorch_model.bin')));
        expect(ckpt.format).toBe('pytorch-legacy');
        expect(ckpt.parts).toEqual({ pooler: true, mlmHead: false });
        expect(ckpt.vocab!.length).toBe(ckpt.config.vocab_size);
        // Every tensor's bytes occur in the file (values read = values stored).
        for (const name of [
          EMBEDDING_NAMES.word,
          'bert.encoder.layer.1.output.LayerNorm.weight',
          'bert.pooler.dense.weight',
        ]) {
          const v = (await ckpt.weights[name].data()) as Float32Array;
          expect(indexOfBytes(file, f32Bytes(v)), name).toBeGreaterThan(0);
        }
        expect(() => assertTeacher(ckpt)).toThrow(/no masked-LM head/);
      } finally {
        disposeCheckpoint(ckpt);
      }
    },
  );

  it('model-keras-bert-test-ckpt (TF1 with optimizer slots and global_step)', async () => {
    mark();
    const dir = refPath('model-keras-bert-test-ckpt');
    const ckpt = await loadCheckpoint(await openDir(dir));
    try {
      expect(ckpt.format).toBe('tf1');
      expect(ckpt.parts).toEqual({ pooler: true, mlmHead: true });
      expect(ckpt.vocab).toEqual(readFileSync(`${dir}/vocab.txt`, 'utf8').split('\n'));
      // 46 variables (44 BERT + 2 next-sentence) × adam_m/adam_v
      expect(ckpt.skipped.filter((s) => s.reason === 'optimizer slot').length).toBe(92);
      expect(Object.keys(ckpt.weights).length).toBe(44);
      expect(ckpt.skipped.map((s) => s.name)).toContain('global_step');
      expect(ckpt.skipped.map((s) => s.name)).toContain('cls/seq_relationship/output_weights');
      // A dense kernel is stored [in, out] in the data file; loaded it is [out, in].
      const idx = await readTf1Index(new Blob([readFileSync(`${dir}/bert_model.ckpt.index`)]), 'index');
      const e = idx.entries.find((x) => x.name === 'bert/encoder/layer_0/intermediate/dense/kernel')!;
      expect(e.shape).toEqual([4, 16]);
      const raw = new Float32Array(
        new Uint8Array(readFileSync(`${dir}/bert_model.ckpt.data-00000-of-00001`)).slice(e.offset, e.offset + e.size)
          .buffer,
      );
      const w = ckpt.weights['bert.encoder.layer_0.intermediate.dense.weight'.replace('layer_0', 'layer.0')];
      expect(w.shape).toEqual([16, 4]);
      const got = (await w.data()) as Float32Array;
      for (let i = 0; i < 4; i++) for (let o = 0; o < 16; o++) expect(got[o * 4 + i]).toBe(raw[i * 16 + o]);
      // Round trip through our TF1 writer: same tensors, same fingerprint; and every variable we
      // write has the name, shape, dtype, size and data checksum of the original file's entry.
      const exported = await exportCheckpoint('tf', ckpt.weights, ckpt.config, ckpt.vocab);
      const again = await loadCheckpoint(filesToMap(exported));
      try {
        expect(again.fingerprint).toBe(ckpt.fingerprint);
        const ours = await readTf1Index(new Blob([exported[0].data as Uint8Array<ArrayBuffer>]), 'ours.index');
        expect(ours.header).toEqual(idx.header);
        expect(ours.entries.length).toBe(44);
        for (const o of ours.entries) {
          const orig = idx.entries.find((x) => x.name === o.name)!;
          expect(orig, o.name).toBeDefined();
          expect([o.shape, o.dtype, o.size, o.crc32c], o.name).toEqual([
            orig.shape,
            orig.dtype,
            orig.size,
            orig.crc32c,
          ]);
        }
      } finally {
        disposeCheckpoint(again);
      }
    } finally {
      disposeCheckpoint(ckpt);
    }
  });

  it('model-tiny-bert-safetensors-coldfire (no head, no pooler)', async () => {
    mark();
    const ckpt = await loadCheckpoint(await openDir(refPath('model-tiny-bert-safetensors-coldfire')));
    try {
      expect(ckpt.format).toBe('safetensors');
      expect(ckpt.parts).toEqual({ pooler: false, mlmHead: false });
      expect(Object.keys(ckpt.weights).length).toBe(5 + 16 * 2);
      expect(() => assertTeacher(ckpt)).toThrow(/cannot be a teacher/);
    } finally {
      disposeCheckpoint(ckpt);
    }
  });

  it('albert_tiny_zh index without data: index read in full, then a clear error (ALBERT, data missing)', async () => {
    mark();
    const dir = refPath('model-albert-tiny-zh-index-only');
    const idx = await readTf1Index(
      new Blob([readFileSync(`${dir}/albert_model.ckpt.index`)]),
      'albert_model.ckpt.index',
    );
    expect(idx.entries.length).toBe(31);
    expect(idx.entries.find((e) => e.name === 'bert/embeddings/word_embeddings')!.shape).toEqual([21128, 128]);
    expect(idx.entries.find((e) => e.name === 'cls/predictions/output_bias')!.shape).toEqual([21128]);
    expect(idx.entries.reduce((s, e) => s + e.size, 0)).toBe(17_180_744);
    await expect(loadCheckpoint(await openDir(dir))).rejects.toThrow(
      /albert_model.ckpt.index: this is an ALBERT checkpoint .* not BERT.*31 entries.*albert_model.ckpt.data-00000-of-00001 is missing/,
    );
  });

  it('the user-edited Chinese vocab (21,156 lines) is refused for a 21,128-row model', async () => {
    mark();
    const c = tinyConfig({
      vocab_size: 21128,
      hidden_size: 4,
      num_attention_heads: 1,
      intermediate_size: 4,
      num_hidden_layers: 1,
    });
    const a = randomArrays(c, { pooler: false, mlmHead: false });
    const bytes = safetensorsFile(
      [...a].map(([name, { shape, data }]) => ({ name, dtype: 'F32', shape, bytes: f32Bytes(data) })),
    );
    const good = readFileSync(refPath('vocab-bert-chinese/vocab.txt'));
    const bad = readFileSync(refPath('vocab-bert-chinese/variants/vocab.modified-21156-lines.txt'));
    const ok = await loadCheckpoint(
      blobs({ 'model.safetensors': bytes, 'config.json': JSON.stringify(c), 'vocab.txt': new Uint8Array(good) }),
    );
    expect(ok.vocab!.length).toBe(21128);
    expect(ok.vocab![343]).toContain('\u2028');
    disposeCheckpoint(ok);
    await expect(
      loadCheckpoint(
        blobs({ 'model.safetensors': bytes, 'config.json': JSON.stringify(c), 'vocab.txt': new Uint8Array(bad) }),
      ),
    ).rejects.toThrow(/vocab.txt: 21156 tokens, but the model's word embeddings have 21128 rows/);
  });
});
