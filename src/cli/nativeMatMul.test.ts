/**
 * tfjs-wasm's matmul on onnxruntime's native kernels (nativeMatMul.ts): every
 * transpose combination, batched and broadcast operands and chunked large products
 * agree with tfjs-wasm's own kernel; a BERT forward and training step agree with the
 * plain wasm ones; small products stay on wasm; a binding that does not load leaves
 * the kernel as it was and says why; TFJS_NATIVE_MATMUL is read with a clear error.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { matMulTransposesAreSlow } from '../core/backend/matMulTransposes.ts';
import { useBackend } from '../core/backend/useBackend.ts';
import { parseBertConfig } from '../core/model/config.ts';
import { Rng } from '../core/random/rng.ts';
import { expectSameNumbers, modelNumbers, worstDifference } from '../testing/modelNumbers.ts';
import {
  CHUNK_OUTPUT_BYTES,
  cliBackendDescription,
  NATIVE_MATMUL_VARIABLE,
  installNativeMatMul,
  nativeMatMulCounts,
  nativeMatMulWanted,
  uninstallNativeMatMul,
} from './nativeMatMul.ts';
import { useCliWasm, useWasmBackend } from './nodeBackend.ts';

const wasmProblem = await useWasmBackend({ threads: 1 });
const describeWasm = wasmProblem ? describe.skip : describe;

function random(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.random() * 2 - 1),
    shape,
  );
}

interface Case {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

/** op(a)·op(b) for each case, as [values, shape]. */
async function products(cases: Case[]): Promise<[Float32Array, number[]][]> {
  const out: [Float32Array, number[]][] = [];
  for (const [i, c] of cases.entries()) {
    const a = random(c.a, 2 * i + 1);
    const b = random(c.b, 2 * i + 2);
    const p = tf.matMul(a, b, c.ta, c.tb);
    out.push([(await p.data()) as Float32Array, p.shape]);
    tf.dispose([a, b, p]);
  }
  return out;
}

const cfg = parseBertConfig({
  vocab_size: 300,
  hidden_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 512,
  max_position_embeddings: 64,
});

