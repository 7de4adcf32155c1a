import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../cli/nodeBackend.ts';
import { arraysToWeights, randomArrays, tinyConfig, tinyVocab } from '../../testing/checkpointFixtures.ts';
import { syntheticExamples } from '../../testing/syntheticExamples.ts';
import { useBackend } from '../backend/useBackend.ts';
import { safetensorsBytes } from '../checkpoint/exportSafetensors.ts';
import { holdCheckpoint, isFloat16 } from '../checkpoint/heldCheckpoint.ts';
import { disposeCheckpoint, loadCheckpoint, planCheckpoint } from '../checkpoint/loadCheckpoint.ts';
import { bertMaskedLm } from './batch.ts';
import { HeldTeacher, plannedTeacherWeightsText } from './heldTeacher.ts';
import { computeTeacherOutputs, type TeacherOutputBatch } from './teacherOutputs.ts';

beforeAll(async () => {
  await useBackend('cpu');
});
let before = 0;
afterEach(() => expect(tf.memory().numTensors).toBe(before));

const V = 60;
const H = 16;
const cfg = tinyConfig({ vocab_size: V, hidden_size: H, intermediate_size: 24, num_attention_heads: 2 });
const examples = syntheticExamples({ count: 7, vocabSize: V, maxSeqLength: 12, maxPredictionsPerSeq: 3, seed: 5 });
const K = 8;

async function files(dtype: 'F16' | 'F32'): Promise<Map<string, Blob>> {
  const weights = arraysToWeights(randomArrays(cfg, { pooler: true, mlmHead: true }, 9));
  const bytes = (await safetensorsBytes(weights, cfg, dtype)) as Uint8Array<ArrayBuffer>;
  tf.dispose(Object.values(weights));
  return new Map<string, Blob>([
    ['t/model.safetensors', new Blob([bytes])],
    ['t/config.json', new Blob([JSON.stringify(cfg)])],
    ['t/vocab.txt', new Blob([`${tinyVocab(V).join('\n')}\n`])],
  ]);
}

/** The whole-model pass (computeTeacherOutputs on the float32 weights loadCheckpoint makes). */
async function reference(f: Map<string, Blob>, exs = examples): Promise<TeacherOutputBatch> {
  const ckpt = await loadCheckpoint(f);
  try {
    return await computeTeacherOutputs(bertMaskedLm(cfg), ckpt.weights, exs, K);
  } finally {
    disposeCheckpoint(ckpt);
  }
}

function expectSameOutputs(got: TeacherOutputBatch, want: TeacherOutputBatch): void {
  expect(got.ids).toEqual(want.ids);
  expect(got.weights).toEqual(want.weights);
  expect(got.probs.length).toBe(want.probs.length);
  for (let i = 0; i < got.probs.length; i++) expect(got.probs[i]).toBeCloseTo(want.probs[i], 6);
}

