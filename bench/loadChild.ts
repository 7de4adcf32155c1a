/**
 * Runs the checkpoint-load memory benchmark in a fresh Node process (so the
 * RSS baseline holds nothing of the other benchmarks) and prints its result
 * as JSON on the last line. Started by bench/run.ts with --expose-gc.
 */
import { benchLoad } from './loadBench.ts';

const r = await benchLoad();
console.log(JSON.stringify(r));
