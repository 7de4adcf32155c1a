import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { tinyConfig } from '../../testing/tinyBert.ts';
import { exportCheckpoint } from '../checkpoint/exportCheckpoint.ts';
import { loadCheckpoint } from '../checkpoint/loadCheckpoint.ts';
import { buildStudent, studentPlan } from './buildStudent.ts';
import { initWeights } from './init.ts';
import { disposeWeights, keepsTensor, type StudentSpec, studentConfig } from './student.ts';
import { expectedShapes, MLM_HEAD_NAMES, POOLER_NAMES } from './weights.ts';

const cfg = tinyConfig({ num_hidden_layers: 4 });

describe('buildStudent', () => {
  it('keeps the chosen layers and the source pooler and head, copying (never taking) them', async () => {
    const source = initWeights(cfg, { pooler: true, mlmHead: true }, 1);
    const s = buildStudent({ kind: 'layers', layers: [0, 2] }, { weights: source, config: cfg }, 9);
    expect(s.cfg.num_hidden_layers).toBe(2);
    expect(s.notes).toEqual([]);
    expect(Object.keys(s.weights).sort()).toEqual(
      [...expectedShapes(s.cfg, { pooler: true, mlmHead: true }).keys()].sort(),
    );
    const q2 = 'bert.encoder.layer.2.attention.self.query.weight';
    expect(await s.weights['bert.encoder.layer.1.attention.self.query.weight'].data()).toEqual(await source[q2].data());
    expect(await s.weights[POOLER_NAMES.W].data()).toEqual(await source[POOLER_NAMES.W].data());
    disposeWeights(s.weights);
    expect(source[q2].isDisposed).toBe(false);
    disposeWeights(source);
  });

  it('gives an encoder-only source a fresh pooler and MLM head, and says so', () => {
    const source = initWeights(cfg, { pooler: false, mlmHead: false }, 1);
    const before = tf.memory().numTensors;
    const s = buildStudent({ kind: 'layers', layers: [0, 1, 2] }, { weights: source, config: cfg }, 9);
    expect(s.notes.join(' ')).toMatch(/pooler is new .*masked-LM head is new/);
    for (const n of [POOLER_NAMES.W, POOLER_NAMES.B, ...Object.values(MLM_HEAD_NAMES)])
      expect(s.weights[n]).toBeDefined();
    // exactly the student's tensors were made: nothing of the fresh init leaked
    expect(tf.memory().numTensors - before).toBe(Object.keys(s.weights).length);
    disposeWeights(s.weights);
    disposeWeights(source);
  });

  it('makes a fresh student of any size with a pooler and head; needs a source to keep layers', () => {
    const small = { ...cfg, hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, num_hidden_layers: 1 };
    const s = buildStudent({ kind: 'fresh', config: small }, null, 3);
    expect(s.weights[POOLER_NAMES.W].shape).toEqual([8, 8]);
    expect(s.weights[MLM_HEAD_NAMES.bias].shape).toEqual([cfg.vocab_size]);
    disposeWeights(s.weights);
    expect(() => buildStudent({ kind: 'layers', layers: [0] }, null, 1)).toThrow(/needs a source model/);
  });

  it('a student from its own encoder-only checkpoint: only the kept layers are read, the head is new and tied', async () => {
    const teacherCfg = tinyConfig({ num_hidden_layers: 4, hidden_size: 16 });
    const own = tinyConfig({ num_hidden_layers: 3, hidden_size: 8, num_attention_heads: 2, intermediate_size: 16 });
    const vocab = Array.from({ length: own.vocab_size }, (_, i) => `t${i}`);
    const ownWeights = initWeights(own, { pooler: true, mlmHead: false }, 3);
    const files = await exportCheckpoint('safetensors', ownWeights, own, vocab);
    const blobs = new Map(files.map((f) => [f.name, new Blob([f.data as BlobPart])]));
    const spec: StudentSpec = { kind: 'checkpoint', checkpointId: 'own', layers: [0, 2] };
    const cfg = studentConfig(teacherCfg, spec, own);
    const plan = studentPlan(spec, cfg, own);
    expect(plan).toEqual({ kind: 'layers', layers: [0, 2] });
    const before = tf.memory().numTensors;
    const source = await loadCheckpoint(blobs, { keep: keepsTensor([0, 2]) });
    const read = Object.keys(source.weights);
    expect(read.some((n) => n.startsWith('bert.encoder.layer.1.'))).toBe(false);
    expect(read.filter((n) => n.startsWith('bert.encoder.layer.')).length).toBe(2 * 16);
    expect(tf.memory().numTensors - before).toBe(read.length);
    const s = buildStudent(plan, source, 5);
    disposeWeights(source.weights);
    expect(s.cfg).toEqual({ ...own, num_hidden_layers: 2 });
    expect(s.notes.join(' ')).toMatch(/masked-LM head is new .*tied to the word embeddings/);
    expect(s.notes.join(' ')).not.toMatch(/pooler/);
    expect(await s.weights['bert.encoder.layer.1.output.dense.weight'].data()).toEqual(
      await ownWeights['bert.encoder.layer.2.output.dense.weight'].data(),
    );
    expect(Object.keys(s.weights).sort()).toEqual(
      [...expectedShapes(s.cfg, { pooler: true, mlmHead: true }).keys()].sort(),
    );
    disposeWeights(s.weights);
    disposeWeights(ownWeights);
  });
});