describe('HeldTeacher', () => {
  it('a float16 teacher, kept float16 and widened per layer, gives the whole-model top k', async () => {
    const f = await files('F16');
    before = tf.memory().numTensors;
    const want = await reference(f);
    const held = await holdCheckpoint(f);
    const teacher = new HeldTeacher(held, { limitBytes: Number.POSITIVE_INFINITY });
    expect(teacher.weightsKept).toBe('float16');
    expect(teacher.describe()).toMatch(/^float16 kept, widened per layer: \d+ MB held as float16/);
    const resident = tf.memory().numTensors;
    expectSameOutputs(await teacher.computeOutputs(examples, K), want);
    // the widened layers were disposed; the layers are still held as float16
    expect(tf.memory().numTensors).toBe(resident);
    expect(held.held.has('bert.encoder.layer.1.intermediate.dense.weight')).toBe(true);
    expect([...held.held.values()].every(isFloat16)).toBe(true);
    expect(held.held.has('bert.embeddings.word_embeddings.weight')).toBe(false);
    expect(teacher.memory().heldBytes).toBeGreaterThan(0);
    // what the model summary foresaw from the plan is what happened
    expect(teacher.describe()).toBe(plannedTeacherWeightsText(await planCheckpoint(f)));
    teacher.dispose();
  });

  it('split for a small buffer limit (word-embedding blocks, sub-batches, logits chunks): the same top k', async () => {
    const f = await files('F32');
    before = tf.memory().numTensors;
    const want = await reference(f);
    // 1600 bytes: 25 rows of the [60, 16] table per block, 2 examples (12 × 24 × 4 = 1152 bytes each) per sub-batch
    const teacher = new HeldTeacher(await holdCheckpoint(f), { limitBytes: 1600 });
    expect(teacher.weightsKept).toBe('float32');
    expect(teacher.describe()).toMatch(/^float32 as in the file: \d+ MB on the backend/);
    expect(teacher.memory().heldBytes).toBe(0);
    expect(teacher.describe()).toBe(plannedTeacherWeightsText(await planCheckpoint(f)));
    const got = await teacher.computeOutputs(examples, K);
    expect(teacher.lastSplit).toEqual({
      examplesPerChunk: 1,
      vocabBlockRows: 25,
      vocabChunk: 25,
      subBatches: 7,
      vocabChunks: 3,
    });
    expectSameOutputs(got, want);
    teacher.dispose();
  });

  it('logits chunks smaller than the blocks, k larger than a chunk', async () => {
    const f = await files('F32');
    before = tf.memory().numTensors;
    // 10 slots: 2 examples × 10 rows of logits make chunks of 30 entries in blocks of 37 rows (the last chunk of a block: 7 < k)
    const many = syntheticExamples({ count: 5, vocabSize: V, maxSeqLength: 12, maxPredictionsPerSeq: 10, seed: 6 });
    const want = await reference(f, many);
    const teacher = new HeldTeacher(await holdCheckpoint(f), { limitBytes: 2400 });
    const got = await teacher.computeOutputs(many, K);
    expect(teacher.lastSplit).toEqual({
      examplesPerChunk: 2,
      vocabBlockRows: 37,
      vocabChunk: 30,
      subBatches: 3,
      vocabChunks: 3,
    });
    expectSameOutputs(got, want);
    teacher.dispose();
  });

  it('sub-batches of at most subBatchTokens tokens (the activations a half-layer keeps): the same top k', async () => {
    const f = await files('F16');
    before = tf.memory().numTensors;
    const want = await reference(f);
    // 30 tokens: 2 examples of 12 per sub-batch, 4 sub-batches for 7 examples
    const teacher = new HeldTeacher(await holdCheckpoint(f), {
      limitBytes: Number.POSITIVE_INFINITY,
      subBatchTokens: 30,
    });
    const got = await teacher.computeOutputs(examples, K);
    expect(teacher.lastSplit).toMatchObject({ examplesPerChunk: 2, subBatches: 4 });
    expectSameOutputs(got, want);
    // fewer tokens than one example: one example per sub-batch
    const one = new HeldTeacher(await holdCheckpoint(f), { limitBytes: Number.POSITIVE_INFINITY, subBatchTokens: 5 });
    expectSameOutputs(await one.computeOutputs(examples, K), want);
    expect(one.lastSplit).toMatchObject({ examplesPerChunk: 1, subBatches: 7 });
    teacher.dispose();
    one.dispose();
  });

  it('a subBatchTokens under 1 is refused, naming the option', async () => {
    const f = await files('F16');
    before = tf.memory().numTensors;
    const held = await holdCheckpoint(f);
    expect(() => new HeldTeacher(held, { subBatchTokens: 0 })).toThrow(/subBatchTokens must be at least 1, got 0/);
  });

  it('a limit under one layer weight: refused before anything is uploaded', async () => {
    const f = await files('F16');
    before = tf.memory().numTensors;
    const held = await holdCheckpoint(f);
    expect(() => new HeldTeacher(held, { limitBytes: 1000 })).toThrow(
      /feed-forward weight \[24, 16\] takes 1536 bytes .* over the device's buffer limit \(1000 bytes.*cannot be split/,
    );
    expect(held.held.size).toBeGreaterThan(0);
  });
});

const wasmProblem = await useWasmBackend();
await useBackend('cpu');
const describeWasm = wasmProblem ? describe.skip : describe;

describeWasm(`HeldTeacher on tfjs-wasm${wasmProblem ? ` [skipped: ${wasmProblem}]` : ''}`, () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('the float16 teacher, widened half a layer at a time into the wasm heap, gives exactly the float32 teacher of the same values', async () => {
    const f16 = await files('F16');
    before = tf.memory().numTensors;
    // the float32 teacher: the float16 file's values written as F32 safetensors
    const widened = await loadCheckpoint(f16);
    const f32 = new Map(f16);
    f32.set(
      't/model.safetensors',
      new Blob([(await safetensorsBytes(widened.weights, cfg, 'F32')) as Uint8Array<ArrayBuffer>]),
    );
    disposeCheckpoint(widened);
    const want = await reference(f16);
    const teacher32 = new HeldTeacher(await holdCheckpoint(f32));
    expect(teacher32.weightsKept).toBe('float32');
    const got32 = await teacher32.computeOutputs(examples, K);
    teacher32.dispose();
    const held = await holdCheckpoint(f16);
    const teacher16 = new HeldTeacher(held);
    expect(teacher16.weightsKept).toBe('float16');
    const resident = tf.memory().numTensors;
    const got16 = await teacher16.computeOutputs(examples, K);
    expect(tf.memory().numTensors).toBe(resident);
    expect([...held.held.values()].every(isFloat16)).toBe(true);
    teacher16.dispose();
    expect(got16.ids).toEqual(got32.ids);
    expect(got16.probs).toEqual(got32.probs);
    expect(got16.weights).toEqual(got32.weights);
    expectSameOutputs(got16, want);
    // word-embedding blocks widened into the heap one at a time (a small buffer limit): the same top k
    const blocked = new HeldTeacher(await holdCheckpoint(f16), { limitBytes: 1600 });
    expectSameOutputs(await blocked.computeOutputs(examples, K), want);
    expect(blocked.lastSplit?.vocabBlockRows).toBe(25);
    blocked.dispose();
  });
});
