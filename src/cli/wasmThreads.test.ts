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
import { parseBertConfig } from '../core/model/config.ts';
import { expectSameNumbers, modelNumbers } from '../testing/modelNumbers.ts';
import { REPO_ROOT } from '../testing/refData.ts';
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
    const threaded = await modelNumbers(cfg, 'wasmThreads2');

    expect(await useWasmBackend({ threads: 1 })).toBeNull();
    expect(getThreadsCount()).toBe(1);
    const single = await modelNumbers(cfg, 'wasmThreads1');

    expectSameNumbers(threaded, single, { encoder: 1e-5, loss: 1e-5, gradNorm: 1e-5, weight: 1e-6 });
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
