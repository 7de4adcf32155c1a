import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { randomIds, randomWeights, tinyConfig } from '../../testing/tinyBert.ts';
import { Rng } from '../random/rng.ts';
import { bertEncoder, mlmLogits } from './bert.ts';
import {
  disposeWeights,
  everyOtherLayer,
  parseLayerList,
  studentConfig,
  studentFromConfig,
  studentFromLayers,
  type StudentSpec,
} from './student.ts';
import { expectedShapes, layerNames } from './weights.ts';

describe('students', () => {
  const cfg = tinyConfig({ num_hidden_layers: 4 });
  const parts = { pooler: true, mlmHead: true };

  it('keeps the chosen layers renumbered, copies the rest, and leaves the teacher usable', () => {
    const teacher = randomWeights(cfg, parts, 3);
    const { weights, cfg: sCfg } = studentFromLayers(teacher, cfg, [1, 3]);
    expect(sCfg.num_hidden_layers).toBe(2);
    expect(cfg.num_hidden_layers).toBe(4);
    expect(Object.keys(weights).sort()).toEqual([...expectedShapes(sCfg, parts).keys()].sort());
    const same = (a: tf.Tensor, b: tf.Tensor) => expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    same(weights[layerNames(0).qW], teacher[layerNames(1).qW]);
    same(weights[layerNames(1).outLnB], teacher[layerNames(3).outLnB]);
    same(weights['cls.predictions.bias'], teacher['cls.predictions.bias']);
    same(weights['bert.pooler.dense.weight'], teacher['bert.pooler.dense.weight']);

    // A student of all layers in order computes exactly what the teacher does.
    const ids = tf.tensor2d(randomIds(new Rng(1), 1, 5, cfg.vocab_size), undefined, 'int32');
    const full = studentFromLayers(teacher, cfg, [0, 1, 2, 3]);
    const a = tf.tidy(() => mlmLogits(teacher, cfg, bertEncoder(teacher, cfg, { inputIds: ids })).dataSync());
    const b = tf.tidy(() =>
      mlmLogits(full.weights, full.cfg, bertEncoder(full.weights, full.cfg, { inputIds: ids })).dataSync(),
    );
    expect(Array.from(b)).toEqual(Array.from(a));

    // Disposing the students leaves the teacher intact.
    disposeWeights(weights);
    disposeWeights(full.weights);
    expect(Object.values(teacher).every((t) => !t.isDisposed)).toBe(true);
    const c = tf.tidy(() => mlmLogits(teacher, cfg, bertEncoder(teacher, cfg, { inputIds: ids })).dataSync());
    expect(Array.from(c)).toEqual(Array.from(a));
    disposeWeights(teacher);
    ids.dispose();
  });

  it('copies only the parts the teacher has', () => {
    const teacher = randomWeights(cfg, { pooler: false, mlmHead: false }, 3);
    const { weights } = studentFromLayers(teacher, cfg, [0]);
    expect(weights['bert.pooler.dense.weight']).toBeUndefined();
    expect(weights['cls.predictions.bias']).toBeUndefined();
    disposeWeights(weights);
    disposeWeights(teacher);
  });

  it('rejects bad layer lists with clear errors', () => {
    const teacher = randomWeights(cfg, parts, 3);
    const before = tf.memory().numTensors;
    expect(() => studentFromLayers(teacher, cfg, [0, 4])).toThrow(
      /layer 4 is out of range, the teacher has layers 0\.\.3/,
    );
    expect(() => studentFromLayers(teacher, cfg, [-1])).toThrow(/layer -1 is out of range/);
    expect(() => studentFromLayers(teacher, cfg, [1.5])).toThrow(/layer 1.5 is out of range/);
    expect(() => studentFromLayers(teacher, cfg, [2, 0, 2])).toThrow(/layer 2 is listed twice/);
    expect(() => studentFromLayers(teacher, cfg, [])).toThrow(/empty/);
    const gap = { ...teacher };
    for (const name of Object.values(layerNames(2))) delete gap[name];
    expect(() => studentFromLayers(gap, cfg, [2])).toThrow(/no tensors for layer 2/);
    expect(tf.memory().numTensors, 'nothing built on failure').toBe(before);
    disposeWeights(teacher);
  });

  it('studentConfig checks a spec before any weights are made, as studentFromLayers and parseBertConfig do', () => {
    expect(studentConfig(cfg, { kind: 'layers', layers: [3, 1] })).toEqual({ ...cfg, num_hidden_layers: 2 });
    expect(() => studentConfig(cfg, { kind: 'layers', layers: [0, 4] })).toThrow(
      /layer 4 is out of range, the teacher has layers 0\.\.3/,
    );
    expect(() => studentConfig(cfg, { kind: 'layers', layers: [1, 1] })).toThrow(/layer 1 is listed twice/);
    expect(() => studentConfig(cfg, { kind: 'layers', layers: [] })).toThrow(/empty/);
    const fresh: Extract<StudentSpec, { kind: 'fresh' }> = {
      kind: 'fresh',
      hidden_size: 12,
      num_hidden_layers: 1,
      num_attention_heads: 3,
      intermediate_size: 24,
    };
    expect(studentConfig(cfg, fresh)).toMatchObject({
      hidden_size: 12,
      num_hidden_layers: 1,
      num_attention_heads: 3,
      intermediate_size: 24,
      vocab_size: cfg.vocab_size,
    });
    expect(() => studentConfig(cfg, { ...fresh, num_attention_heads: 5 })).toThrow(
      /student config: hidden_size 12 is not a multiple of num_attention_heads 5/,
    );
  });

  it('everyOtherLayer and parseLayerList', () => {
    expect(everyOtherLayer(12)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(everyOtherLayer(3)).toEqual([0, 2]);
    expect(everyOtherLayer(1)).toEqual([0]);
    expect(() => everyOtherLayer(0)).toThrow(/positive integer/);
    expect(parseLayerList('0,1,2')).toEqual([0, 1, 2]);
    expect(parseLayerList(' 0, 11 ')).toEqual([0, 11]);
    expect(() => parseLayerList('0,x,2')).toThrow(/--layers: item 2 "x" is not a layer index/);
    expect(() => parseLayerList('')).toThrow(/item 1 "" is not a layer index/);
  });

  it('builds a fresh student of any size, seeded', () => {
    const small = tinyConfig({ hidden_size: 8, num_attention_heads: 2, intermediate_size: 12, num_hidden_layers: 3 });
    const a = studentFromConfig(small, parts, 9);
    const b = studentFromConfig(small, parts, 9);
    expect(a.cfg).toEqual(small);
    expect(a.weights['bert.encoder.layer.2.output.dense.weight'].shape).toEqual([8, 12]);
    expect(Array.from(a.weights['bert.embeddings.word_embeddings.weight'].dataSync())).toEqual(
      Array.from(b.weights['bert.embeddings.word_embeddings.weight'].dataSync()),
    );
    const ids = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
    const out = tf.tidy(() => bertEncoder(a.weights, a.cfg, { inputIds: ids }));
    expect(out.shape).toEqual([1, 3, 8]);
    tf.dispose([out, ids]);
    disposeWeights(a.weights);
    disposeWeights(b.weights);
  });
});
