/**
 * Node entry for the model benchmark on the cpu and wasm backends:
 *   node --import tsx bench/modelBenchNode.ts [--backends=cpu,wasm] [--mode=forward|train-step]
 *        [--batch=2] [--cases=student-3L-768,tiny-2L-128] [--min_seconds=1] [--matmul_size=1024]
 * Prints a table per backend and, with --json, the raw results.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { configureWasmPaths } from '../src/cli/nodeBackend.ts';
import { benchModel, formatModelBench, standardBenchCases, type ModelBenchResult } from './modelBench.ts';

const flags = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`modelBenchNode: bad argument "${a}" (expected --name=value)`);
    return [m[1], m[2] ?? 'true'];
  }),
);
const backends = (flags.backends ?? 'cpu,wasm').split(',');
const mode = (flags.mode ?? 'forward') as 'forward' | 'train-step';
const batch = Number(flags.batch ?? 2);
const names = (flags.cases ?? 'student-3L-768,tiny-2L-128').split(',');
const cases = standardBenchCases(batch).filter((c) => names.includes(c.name));

configureWasmPaths();
const results: ModelBenchResult[] = [];
for (const backend of backends) {
  const r = await benchModel({
    backend,
    configs: cases,
    mode,
    minSeconds: Number(flags.min_seconds ?? 1),
    matmulSize: Number(flags.matmul_size ?? 1024),
    log: (l) => console.error(l),
  });
  if (backend === 'wasm')
    console.log(
      `wasm threads: ${await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')}, simd: ${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')}`,
    );
  console.log(formatModelBench(r));
  results.push(r);
}
if (flags.json) console.log(JSON.stringify(results, null, 2));
