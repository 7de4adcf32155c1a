/**
 * The per-backend part of `npm run bench`, shared by Node (cpu, wasm) and the
 * bench page in Chromium (webgpu, webgl, wasm, cpu): this backend's own matmul
 * throughput, the teacher forward and student train-step throughput of the
 * issue's configurations (each as a fraction of that matmul figure, measured in
 * the same run), and optionally the trainer's leak check (tensors and bytes
 * after 10 vs 100 steps). No node: imports. The caller registers backends.
 */
import { useBackend } from '../src/core/backend/useBackend.ts';
import type { BertConfig } from '../src/core/model/config.ts';
import { benchMatmul, type MatmulResult } from './matmulBench.ts';
import { benchModel, chineseBertConfig, type ModelBenchCase, type ModelBenchResult } from './modelBench.ts';
import { benchFineTuneStep, type FineTuneBenchResult } from './finetuneBench.ts';
import { benchTrainStep, type TrainBenchResult } from './trainBench.ts';

/** The embedded demo's sizes (public/demo/teacher/config.json; students keep 3 of its layers). */
export const DEMO_VOCAB = 4446;
export function demoConfig(layers: number): BertConfig {
  return {
    ...chineseBertConfig(layers, 128),
    num_attention_heads: 2,
    intermediate_size: 512,
    vocab_size: DEMO_VOCAB,
    max_position_embeddings: 128,
  };
}

export interface SuiteOptions {
  backend: string;
  /** fewer and smaller cases, for a quick look */
  quick?: boolean;
  /** include the 768-hidden cases even on the slow pure-JavaScript cpu backend */
  full?: boolean;
  /** run the trainer's 100-step leak check on this backend */
  leakCheck?: boolean;
  log?: (line: string) => void;
}

export interface SuiteResult {
  backend: string;
  matmul: MatmulResult | null;
  forward: ModelBenchResult | null;
  trainStep: ModelBenchResult | null;
  /** the project's Trainer (seed loss, AdamW) on the 3-layer student */
  trainer: (TrainBenchResult & { case: string; batch: number; seq: number }) | null;
  leak: (TrainBenchResult & { case: string; batch: number; seq: number; steps: number }) | null;
  /** classification fine-tuning (run_classifier's head and loss) on the demo-size 3-layer student */
  fineTune: FineTuneBenchResult | null;
  skipped: string[];
  errors: string[];
  seconds: number;
}

/**
 * Below this matmul throughput (GFLOP/s) a backend counts as slow (the pure-JS cpu backend, a
 * software-emulated GPU such as SwiftShader): the 768-hidden cases would take minutes per step there,
 * so they are skipped unless `full` is set, and the matmul yardstick uses n = 512.
 */
export const SLOW_GFLOPS = 3;

export function suiteCases(slowBackend: boolean, quick: boolean, full: boolean) {
  const slow = slowBackend && !full;
  const teacher: ModelBenchCase = { name: 'teacher-base-12L-768', cfg: chineseBertConfig(12), batch: 1, seq: 128 };
  const student: ModelBenchCase = { name: 'student-3L-768', cfg: chineseBertConfig(3), batch: quick ? 1 : 2, seq: 128 };
  const demoTeacher: ModelBenchCase = {
    name: 'demo-teacher-4L-128',
    cfg: demoConfig(4),
    batch: quick || slow ? 4 : 8,
    seq: 128,
  };
  const demoStudent: ModelBenchCase = {
    name: 'demo-student-3L-128',
    cfg: demoConfig(3),
    batch: quick || slow ? 4 : 8,
    seq: 128,
  };
  const skipped: string[] = [];
  const forward: ModelBenchCase[] = [demoTeacher];
  const train: ModelBenchCase[] = [demoStudent];
  const why = slow ? `matmul below ${SLOW_GFLOPS} GFLOP/s: minutes per step here; use --full` : '--quick';
  if (slow || quick) skipped.push(`${teacher.name} forward (${why})`);
  else forward.unshift(teacher);
  if (slow) skipped.push(`${student.name} forward, train step and Trainer step (${why})`);
  else {
    forward.splice(forward.length - 1, 0, student);
    train.unshift({ ...student, batch: 1 });
  }
  return { forward, train, skipped, slow };
}

