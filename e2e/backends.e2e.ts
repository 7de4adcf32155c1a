/**
 * The same model code on every tfjs backend, in the real browser: builds the
 * small check page in e2e/pages/backends/ (its own `vite build`, into the run's
 * temporary folder, so nothing of it ships in dist/), serves it with the app's
 * strict CSP and runs, in a module Web Worker, a tiny random BERT made with the
 * project's own code on cpu, webgpu, webgl and wasm (each started by the app's
 * own backend picker, workers/backend.ts). Every backend is compared with cpu:
 * sequence output, MLM logits at the masked positions, three training steps'
 * loss and gradient norm, every first-step gradient and the weights after the
 * last step; tf.memory().numTensors must be unchanged after every forward pass
 * and every step. webgpu, wasm and cpu must run; a backend this browser cannot
 * start (webgl without a GPU, say) is named in the output with the reason, as
 * NOT CHECKED, never passed silently. The measured differences are printed and
 * written to e2e/artifacts/backends.json.
 *
 * Tolerances, for float32 (unit roundoff 6e-8) through a 2-layer, hidden-32
 * model whose sums have at most 96 terms: backends differ in summation order
 * (tiled GPU matmuls and reductions), in fused vs separate bias adds and in
 * their exp / erf / rsqrt / tanh, each worth a few ulps per stage; through
 * LayerNorm, softmax and the backward pass that compounds to ~1e-6 relative.
 * The bounds below are ~1e-4, two orders of magnitude above that, and still
 * far below what a real fault gives: float16 storage (1e-3 relative), a wrong
 * mask or bias row, a dropped term (O(1)).
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, type E2ETest, type TestContext } from './harness.ts';
import { serveStatic } from './server.ts';
import { THREAD_SAFE_MINIFY } from '../vite.config.ts';
import { DEFAULT_RUN, type BackendRun } from './pages/backends/backendRun.ts';
import type { BackendOutcome, CheckRequest } from './pages/backends/worker.ts';

const PAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), 'pages', 'backends');
const BACKENDS = ['cpu', 'webgpu', 'webgl', 'wasm'] as const;
/** Backends that must start in the e2e Chromium (SwiftShader WebGPU, wasm, cpu). */
const REQUIRED = new Set<string>(['cpu', 'webgpu', 'wasm']);

/** Per-element bounds: |x − x_cpu| ≤ ABS + REL · |x_cpu| (see the file comment). */
const TOL = {
  /** sequence output (LayerNorm output, |x| ≲ 3) */
  seq: { abs: 1e-4, rel: 1e-4 },
  /** MLM logits at the masked positions (|x| ≲ 6) */
  logits: { abs: 1e-4, rel: 1e-4 },
  /** each step's loss and global gradient norm, relative */
  scalarRel: 1e-4,
  /**
   * every gradient element: the absolute part is relative to the global gradient
   * norm, since some gradients are zero in exact arithmetic (the attention key
   * bias: softmax ignores a shift shared by all keys) and only rounding is left
   */
  grad: { absOfNorm: 1e-5, rel: 1e-3 },
  /** weights after the training steps (|w| ≲ 1) */
  weights: { abs: 1e-5, rel: 1e-4 },
};

/** The largest excess of |a − b| over its bound (≤ 0 passes) and the largest plain |a − b|. */
function worst(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  abs: number,
  rel: number,
): { excess: number; maxAbs: number; at: number } {
  if (a.length !== b.length) return { excess: Infinity, maxAbs: Infinity, at: -1 };
  let excess = -Infinity;
  let maxAbs = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= maxAbs)) maxAbs = d; // NaN counts as worst
    const e = Number.isNaN(d) ? Infinity : d - abs - rel * Math.abs(b[i]);
    if (e > excess) {
      excess = e;
      at = i;
    }
  }
  return { excess, maxAbs, at };
}

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
const fmt = (x: number) => (x === 0 ? '0' : x.toExponential(1));

export interface Comparison {
  backend: string;
  seqMaxAbs: number;
  logitsMaxAbs: number;
  lossMaxRel: number;
  gradNormMaxRel: number;
  gradNormPerTensorMaxRel: number;
  /** worst gradient element |Δ| over all weights, and which weight */
  gradMaxAbs: number;
  gradWorstWeight: string;
  weightsMaxAbs: number;
  failures: string[];
}