describeWasm(`the native matmul${wasmProblem ? ` [skipped: ${wasmProblem}]` : ''}`, () => {
  afterEach(() => uninstallNativeMatMul());

  it("gives tfjs-wasm's products for every transpose, batched, broadcast and chunked", async () => {
    await useBackend('wasm');
    // wide enough to be computed natively (MIN_NATIVE_FLOPS), the last four past CHUNK_OUTPUT_BYTES
    const rows = Math.ceil(CHUNK_OUTPUT_BYTES / (4 * 256)) + 37;
    const cases: Case[] = [
      { a: [128, 96], b: [96, 120], ta: false, tb: false },
      { a: [128, 96], b: [120, 96], ta: false, tb: true },
      { a: [96, 128], b: [96, 120], ta: true, tb: false },
      { a: [96, 128], b: [120, 96], ta: true, tb: true },
      { a: [2, 6, 64, 32], b: [2, 6, 32, 64], ta: false, tb: false },
      { a: [2, 6, 64, 32], b: [2, 6, 64, 32], ta: false, tb: true },
      { a: [2, 6, 32, 64], b: [2, 6, 32, 64], ta: true, tb: false },
      { a: [12, 64, 128], b: [1, 128, 96], ta: false, tb: false },
      { a: [rows, 24], b: [256, 24], ta: false, tb: true },
      { a: [24, rows], b: [24, 256], ta: true, tb: false },
      // batched past CHUNK_OUTPUT_BYTES: chunks of whole entries, one operand broadcast in the second
      { a: [40, 256, 16], b: [40, 256, 16], ta: false, tb: true },
      { a: [40, 16, 256], b: [1, 16, 256], ta: true, tb: false },
    ];
    const own = await products(cases);
    expect(installNativeMatMul(2)).toBeNull();
    expect(matMulTransposesAreSlow()).toBe(false);
    const native = await products(cases);
    const counts = nativeMatMulCounts();
    expect(counts?.nativeCalls).toBe(cases.length);
    expect(counts?.wasmCalls).toBe(0);
    // the four large products ran in chunks: at least two onnxruntime runs each
    expect(counts?.sessionRuns).toBeGreaterThanOrEqual(cases.length - 4 + 2 * 4);
    for (const [i, [values, shape]] of native.entries()) {
      expect(shape, JSON.stringify(cases[i])).toEqual(own[i][1]);
      expect(worstDifference(values, own[i][0]), JSON.stringify(cases[i])).toBeLessThan(1e-4);
    }
    // a small product stays on tfjs-wasm
    const small = tf.matMul(tf.ones([3, 4]), tf.ones([4, 5]));
    expect(Array.from(await small.data())).toEqual(new Array(15).fill(4));
    small.dispose();
    expect(nativeMatMulCounts()?.wasmCalls).toBe(1);
    uninstallNativeMatMul();
    expect(matMulTransposesAreSlow()).toBe(true);
  });

  it('gives the plain wasm forward and training step (forward, loss, gradient norm, AdamW update)', async () => {
    await useBackend('wasm');
    const plain = await modelNumbers(cfg, 'plainWasm');
    expect(installNativeMatMul(2)).toBeNull();
    const before = nativeMatMulCounts()?.nativeCalls ?? 0;
    const native = await modelNumbers(cfg, 'nativeMatMul');
    expect((nativeMatMulCounts()?.nativeCalls ?? 0) - before).toBeGreaterThan(20);
    // AdamW moves each weight by about the learning rate (1e-2): 1e-4 is 1% of that
    expectSameNumbers(native, plain, { encoder: 1e-4, loss: 1e-5, gradNorm: 1e-4, weight: 1e-4 });
  });

  it("keeps tfjs-wasm's kernel and says why when onnxruntime cannot load", async () => {
    await useBackend('wasm');
    const why = installNativeMatMul(2, () => {
      throw new Error('no onnxruntime here');
    });
    expect(why).toBe('no onnxruntime here');
    expect(nativeMatMulCounts()).toBeNull();
    expect(matMulTransposesAreSlow()).toBe(true);
    const p = tf.matMul(tf.ones([2, 2]), tf.ones([2, 2]));
    expect(Array.from(await p.data())).toEqual([2, 2, 2, 2]);
    p.dispose();
  });

  it("is the CLI's wasm, on one tfjs-wasm thread, and TFJS_WASM_THREADS is said to be unused", async () => {
    const saved = process.env.TFJS_WASM_THREADS;
    process.env.TFJS_WASM_THREADS = '2';
    const notes: string[] = [];
    try {
      expect(await useCliWasm((l) => notes.push(l))).toBeNull();
    } finally {
      if (saved === undefined) delete process.env.TFJS_WASM_THREADS;
      else process.env.TFJS_WASM_THREADS = saved;
    }
    expect(tf.getBackend()).toBe('wasm');
    expect(nativeMatMulCounts()).not.toBeNull();
    expect(cliBackendDescription()).toBe(`wasm, matmuls on onnxruntime-node (${os.availableParallelism()} threads)`);
    expect(notes).toEqual([
      `note: TFJS_WASM_THREADS is not used while the matmuls run natively (${NATIVE_MATMUL_VARIABLE}=0 to use it)`,
    ]);
    uninstallNativeMatMul();
    expect(cliBackendDescription()).toBe('wasm');
  });
});

describe('TFJS_NATIVE_MATMUL', () => {
  it('is on by default and reads on/off words; anything else is an error naming it', () => {
    expect(nativeMatMulWanted({})).toBe(true);
    expect(nativeMatMulWanted({ TFJS_NATIVE_MATMUL: '' })).toBe(true);
    expect(nativeMatMulWanted({ TFJS_NATIVE_MATMUL: '1' })).toBe(true);
    expect(nativeMatMulWanted({ TFJS_NATIVE_MATMUL: 'off' })).toBe(false);
    expect(nativeMatMulWanted({ TFJS_NATIVE_MATMUL: '0' })).toBe(false);
    expect(() => nativeMatMulWanted({ TFJS_NATIVE_MATMUL: 'maybe' })).toThrow(
      'TFJS_NATIVE_MATMUL must be 1 or 0 (on or off), got "maybe"',
    );
  });
});