export async function runSuite(opts: SuiteOptions): Promise<SuiteResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const quick = !!opts.quick;
  const errors: string[] = [];
  const out: SuiteResult = {
    backend: opts.backend,
    matmul: null,
    forward: null,
    trainStep: null,
    trainer: null,
    leak: null,
    fineTune: null,
    skipped: [],
    errors,
    seconds: 0,
  };
  const attempt = async <T>(what: string, f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (e) {
      const msg = `${opts.backend} ${what}: ${e instanceof Error ? e.message : String(e)}`;
      errors.push(msg);
      log(`ERROR ${msg}`);
      return null;
    }
  };
  if (
    !(await attempt('start', async () => {
      await useBackend(opts.backend);
      return true;
    }))
  ) {
    out.seconds = (performance.now() - t0) / 1000;
    return out;
  }
  // A small probe decides how large the yardstick matmul and the cases can be here.
  const probe = await attempt('matmul probe', () => benchMatmul(opts.backend, 256, 0.3));
  const slowBackend = !probe || probe.gflops < SLOW_GFLOPS;
  const { forward, train, skipped, slow } = suiteCases(slowBackend, quick, !!opts.full);
  out.skipped.push(...skipped);
  const mmSize = slowBackend ? 512 : 1024;
  const minSeconds = quick || slow ? 0.2 : 1;
  out.matmul = await attempt('matmul', () => benchMatmul(opts.backend, mmSize, quick || slow ? 1 : 2));
  if (out.matmul) log(`[${opts.backend}] matmul ${mmSize}: ${out.matmul.gflops.toFixed(2)} GFLOP/s`);
  out.forward = await attempt('forward', () =>
    benchModel({
      backend: opts.backend,
      configs: forward,
      mode: 'forward',
      matmulSize: mmSize,
      minSeconds,
      maxReps: 20,
      log,
    }),
  );
  out.trainStep = await attempt('train step', () =>
    benchModel({
      backend: opts.backend,
      configs: train,
      mode: 'train-step',
      matmulSize: mmSize,
      minSeconds,
      maxReps: 20,
      log,
    }),
  );
  if (!slow) {
    const c = { name: 'student-3L-768', cfg: chineseBertConfig(3), batch: 1, seq: 128 };
    const steps = quick ? 1 : 3;
    const r = await attempt('trainer', () =>
      benchTrainStep({ backend: opts.backend, cfg: c.cfg, batch: c.batch, seq: c.seq, steps, matmulSize: mmSize, log }),
    );
    if (r) out.trainer = { ...r, case: c.name, batch: c.batch, seq: c.seq };
  }
  out.fineTune = await attempt('fine-tune', () =>
    benchFineTuneStep({
      name: 'demo-student-3L-128',
      cfg: demoConfig(3),
      batch: 8,
      seq: 64,
      steps: quick || slow ? 3 : 10,
    }),
  );
  if (out.fineTune) log(`[${opts.backend}] fine-tuning: ${out.fineTune.examplesPerSec.toFixed(1)} examples/s`);
  if (opts.leakCheck) {
    // Small enough that 100 Trainer steps take seconds even on a software GPU.
    const cfg = { ...chineseBertConfig(2, 64), num_attention_heads: 2, intermediate_size: 256, vocab_size: 1000 };
    const r = await attempt('leak check', () =>
      benchTrainStep({ backend: opts.backend, cfg, batch: 2, seq: 32, steps: 100, matmulSize: 128, log: () => {} }),
    );
    if (r) {
      out.leak = { ...r, case: 'tiny-2L-64', batch: 2, seq: 32, steps: 100 };
      log(
        `[${opts.backend}] leak check: ${r.tensorsAfter10} tensors / ${r.bytesAfter10} bytes after 10 steps, ${r.tensorsAfter100} / ${r.bytesAfter100} after 100`,
      );
    }
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