export function compareWithCpu(run: BackendRun, cpu: BackendRun): Comparison {
  const failures: string[] = [];
  const c: Comparison = {
    backend: run.backend,
    seqMaxAbs: 0,
    logitsMaxAbs: 0,
    lossMaxRel: 0,
    gradNormMaxRel: 0,
    gradNormPerTensorMaxRel: 0,
    gradMaxAbs: 0,
    gradWorstWeight: '',
    weightsMaxAbs: 0,
    failures,
  };
  const name = run.backend;
  if (run.activeBackend !== name) failures.push(`${name}: computed on ${run.activeBackend}`);
  const ck = run.initChecksum;
  if (ck.sum !== cpu.initChecksum.sum || ck.sumSq !== cpu.initChecksum.sumSq || ck.count !== cpu.initChecksum.count) {
    failures.push(
      `${name}: initWeights with the same seed gave different values (sum ${ck.sum} vs cpu ${cpu.initChecksum.sum})`,
    );
  }
  const same = (what: string, a: number[], b: number[]) => {
    if (a.join() !== b.join()) failures.push(`${name}: ${what} shape [${a}] vs cpu [${b}]`);
  };
  same('sequence output', run.seqShape, cpu.seqShape);
  same('logits', run.logitsShape, cpu.logitsShape);

  const seq = worst(run.seq, cpu.seq, TOL.seq.abs, TOL.seq.rel);
  c.seqMaxAbs = seq.maxAbs;
  if (seq.excess > 0)
    failures.push(`${name}: sequence output element ${seq.at} is ${run.seq[seq.at]}, cpu ${cpu.seq[seq.at]}`);
  const lg = worst(run.logits, cpu.logits, TOL.logits.abs, TOL.logits.rel);
  c.logitsMaxAbs = lg.maxAbs;
  if (lg.excess > 0) failures.push(`${name}: MLM logit ${lg.at} is ${run.logits[lg.at]}, cpu ${cpu.logits[lg.at]}`);

  if (run.steps.length !== cpu.steps.length)
    failures.push(`${name}: ${run.steps.length} steps, cpu ${cpu.steps.length}`);
  run.steps.forEach((s, i) => {
    const ref = cpu.steps[i];
    if (!ref) return;
    const dl = relDiff(s.loss, ref.loss);
    const dn = relDiff(s.gradNorm, ref.gradNorm);
    const dp = relDiff(s.gradNormPerTensor, ref.gradNormPerTensor);
    c.gradNormPerTensorMaxRel = Math.max(c.gradNormPerTensorMaxRel, Number.isNaN(dp) ? Infinity : dp);
    c.lossMaxRel = Math.max(c.lossMaxRel, Number.isNaN(dl) ? Infinity : dl);
    c.gradNormMaxRel = Math.max(c.gradNormMaxRel, Number.isNaN(dn) ? Infinity : dn);
    if (!(dl <= TOL.scalarRel)) failures.push(`${name}: step ${i + 1} loss ${s.loss}, cpu ${ref.loss}`);
    if (!(dn <= TOL.scalarRel)) {
      failures.push(
        `${name}: step ${i + 1} gradient norm from clipByGlobalNorm (src/core/run/adamw.ts) is ${s.gradNorm}, cpu ${ref.gradNorm}; ` +
          `the same norm from per-tensor sums is ${s.gradNormPerTensor}, cpu ${ref.gradNormPerTensor}`,
      );
    }
    if (!(dp <= TOL.scalarRel))
      failures.push(
        `${name}: step ${i + 1} per-tensor gradient norm ${s.gradNormPerTensor}, cpu ${ref.gradNormPerTensor}`,
      );
  });

  const gradFloor = TOL.grad.absOfNorm * cpu.steps[0].gradNorm;
  const names = Object.keys(cpu.grads).sort();
  if (Object.keys(run.grads).sort().join() !== names.join())
    failures.push(`${name}: gradients of a different set of weights than cpu's`);
  for (const w of names) {
    const g = worst(run.grads[w] ?? [], cpu.grads[w], gradFloor, TOL.grad.rel);
    if (g.maxAbs > c.gradMaxAbs) {
      c.gradMaxAbs = g.maxAbs;
      c.gradWorstWeight = w;
    }
    if (g.excess > 0)
      failures.push(`${name}: gradient of ${w}[${g.at}] is ${run.grads[w]?.[g.at]}, cpu ${cpu.grads[w][g.at]}`);
  }
  for (const w of Object.keys(cpu.finalWeights)) {
    const d = worst(run.finalWeights[w] ?? [], cpu.finalWeights[w], TOL.weights.abs, TOL.weights.rel);
    c.weightsMaxAbs = Math.max(c.weightsMaxAbs, d.maxAbs);
    if (d.excess > 0)
      failures.push(
        `${name}: after ${run.steps.length} steps ${w}[${d.at}] is ${run.finalWeights[w]?.[d.at]}, cpu ${cpu.finalWeights[w][d.at]}`,
      );
  }
  return c;
}

