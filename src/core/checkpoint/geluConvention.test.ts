/**
 * hidden_act "gelu": Google's TF1 BERT means the tanh approximation, Hugging Face means erf.
 * Inside the project the name is Hugging Face's; each format is read and written in its own.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/useBackend.ts';
import { bertEncoder, mlmLogits } from '../model/bert.ts';
import { buildStudent } from '../model/buildStudent.ts';
import { configFileConvention, googleConfigJson, parseBertConfig, type BertConfig } from '../model/config.ts';
import { studentConfig } from '../model/student.ts';
import type { Weights } from '../model/weights.ts';
import { refEncoder, refMlmLogits } from '../../testing/bertReference64.ts';
import { describeWithRef, refPath } from '../../testing/refData.ts';
import { randomWeights, tinyConfig, toRefWeights } from '../../testing/tinyBert.ts';
import { exportCheckpoint, type ExportFile, type ExportFormat } from './exportCheckpoint.ts';
import { disposeCheckpoint, loadCheckpoint } from './loadCheckpoint.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

const asMap = (files: ExportFile[]) =>
  new Map(files.map((f) => [`m/${f.name}`, new Blob([f.data as Uint8Array<ArrayBuffer>])]));
const jsonOf = (files: ExportFile[], name: string) =>
  JSON.parse(new TextDecoder().decode(files.find((f) => f.name === name)!.data)) as Record<string, unknown>;

describe('hidden_act conventions', () => {
  it('reads a Google config\'s "gelu" as the tanh form and a Hugging Face config\'s as erf', () => {
    const raw = { vocab_size: 10, hidden_size: 4, num_attention_heads: 2, hidden_act: 'gelu' };
    expect(parseBertConfig(raw, 'config.json').hidden_act).toBe('gelu');
    expect(parseBertConfig(raw, 'bert_config.json', 'google').hidden_act).toBe('gelu_new');
    // Google's default (no hidden_act) is its gelu too
    expect(parseBertConfig({ vocab_size: 10 }, 'bert_config.json', 'google').hidden_act).toBe('gelu_new');
    expect(parseBertConfig({ ...raw, hidden_act: 'relu' }, 'b', 'google').hidden_act).toBe('relu');
    // this project's own TF1 export of an erf model says so in hf_hidden_act
    expect(parseBertConfig({ ...raw, hf_hidden_act: 'gelu' }, 'b', 'google').hidden_act).toBe('gelu');
    expect(configFileConvention('x/config.json')).toBe('huggingface');
    expect(configFileConvention('x/bert_config.json')).toBe('google');
    expect(configFileConvention('student_config.json')).toBe('google');
  });

  it("writes Google's name for the tanh form and notes an erf model", () => {
    const cfg = tinyConfig();
    expect(googleConfigJson({ ...cfg, hidden_act: 'gelu_new' })).toMatchObject({ hidden_act: 'gelu' });
    expect(googleConfigJson({ ...cfg, hidden_act: 'gelu_pytorch_tanh' })).not.toHaveProperty('hf_hidden_act');
    expect(googleConfigJson({ ...cfg, hidden_act: 'gelu' })).toMatchObject({
      hidden_act: 'gelu',
      hf_hidden_act: 'gelu',
    });
  });

  it.each([
    ['gelu_new', 'gelu', undefined],
    ['gelu', 'gelu', 'gelu'],
  ] as const)(
    'a %s model keeps its activation through every export format (TF1 says "%s")',
    async (act, tf1Name, tf1Note) => {
      const cfg = tinyConfig({ hidden_act: act });
      const weights = randomWeights(cfg, { pooler: true, mlmHead: true }, 3);
      try {
        for (const format of ['safetensors', 'tf', 'tfjs'] as ExportFormat[]) {
          const files = await exportCheckpoint(format, weights, cfg);
          if (format === 'tf') {
            const google = jsonOf(files, 'bert_config.json');
            expect(google.hidden_act).toBe(tf1Name);
            expect(google.hf_hidden_act).toBe(tf1Note);
          } else {
            expect(jsonOf(files, 'config.json').hidden_act).toBe(act);
          }
          if (format === 'tfjs')
            expect(
              (jsonOf(files, 'model.json').userDefinedMetadata as { bertConfig: BertConfig }).bertConfig.hidden_act,
            ).toBe(act);
          const back = await loadCheckpoint(asMap(files));
          expect(back.config.hidden_act, format).toBe(act);
          disposeCheckpoint(back);
        }
      } finally {
        tf.dispose(Object.values(weights));
      }
    },
  );

  it("students keep the teacher's activation (kept layers and fresh sizes)", () => {
    const cfg = tinyConfig({ hidden_act: 'gelu_new' });
    const weights = randomWeights(cfg, { pooler: true, mlmHead: true }, 4);
    const s = buildStudent({ kind: 'layers', layers: [1] }, { weights, config: cfg }, 1);
    expect(s.cfg.hidden_act).toBe('gelu_new');
    expect(
      studentConfig(cfg, {
        kind: 'fresh',
        num_hidden_layers: 1,
        hidden_size: 8,
        num_attention_heads: 2,
        intermediate_size: 16,
      }).hidden_act,
    ).toBe('gelu_new');
    tf.dispose([...Object.values(weights), ...Object.values(s.weights)]);
  });
});

describeWithRef('hidden_act of a real Google TF1 checkpoint', () => {
  it('model-keras-bert-test-ckpt: bert_config "gelu" loads as the tanh form, and the MLM logits follow it', async () => {
    const dir = refPath('model-keras-bert-test-ckpt');
    const files = new Map(readdirSync(dir).map((f) => [`${dir}/${f}`, new Blob([readFileSync(path.join(dir, f))])]));
    expect(JSON.parse(readFileSync(`${dir}/bert_config.json`, 'utf8')).hidden_act).toBe('gelu');
    const ckpt = await loadCheckpoint(files);
    try {
      expect(ckpt.config.hidden_act).toBe('gelu_new');
      // the project's forward pass equals an independent float64 one with the tanh GELU
      const ids = [[2, 7, 4, 11, 3, 5]];
      const got = tf.tidy(() => {
        const h = bertEncoder(ckpt.weights, ckpt.config, { inputIds: tf.tensor2d(ids, [1, 6], 'int32') });
        return mlmLogits(ckpt.weights, ckpt.config, h).dataSync();
      });
      const ref = await toRefWeights(ckpt.weights as Weights);
      const seq = refEncoder(ref, ckpt.config, ids);
      const want = seq[0].flatMap((h) => Array.from(refMlmLogits(ref, ckpt.config, h)));
      got.forEach((v, i) => {
        expect(v).toBeCloseTo(want[i], 4);
      });
      // exported as Hugging Face, its config names the tanh form
      const hf = await exportCheckpoint('safetensors', ckpt.weights, ckpt.config, ckpt.vocab);
      expect(jsonOf(hf, 'config.json').hidden_act).toBe('gelu_new');
    } finally {
      disposeCheckpoint(ckpt);
    }
  });
});
