/**
 * The same model code on the cpu and wasm backends (webgl/webgpu are checked in
 * the browser): forward outputs and gradients agree within float32 tolerance,
 * and a training step works on wasm, which lacks tf.gather's gradient kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../backend/useBackend.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomIds, randomWeights, tinyConfig } from '../../testing/tinyBert.ts';
import { useWasmBackend } from '../../cli/nodeBackend.ts';
import { Rng } from '../random/rng.ts';
import { bertEncoder, bertPooler, mlmLogitsAtPositions } from './bert.ts';
import type { Weights } from './weights.ts';

const wasmProblem = await useWasmBackend();
await useBackend('cpu');
if (wasmProblem) console.warn(`[backends.test] skipping wasm: ${wasmProblem}`);
const describeWasm = (name: string, fn: () => void) =>
  wasmProblem ? describe.skip(`${name} [skipped: ${wasmProblem}]`, fn) : describe(name, fn);

const cfg = tinyConfig({ hidden_act: 'gelu' });
const ids = randomIds(new Rng(5), 2, 7, cfg.vocab_size);
const mask = [
  [1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 0, 0],
];
const types = [
  [0, 0, 0, 1, 1, 1, 1],
  [0, 1, 1, 1, 0, 0, 0],
];
const positions = [
  [0, 2, 2],
  [1, 3, 0],
];

interface Outputs {
  seq: Float32Array;
  pooled: Float32Array;
  logits: Float32Array;
  grads: Record<string, Float32Array>;
  loss: number;
}

/** Forward outputs and the gradient of a CE loss at the positions, on the current backend. */
function runModel(weights: Weights): Outputs {
  const inputs = {
    inputIds: tf.tensor2d(ids, undefined, 'int32'),
    tokenTypeIds: tf.tensor2d(types, undefined, 'int32'),
    attentionMask: tf.tensor2d(mask, undefined, 'int32'),
  };
  const pos = tf.tensor2d(positions, undefined, 'int32');
  const labels = tf.tidy(() =>
    tf.oneHot(
      tf.tensor2d(
        [
          [3, 4, 5],
          [6, 7, 3],
        ],
        undefined,
        'int32',
      ),
      cfg.vocab_size,
    ),
  );
  const [seq, pooled, logits] = tf.tidy(() => {
    const s = bertEncoder(weights, cfg, inputs);
    return [
      s.dataSync() as Float32Array,
      bertPooler(weights, cfg, s).dataSync() as Float32Array,
      mlmLogitsAtPositions(weights, cfg, s, pos).dataSync() as Float32Array,
    ];
  });
  const vars = Object.entries(weights).map(([name, w]) => tf.variable(w, true, `${tf.getBackend()}/${name}`));
  const byName: Weights = Object.fromEntries(vars.map((v, i) => [Object.keys(weights)[i], v]));
  const { value, grads } = tf.variableGrads(() => {
    const s = bertEncoder(byName, cfg, inputs);
    return tf.losses.softmaxCrossEntropy(labels, mlmLogitsAtPositions(byName, cfg, s, pos)) as tf.Scalar;
  });
  const out: Record<string, Float32Array> = {};
  for (const [name, g] of Object.entries(grads)) out[name.slice(name.indexOf('/') + 1)] = g.dataSync() as Float32Array;
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads), ...vars, pos, labels, ...Object.values(inputs)]);
  return { seq, pooled, logits, grads: out, loss };
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

describeWasm('cpu and wasm backends', () => {
  let weights: Weights;
  let cpu: Outputs;
  let wasm: Outputs;

  beforeAll(async () => {
    await useBackend('cpu');
    weights = randomWeights(cfg, { pooler: true, mlmHead: true }, 21);
    const beforeCpu = tf.memory().numTensors;
    cpu = runModel(weights);
    expect(tf.memory().numTensors, 'no tensors leaked on cpu').toBe(beforeCpu);
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    wasm = runModel(weights);
    expect(tf.memory().numTensors, 'no tensors leaked on wasm').toBe(before);
  });

  afterAll(async () => {
    await useBackend('cpu');
    tf.dispose(Object.values(weights));
  });

  it('forward outputs agree within float32 tolerance', () => {
    expect(maxRelDiff(wasm.seq, cpu.seq)).toBeLessThan(1e-5);
    expect(maxRelDiff(wasm.pooled, cpu.pooled)).toBeLessThan(1e-5);
    expect(maxRelDiff(wasm.logits, cpu.logits)).toBeLessThan(1e-5);
    expect(Math.abs(wasm.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-5);
  });

  it('gradients of every weight agree (the embedding gradient needs no UnsortedSegmentSum)', () => {
    const names = Object.keys(cpu.grads);
    expect(names.length).toBeGreaterThan(30);
    expect(Object.keys(wasm.grads).sort()).toEqual(names.sort());
    // The key bias's gradient is zero in exact arithmetic (softmax ignores a shift
    // shared by all keys), so compare with an absolute floor as well.
    for (const name of names) {
      let worst = 0;
      const a = wasm.grads[name];
      const b = cpu.grads[name];
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) - 1e-4 * Math.abs(b[i]));
      expect(worst, name).toBeLessThan(1e-6);
    }
  });
});
