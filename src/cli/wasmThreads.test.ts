/**
 * tfjs-wasm on threads in Node (wasmThreads.ts, nodeBackend.ts): a tiny model's
 * forward and one training step give the same numbers on two threads as on one;
 * when the pthreads are refused the backend says so in one line and runs on one
 * thread; a process on threads ends by itself; TFJS_WASM_THREADS is read with
 * a clear error for a bad value.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { bertMaskedLm } from '../core/distill/batch.ts';
import { distillTask } from '../core/distill/distillTask.ts';
import { LOSS_PRESETS } from '../core/distill/loss.ts';
import { bertEncoder } from '../core/model/bert.ts';
import { parseBertConfig } from '../core/model/config.ts';
import { Rng } from '../core/random/rng.ts';
import { AdamW } from '../core/run/adamw.ts';
import { optimiserStep } from '../core/run/trainStep.ts';
import { tinyDistillItems } from '../testing/distillItems.ts';
import { REPO_ROOT } from '../testing/refData.ts';
import { randomIds, randomWeights } from '../testing/tinyBert.ts';
import { useWasmBackend } from './nodeBackend.ts';
import { THREADS_VARIABLE, wasmThreadsWanted } from './wasmThreads.ts';

/** Wide enough that XNNPACK splits its matmuls between the threads. */
const cfg = parseBertConfig({
  vocab_size: 200,
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 256,
  max_position_embeddings: 64,
});

interface Numbers {
  encoder: Float32Array;
  loss: number;
  gradNorm: number;
  weightsAfterStep: Record<string, Float32Array>;
}

/** The encoder's output on a fixed batch, then one AdamW step of the seed loss from fixed weights. */
async function modelNumbers(): Promise<Numbers> {
  const weights = randomWeights(cfg, { pooler: false, mlmHead: true }, 3, 0.1);
  const rng = new Rng(8);
  const inputs = {
    inputIds: tf.tensor2d(randomIds(rng, 4, 48, cfg.vocab_size), undefined, 'int32'),
    tokenTypeIds: tf.zeros([4, 48], 'int32') as tf.Tensor2D,
    attentionMask: tf.ones([4, 48], 'int32') as tf.Tensor2D,
  };
  const encoderOut = bertEncoder(weights, cfg, inputs);
  const encoder = (await encoderOut.data()) as Float32Array;
  tf.dispose([encoderOut, ...Object.values(inputs)]);

  const vars = Object.fromEntries(
    Object.entries(weights).map(([n, t]) => [n, tf.variable(t, true, `wasmThreads${getThreadsCount()}/${n}`)]),
  );
  tf.dispose(Object.values(weights));
  const task = distillTask(bertMaskedLm(cfg), LOSS_PRESETS.seed);
  const batch = task.prepare(await tinyDistillItems(8, 4, cfg));
  const opt = new AdamW();
  const step = await optimiserStep(vars, opt, [batch], () => ({ training: false }), 1e-2, 1);
  batch.dispose();
  const weightsAfterStep: Record<string, Float32Array> = {};
  for (const [n, v] of Object.entries(vars)) weightsAfterStep[n] = (await v.data()) as Float32Array;
  opt.dispose();
  tf.dispose(Object.values(vars));
  return { encoder, loss: step.total, gradNorm: step.gradNorm, weightsAfterStep };
}

function worstDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const twoCores = os.availableParallelism() >= 2;

/** A Node process (with `nodeArgs`) that starts wasm on two threads, runs a matmul and ends without process.exit. */
function runChild(nodeArgs: string[]) {
  const script = [
    "import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';",
    "import * as tf from '@tensorflow/tfjs';",
    "import { useWasmBackend } from './src/cli/nodeBackend.ts';",
    'const why = await useWasmBackend({ threads: 2 });',
    'const s = tf.tidy(() => tf.matMul(tf.ones([3, 4]), tf.ones([4, 5])).sum());',
    'console.log(JSON.stringify({ why, backend: tf.getBackend(), threads: getThreadsCount(), sum: s.dataSync()[0] }));',
  ].join('\n');
  return spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 90_000,
  });
}

describe('tfjs-wasm threads in Node', () => {
  it.skipIf(!twoCores)('gives the same forward and training step on two threads as on one', async () => {
    const notes: string[] = [];
    expect(await useWasmBackend({ threads: 2, note: (l) => notes.push(l) })).toBeNull();
    expect(notes).toEqual([]);
    expect(tf.getBackend()).toBe('wasm');
    expect(getThreadsCount()).toBe(2);
    const threaded = await modelNumbers();

    expect(await useWasmBackend({ threads: 1 })).toBeNull();
    expect(getThreadsCount()).toBe(1);
    const single = await modelNumbers();

    expect(worstDifference(threaded.encoder, single.encoder)).toBeLessThan(1e-5);
    expect(threaded.loss).toBeGreaterThan(0);
    expect(Math.abs(threaded.loss - single.loss)).toBeLessThan(1e-5 * single.loss);
    expect(Math.abs(threaded.gradNorm - single.gradNorm)).toBeLessThan(1e-5 * single.gradNorm);
    for (const [name, w] of Object.entries(single.weightsAfterStep)) {
      expect(worstDifference(threaded.weightsAfterStep[name], w), name).toBeLessThan(1e-6);
    }
  });

  it.skipIf(!twoCores)('lets a process on threads end by itself (the pthreads do not hold it open)', () => {
    const run = runChild([]);
    expect(run.error, 'the child did not end within 90 s').toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/note:/);
    expect(JSON.parse(run.stdout.trim())).toEqual({ why: null, backend: 'wasm', threads: 2, sum: 60 });
  });

  it.skipIf(!twoCores)('says in one line that threads could not start, and runs on one thread', () => {
    // A Node that refuses code from strings cannot run tfjs-wasm's pthread script (it is
    // a string in the bundle): the threaded start fails and the backend falls back.
    const run = runChild(['--disallow-code-generation-from-strings']);
    expect(run.status, run.stderr).toBe(0);
    const notes = run.stderr.split('\n').filter((l) => l.startsWith('note:'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^note: tfjs-wasm threads could not start \(.*code generation.*\); using one thread$/i);
    expect(JSON.parse(run.stdout.trim())).toEqual({ why: null, backend: 'wasm', threads: 1, sum: 60 });
  });

  it(`reads ${THREADS_VARIABLE}: unset means every core, a bad value is refused by name`, () => {
    expect(wasmThreadsWanted({})).toBe(os.availableParallelism());
    expect(wasmThreadsWanted({ [THREADS_VARIABLE]: '' })).toBe(os.availableParallelism());
    expect(wasmThreadsWanted({ [THREADS_VARIABLE]: '1' })).toBe(1);
    expect(wasmThreadsWanted({ [THREADS_VARIABLE]: ' 3 ' })).toBe(3);
    for (const bad of ['0', '-2', '1.5', 'two', 'all']) {
      expect(() => wasmThreadsWanted({ [THREADS_VARIABLE]: bad })).toThrow(
        new RegExp(`^${THREADS_VARIABLE} must be a whole number of threads ≥ 1 .*got "${bad}"`),
      );
    }
  });
});