/** Builds the check page with Vite into the run's temporary folder; returns the folder. */
async function buildPage(work: string): Promise<string> {
  const { build } = await import('vite');
  const outDir = join(work, 'backends-page');
  await build({
    configFile: false,
    root: PAGE_ROOT,
    base: './',
    logLevel: 'error', // build problems still throw; Vite's timing notes would only clutter the e2e output
    clearScreen: false,
    // Minified as the app's workers are (vite.config.ts): the threaded wasm backend needs it.
    worker: { format: 'es', rolldownOptions: { output: { minify: THREAD_SAFE_MINIFY } } },
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8000, reportCompressedSize: false },
  });
  return outDir;
}

function outcomes(ctx: TestContext): BackendOutcome[] {
  const o = ctx.shared.backendOutcomes as BackendOutcome[] | undefined;
  assert(o, 'the backend check ran');
  return o;
}

function availableRuns(ctx: TestContext): Extract<BackendOutcome, { available: true }>[] {
  return outcomes(ctx).filter((o): o is Extract<BackendOutcome, { available: true }> => o.available);
}

export const backendTests: E2ETest[] = [
  {
    name: 'backends: a tiny BERT runs in a Web Worker on webgpu, webgl, wasm and cpu (same origin, strict CSP)',
    async run(ctx) {
      const work = (ctx.shared.work as string | undefined) ?? ctx.artifacts;
      const t0 = Date.now();
      const outDir = await buildPage(work);
      console.log(`    built the check page in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const server = await serveStatic(outDir);
      const page = await ctx.context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        // WebGPU validation errors (an invalid pipeline whose dispatch is dropped) arrive as warnings only.
        const gpuValidation =
          m.type() === 'warning' && /\[Invalid |While validating|exceeds the maximum/.test(m.text());
        if (m.type() === 'error' || gpuValidation) errors.push(`console ${m.type()}: ${m.text().split('\n')[0]}`);
        else if (m.text().startsWith('[backends]')) console.log(`    page: ${m.text().slice(11)}`);
      });
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      try {
        await page.goto(server.url);
        await page.waitForFunction(
          () => (window as unknown as { backendCheckReady?: boolean }).backendCheckReady === true,
          undefined,
          { timeout: 60_000 },
        );
        const request: CheckRequest = { backends: [...BACKENDS], options: DEFAULT_RUN };
        let timer: ReturnType<typeof setTimeout> | undefined;
        const result = await Promise.race([
          page.evaluate(
            (r) =>
              (window as unknown as { runBackendCheck(r: CheckRequest): Promise<BackendOutcome[]> }).runBackendCheck(r),
            request,
          ),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('the backend check took over 5 minutes')), 300_000);
          }),
        ]).finally(() => clearTimeout(timer));
        ctx.shared.backendOutcomes = result;
        await writeFile(join(ctx.artifacts, 'backends.json'), JSON.stringify(result.map(summary), null, 1));
        for (const o of result) {
          if (!o.available) console.log(`    ${o.backend}: NOT CHECKED — this Chromium cannot start it: ${o.why}`);
        }
        ctx.shared.backendPageErrors = errors;
        assert(
          result.map((o) => o.backend).join() === BACKENDS.join(),
          `an outcome for every backend: ${result.map((o) => o.backend)}`,
        );
        for (const o of result) {
          assert(
            o.available || !REQUIRED.has(o.backend),
            `${o.backend} must run in the e2e Chromium, but: ${o.available ? '' : o.why}`,
          );
        }
        const gpu = result.find((o) => o.backend === 'webgpu');
        assert(gpu?.available && gpu.adapter !== undefined, 'webgpu ran on a GPU adapter');
        console.log(`    webgpu adapter: ${gpu.adapter || '(unnamed)'}`);
      } finally {
        await page.close().catch(() => {});
        await server.close();
      }
    },
  },
  {
    name: 'backends: outputs, losses, gradients and updated weights agree with cpu within float32 tolerance',
    needs: ['backends: a tiny BERT runs in a Web Worker on webgpu, webgl, wasm and cpu (same origin, strict CSP)'],
    async run(ctx) {
      const runs = availableRuns(ctx);
      const cpu = runs.find((r) => r.backend === 'cpu');
      assert(cpu, 'cpu ran');
      assert(
        cpu.seq.length > 0 && cpu.logits.length > 0 && Object.keys(cpu.grads).length > 30,
        'cpu produced outputs and gradients',
      );
      assert(
        cpu.steps.every((s) => Number.isFinite(s.loss) && s.gradNorm > 0),
        'cpu losses are finite and gradients non-zero',
      );
      const failures: string[] = [];
      const table: Comparison[] = [];
      for (const run of runs) {
        if (run.backend === 'cpu') continue;
        const c = compareWithCpu(run, cpu);
        table.push(c);
        failures.push(...c.failures);
        console.log(
          `    ${run.backend.padEnd(6)} vs cpu: max |Δ| sequence ${fmt(c.seqMaxAbs)}, logits ${fmt(c.logitsMaxAbs)}, ` +
            `gradient ${fmt(c.gradMaxAbs)} (${c.gradWorstWeight}), weights after ${run.steps.length} steps ${fmt(c.weightsMaxAbs)}; ` +
            `max relative Δ loss ${fmt(c.lossMaxRel)}, gradient norm ${fmt(c.gradNormMaxRel)} (per-tensor ${fmt(c.gradNormPerTensorMaxRel)})  [${run.ms.toFixed(0)} ms]`,
        );
      }
      for (const o of outcomes(ctx))
        if (!o.available) console.log(`    ${o.backend.padEnd(6)} vs cpu: NOT CHECKED (unavailable: ${o.why})`);
      ctx.shared.backendComparisons = table;
      await writeFile(
        join(ctx.artifacts, 'backends-comparison.json'),
        JSON.stringify({ tolerances: TOL, comparisons: table }, null, 1),
      );
      assert(
        table.some((c) => c.backend === 'webgpu'),
        'webgpu was compared',
      );
      assert(failures.length === 0, `every backend agrees with cpu:\n      ${failures.slice(0, 12).join('\n      ')}`);
    },
  },
  {
    name: 'backends: no console errors and no WebGPU validation errors on the check page',
    needs: ['backends: a tiny BERT runs in a Web Worker on webgpu, webgl, wasm and cpu (same origin, strict CSP)'],
    async run(ctx) {
      const errors = [...((ctx.shared.backendPageErrors as string[] | undefined) ?? [])];
      for (const run of availableRuns(ctx))
        errors.push(...run.gpuErrors.map((m) => `${run.backend} device error: ${m}`));
      const unique = [...new Set(errors)];
      assert(
        unique.length === 0,
        `no console errors or WebGPU validation warnings (${errors.length}):\n      ${unique.slice(0, 8).join('\n      ')}`,
      );
    },
  },
  {
    name: 'backends: tf.memory().numTensors is unchanged after every forward pass and training step',
    needs: ['backends: a tiny BERT runs in a Web Worker on webgpu, webgl, wasm and cpu (same origin, strict CSP)'],
    async run(ctx) {
      const problems: string[] = [];
      for (const run of availableRuns(ctx)) {
        assert(
          run.forwardTensors.length === DEFAULT_RUN.forwards && run.steps.length === DEFAULT_RUN.steps,
          `${run.backend} ran every forward pass and step`,
        );
        run.forwardTensors.forEach((f, i) => {
          if (f.after !== f.before)
            problems.push(
              `${run.backend}: forward ${i + 1} left ${f.after - f.before} tensors (${f.before} → ${f.after})`,
            );
        });
        run.steps.forEach((s, i) => {
          if (s.tensorsAfter !== s.tensorsBefore)
            problems.push(
              `${run.backend}: step ${i + 1} left ${s.tensorsAfter - s.tensorsBefore} tensors (${s.tensorsBefore} → ${s.tensorsAfter})`,
            );
        });
        if (run.tensorsAtEnd !== run.tensorsAtStart)
          problems.push(
            `${run.backend}: ${run.tensorsAtEnd - run.tensorsAtStart} tensors left after disposing the model`,
          );
        const counts = [...run.forwardTensors.map((f) => f.after), ...run.steps.map((s) => s.tensorsAfter)];
        console.log(
          `    ${run.backend.padEnd(6)}: numTensors ${run.forwardTensors[0].before} before, after each forward/step ${counts.join(', ')}; ${run.tensorsAtStart} → ${run.tensorsAtEnd} around the whole run`,
        );
      }
      assert(problems.length === 0, `no tensor leaks:\n      ${problems.join('\n      ')}`);
    },
  },
];

/** What goes to e2e/artifacts/backends.json: everything but the long arrays. */
function summary(o: BackendOutcome): unknown {
  if (!o.available) return o;
  const { seq, logits, grads, finalWeights, gpuErrors, ...rest } = o;
  return {
    ...rest,
    gpuErrors: [...new Set(gpuErrors)],
    seqLength: seq.length,
    logitsLength: logits.length,
    gradWeights: Object.keys(grads).length,
    weights: Object.keys(finalWeights).length,
  };
}
