/**
 * `npm run bench`: the benchmark report. Everything is measured side by side in
 * one run, so the ratios mean something on a noisy machine:
 *  - tokenizer vs @huggingface/transformers' BertTokenizer on the same text (identical ids checked);
 *  - create_pretraining_data (whole-word masking, seq 128, dupe 5) MB/s and heap growth;
 *  - per backend (cpu, wasm in Node; webgpu, webgl, wasm, cpu in headless Chromium): the backend's own
 *    large-matmul GFLOP/s, teacher forward and student train-step throughput as a fraction of it (MFU);
 *  - the project's Trainer on the 3-layer student; tensors/bytes held after 10 vs 100 steps (leak check);
 *  - teacher-output pass (examples/s, bytes per example); IndexedDB write/read MB/s in Chromium;
 *  - peak memory of loading a checkpoint, as a ratio to its size;
 *  - (--only=largeteacher) a random teacher of the original's size (24 layers, hidden 1024, F16 and F32
 *    safetensors in a temporary folder): load seconds, peak memory / file bytes and teacher batches/s
 *    with the held teacher (core/distill/heldTeacher.ts) on Node tfjs-wasm, each in a fresh process; then the F16
 *    folder dropped on the built page (dist/: `npx vite build` first) in Chromium, a short teacher pass per backend
 *    of --large_browser (default wasm,webgpu; empty: none), bench/largeTeacherChromium.ts;
 *  - the ONNX export: onnxruntime-node float32 / int8 beside tfjs-wasm, the native matmul peak, int8 agreement.
 *  - the engine (--only=engine runs it alone): a Trainer step of the demo student and of the 3-layer 768 student
 *    at 8×128 with the seed loss, a teacher batch (demo, base 12-layer 768) with top-128, each with examples/s,
 *    model GFLOP/s, round trips per step / batch and a per-kernel profile, on the Node backends and (demo sizes)
 *    on Chromium's webgpu and wasm; the same student step in PyTorch (python3-torch) when `import torch` works.
 * Writes bench/results/latest.json, bench/results/latest.md and docs/bench.md.
 *
 * Flags: --render_only[=docs] (re-render latest.json's Markdown [also into docs/bench.md]), --quick (smaller cases, fewer reps), --full (768-hidden cases on the pure-JS cpu backends too),
 *        --only=tokenizer,examples,node,teacher,onnx,browser,load,engine,largeteacher (default: all but largeteacher),
 *        --engine_browser=webgpu,wasm (Chromium backends of the engine section; empty: none),
 *        --large_browser=wasm,webgpu (Chromium backends of the large teacher; empty: none),
=======
 *        --wasm_threads=1,N (thread counts of Node's wasm in the engine section; default 1 and every core),
 *        --node_backends=wasm,cpu  --browser_backends=webgpu,webgl,wasm,cpu.
 * Chromium: found as the e2e tests find it (e2e/chromium.ts: $CHROMIUM_PATH, /usr/bin/chromium, ...; never downloaded).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { CHROMIUM_ARGS, DEBIAN_CHROMIUM, findChromium, isExecutableFile } from '../e2e/chromium.ts';
import { NATIVE_MATMUL_VARIABLE, nativeMatMulCounts, uninstallNativeMatMul } from '../src/cli/nativeMatMul.ts';
import { configureWasmPaths, useCliWasm, useWasmBackend } from '../src/cli/nodeBackend.ts';
import { benchEngine, engineCases } from './engineBench.ts';
import type { EngineReport, TorchPeerResult } from './engineReport.ts';
import { THREAD_SAFE_MINIFY } from '../vite.config.ts';
import { benchExamples } from './examplesBench.ts';
import { benchOnnxDemo, benchOnnxForward, benchOnnxTeacherPass, nativeMatmulPeak } from './onnxBench.ts';
import type { LoadBenchResult } from './loadBench.ts';
import type { LargeTeacherResult } from './largeTeacherBench.ts';
import { benchLargeTeacherChromium } from './largeTeacherChromium.ts';
import { bertTrainStepFlops, chineseBertConfig } from './modelBench.ts';
import { runSuite, SLOW_GFLOPS } from './suite.ts';
import { benchMatmul } from './matmulBench.ts';
import { benchTokenizer } from './tokenizerBench.ts';
import { benchTeacherPass } from './trainBench.ts';
import type { BrowserBenchOptions, BrowserBenchResult } from './browser/main.ts';
import { big, f1, f2, reportMarkdown, type BenchReport } from './report.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECTIONS = [
  'tokenizer',
  'examples',
  'node',
  'teacher',
  'onnx',
  'browser',
  'load',
  'engine',
  'largeteacher',
] as const;
/** Sections a plain `npm run bench` runs; the large teacher (minutes, 2 GB of temporary files) only with --only. */
const DEFAULT_SECTIONS = SECTIONS.filter((s) => s !== 'largeteacher');
type Section = (typeof SECTIONS)[number];

function parseFlags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of argv) {
    const m = /^--([a-z_-]+)(?:=(.*))?$/.exec(a);
    if (!m)
      throw new Error(
        `bench: unknown argument "${a}" (flags: --quick --full --only=${SECTIONS.join(',')} --node_backends= --browser_backends=)`,
      );
    out[m[1].replace(/-/g, '_')] = m[2] ?? 'true';
  }
  return out;
}

const flags = parseFlags(process.argv.slice(2));
if (flags.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
  process.exit(0);
}
if (flags.render_only) {
  // Re-renders the Markdown of the last run (bench/results/latest.json) without measuring anything.
  const { reportMarkdown } = await import('./report.ts');
  const last = JSON.parse(readFileSync(join(ROOT, 'bench', 'results', 'latest.json'), 'utf8'));
  const md = reportMarkdown(last);
  writeFileSync(join(ROOT, 'bench', 'results', 'latest.md'), md);
  if (flags.render_only === 'docs') writeFileSync(join(ROOT, 'docs', 'bench.md'), md);
  console.log(md);
  process.exit(0);
}
const quick = flags.quick === 'true';
const full = flags.full === 'true';
const only = new Set((flags.only ?? DEFAULT_SECTIONS.join(',')).split(',').filter(Boolean));
for (const s of only)
  if (!SECTIONS.includes(s as Section)) throw new Error(`bench: --only=${s} is not one of ${SECTIONS.join(', ')}`);
const want = (s: Section) => only.has(s);
const nodeBackends = (flags.node_backends ?? 'wasm,cpu').split(',').filter(Boolean);
const browserBackends = (flags.browser_backends ?? 'webgpu,webgl,wasm,cpu').split(',').filter(Boolean);
const engineBrowser = (flags.engine_browser ?? 'webgpu,wasm').split(',').filter(Boolean);
const largeBrowser = (flags.large_browser ?? 'wasm,webgpu').split(',').filter(Boolean) as ('wasm' | 'webgpu')[];
for (const b of largeBrowser)
  if (b !== 'wasm' && b !== 'webgpu') throw new Error(`bench: --large_browser=${b}: the backends are wasm and webgpu`);
/** Thread counts of Node's wasm in the engine section (default: one, and every core). */
const wasmThreads = [...new Set((flags.wasm_threads ?? `1,${os.availableParallelism()}`).split(',').map(Number))];
for (const t of wasmThreads)
  if (!Number.isInteger(t) || t < 1)
    throw new Error(`bench: --wasm_threads must list whole numbers ≥ 1, got "${flags.wasm_threads}"`);

const t0 = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);

// ------------------------------------------------------------------ text
interface TextSource {
  what: string;
  vocabText: string;
  corpusText: string;
}
function loadText(): TextSource {
  const ref = join(ROOT, '..', 'shared', 'ref');
  const vocabPath = join(ref, 'vocab-bert-chinese', 'vocab.txt');
  const corpusDir = join(ref, 'corpus-zh');
  if (existsSync(vocabPath) && existsSync(corpusDir)) {
    const files = ['news_zh_1.txt', 'clue_sample_zh.txt', 'hongloumeng.txt'].filter((f) =>
      existsSync(join(corpusDir, f)),
    );
    let corpusText = files.map((f) => readFileSync(join(corpusDir, f), 'utf8')).join('\n\n');
    if (quick) corpusText = corpusText.slice(0, 400_000);
    return {
      what: `../shared/ref/corpus-zh (${files.join(', ')}) with the Chinese BERT vocab (21,128)`,
      vocabText: readFileSync(vocabPath, 'utf8'),
      corpusText,
    };
  }
  const demo = join(ROOT, 'public', 'demo');
  let corpusText = readFileSync(join(demo, 'corpus.txt'), 'utf8');
  if (quick) corpusText = corpusText.slice(0, 300_000);
  return {
    what: 'the demo corpus and vocab (public/demo; ../shared/ref is absent)',
    vocabText: readFileSync(join(demo, 'vocab.txt'), 'utf8'),
    corpusText,
  };
}

// ------------------------------------------------------------------ browser
async function runBrowser(opts: BrowserBenchOptions): Promise<BrowserBenchResult> {
  const executablePath = findChromium(process.env, isExecutableFile);
  if (!executablePath) throw new Error('no Chromium found; `npm run test:setup` installs one or prints how to');
  const { build } = await import('vite');
  const { chromium } = await import('playwright-core');
  const { serveStatic } = await import('../e2e/server.ts');
  // A production build served as static files (as the workbench is served), with the product's CSP:
  // no dev-server dependency re-optimisation reloading the page mid-run.
  const outDir = mkdtempSync(join(os.tmpdir(), 'wwm-bench-page-'));
  log('building the bench page (vite build) ...');
  await build({
    configFile: false,
    root: join(ROOT, 'bench', 'browser'),
    base: './',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 8000,
      reportCompressedSize: false,
      // The page is served cross-origin isolated, so wasm runs threaded: see vite.config.ts.
      rolldownOptions: { output: { minify: THREAD_SAFE_MINIFY } },
    },
    optimizeDeps: { exclude: ['jieba-wasm'] },
    clearScreen: false,
  });
  const server = await serveStatic(outDir);
  const url = server.url;
  const browser = await chromium.launch({
    executablePath,
    headless: false, // --headless=new is passed as an argument, as is
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'log' || m.type() === 'error') log(`browser: ${m.text()}`);
    });
    page.on('pageerror', (e) => log(`browser page error: ${e.message}`));
    await page.goto(url, { timeout: 180_000 });
    await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true, undefined, {
      timeout: 180_000,
    });
    return await page.evaluate(
      (o) =>
        (
          window as unknown as { runBrowserBench: (o: BrowserBenchOptions) => Promise<BrowserBenchResult> }
        ).runBrowserBench(o),
      opts,
    );
  } finally {
    await browser.close();
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ load (child process)
/** Runs a bench script in a fresh Node (--expose-gc) and parses the JSON of its last stdout line. */
function runJsonChild<T>(script: string, args: string[], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', script), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(last) as T);
      } catch (e) {
        reject(
          new Error(
            `${what} child failed (${(e as Error).message}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
      }
    });
  });
}

function runLoadChild(): Promise<LoadBenchResult> {
  return runJsonChild<LoadBenchResult>('loadChild.ts', [], 'load bench');
}

// ------------------------------------------------------------------ large teacher (child process)
function runLargeTeacherChild(dtype: 'F16' | 'F32', batches: number, batch: number): Promise<LargeTeacherResult> {
  return runJsonChild<LargeTeacherResult>(
    'largeTeacherBench.ts',
    [dtype, String(batches), String(batch)],
    'large teacher',
  );
}

// ------------------------------------------------------------------ PyTorch peer (child process)
/** The engine's student step in PyTorch (bench/torch_student_step.py), when python3 can import torch. */
function runTorchPeer(c: {
  name: string;
  cfg: ReturnType<typeof chineseBertConfig>;
  batch: number;
  seq: number;
}): TorchPeerResult {
  // Debian's python3-torch is under /usr/bin/python3, which a pyenv or venv python3 on the PATH may hide.
  const python = ['python3', '/usr/bin/python3'].find((py) => {
    const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    return !probe.error && probe.status === 0;
  });
  if (!python) return { case: c.name, skipped: 'no torch' };
  const P = 20;
  const args = {
    layers: c.cfg.num_hidden_layers,
    hidden: c.cfg.hidden_size,
    heads: c.cfg.num_attention_heads,
    intermediate: c.cfg.intermediate_size,
    vocab: c.cfg.vocab_size,
    batch: c.batch,
    seq: c.seq,
    positions: P,
    k: 128,
    steps: 3,
  };
  const r = spawnSync(python, [join(ROOT, 'bench', 'torch_student_step.py'), JSON.stringify(args)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0)
    throw new Error(
      `torch peer failed (exit ${r.status ?? r.signal}): ${(r.stderr || String(r.error ?? '')).trim().split('\n').slice(-3).join(' | ')}`,
    );
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  const gflop = bertTrainStepFlops(c.cfg, c.batch, c.seq, P) / 1e9;
  return { case: c.name, batch: c.batch, seq: c.seq, ...out, modelGflops: gflop / (out.msPerStep / 1000) };
}

async function main(): Promise<void> {
  const errors: string[] = [];
  const attempt = async <T>(what: string, f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (e) {
      const msg = `${what}: ${e instanceof Error ? e.message : String(e)}`;
      errors.push(msg);
      log(`ERROR ${msg}`);
      return null;
    }
  };
  const text = loadText();
  log(`text: ${text.what}, ${(text.corpusText.length / 1e3).toFixed(0)}k UTF-16 units`);
  configureWasmPaths();

  let chromiumVersion: string | null = null;
  try {
    chromiumVersion = execFileSync(findChromium(process.env, isExecutableFile) ?? DEBIAN_CHROMIUM, ['--version'], {
      encoding: 'utf8',
      timeout: 20_000,
    }).trim();
  } catch {
    chromiumVersion = null;
  }
  const report: BenchReport = {
    date: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    machine: {
      cpus: os.cpus()[0]?.model ?? 'cpu',
      cores: os.cpus().length,
      memoryGB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      chromium: chromiumVersion,
      adapter: null,
    },
    text: text.what,
    tokenizer: null,
    examples: null,
    node: [],
    teacherPass: null,
    browser: null,
    engine: null,
    load: null,
    onnx: null,
    errors,
    seconds: 0,
  };

  if (want('tokenizer')) {
    log('tokenizer vs @huggingface/transformers ...');
    report.tokenizer = await attempt('tokenizer', () =>
      benchTokenizer({ vocabText: text.vocabText, corpusText: text.corpusText }),
    );
    if (report.tokenizer)
      log(
        `tokenizer: ours ${big(report.tokenizer.ourCharsPerSec)} chars/s, HF ${big(report.tokenizer.hfCharsPerSec)} chars/s, ratio ${f2(report.tokenizer.ratio)}, identical ${report.tokenizer.identical}`,
      );
  }
  if (want('examples')) {
    log('create_pretraining_data ...');
    report.examples = await attempt('examples', () =>
      benchExamples({ vocabText: text.vocabText, corpusText: text.corpusText, repetitions: quick ? 2 : undefined }),
    );
    if (report.examples)
      log(
        `examples: ${f2(report.examples.mbPerSec)} MB/s, ${big(report.examples.examplesPerSec)} examples/s, heap growth ${f1(report.examples.heapGrowthMB)} MB`,
      );
  }
  if (want('node')) {
    for (const backend of nodeBackends) {
      log(`--- Node ${backend}`);
      const s = await runSuite({
        backend,
        quick,
        full,
        leakCheck: backend === 'wasm' || (nodeBackends.length === 1 && backend === 'cpu'),
        log,
      });
      report.node.push(s);
      errors.push(...s.errors.map((e) => `Node ${e}`));
    }
  }
  if (want('teacher')) {
    const backend = nodeBackends.includes('wasm') ? 'wasm' : nodeBackends[0];
    const name = quick ? 'student-3L-768' : 'teacher-base-12L-768';
    log(`teacher-output pass on Node ${backend} (${name}) ...`);
    const r = await attempt('teacher pass', () =>
      benchTeacherPass({ backend, cfg: chineseBertConfig(quick ? 3 : 12), batch: 1, seq: 128, batches: 2, log }),
    );
    if (r) report.teacherPass = { ...r, case: name, batch: 1, batches: 2 };
  }
  if (want('onnx')) {
    log(
      'ONNX export: native matmul peak, onnxruntime-node float32 / int8 beside tfjs-wasm, demo teacher int8 agreement ...',
    );
    report.onnx = await attempt('onnx', async () => {
      const n = quick ? 1024 : 2048;
      const before = await nativeMatmulPeak(n, quick ? 1 : 3);
      log(`onnx: native matmul ${n}³: ${f1(before)} GFLOP/s`);
      const forward = await benchOnnxForward({
        cfg: chineseBertConfig(3),
        name: 'student-3L-768',
        batch: quick ? 2 : 8,
        seq: 128,
        nativeGflops: before,
        minSeconds: quick ? 1 : 4,
        log,
      });
      const teacherName = quick ? 'student-3L-768' : 'teacher-base-12L-768';
      const teacherPass = await attempt('onnx teacher pass', () =>
        benchOnnxTeacherPass({
          cfg: chineseBertConfig(quick ? 3 : 12),
          name: teacherName,
          batch: quick ? 2 : 4,
          batches: 2,
          seq: 128,
          nativeGflops: before,
        }),
      );
      if (teacherPass) log(`onnx: teacher pass ${teacherName}: ${f2(teacherPass.examplesPerSec)} examples/s`);
      const after = await nativeMatmulPeak(n, quick ? 1 : 3);
      const gflops = Math.max(before, after);
      log(`onnx: native matmul ${n}³ again: ${f1(after)} GFLOP/s`);
      for (const row of forward.rows) row.ofNativePeak = row.gflops / gflops;
      if (teacherPass) teacherPass.ofNativePeak = teacherPass.gflops / gflops;
      const demo = await benchOnnxDemo(ROOT, quick ? 100 : 1000);
      log(`onnx: int8 agreement ${f2(demo.int8Agreement)} on ${demo.positions} positions`);
      return { nativeMatmul: { n, gflops, threads: `all ${os.cpus().length} cores` }, forward, teacherPass, demo };
    });
  }

  let engine: EngineReport | null = null;
  if (want('engine')) {
    engine = { node: [], browser: [], torch: [] };
    report.engine = engine;
    for (const backend of nodeBackends) {
      // Node's wasm on each thread count asked for (the CLI's default is every core), side by side.
      for (const threads of backend === 'wasm' ? wasmThreads : [1]) {
        if (backend === 'wasm') {
          const why = await useWasmBackend({ threads, note: log });
          if (why) {
            errors.push(`Node engine wasm ×${threads}: ${why}`);
            continue;
          }
        }
        const running = backend === 'wasm' ? getThreadsCount() : 1;
        log(`--- engine: Node ${backend} on ${running} thread(s)`);
        const slow = (await benchMatmul(backend, 256, 0.5)).gflops < SLOW_GFLOPS;
        const r = await attempt(`engine ${backend}`, () =>
          benchEngine({ backend, threads: running, ...engineCases({ full: !slow || full, slow: slow && !full }), log }),
        );
        if (r) {
          engine.node.push(r);
          errors.push(...r.errors.map((e) => `Node engine ${e}`));
        }
      }
    }
    // The CLI's default (useCliWasm): tfjs-wasm on one thread, its matmuls on onnxruntime's native kernels.
    if (nodeBackends.includes('wasm')) {
      const why = await useCliWasm(log);
      const native = nativeMatMulCounts();
      if (why || !native) {
        errors.push(
          `Node engine wasm + native matmul: ${why ?? `the native matmul is off (${NATIVE_MATMUL_VARIABLE})`}`,
        );
      } else {
        const matmul = `onnxruntime ×${native.threads}`;
        log(`--- engine: Node wasm, matmul on ${matmul}`);
        const r = await attempt('engine wasm + native matmul', () =>
          benchEngine({ backend: 'wasm', threads: 1, matmul, ...engineCases({ full: true, slow: false }), log }),
        );
        if (r) {
          engine.node.push(r);
          errors.push(...r.errors.map((e) => `Node engine (native matmul) ${e}`));
        }
      }
      uninstallNativeMatMul();
      // the sections after this one run wasm as before, on one thread
      await useWasmBackend({ threads: 1, note: log });
    }
    const peer = engineCases({ full: true, slow: false }).students;
    for (const c of quick ? peer.slice(0, 1) : peer) {
      log(`engine: PyTorch peer ${c.name} ...`);
      const t = await attempt(`torch peer ${c.name}`, async () => runTorchPeer(c));
      if (t) {
        engine.torch.push(t);
        log('skipped' in t ? `torch peer: skipped: ${t.skipped}` : `torch peer: ${f1(t.msPerStep)} ms/step`);
      }
    }
    if (engineBrowser.length && !want('browser')) {
      log(`--- engine: Chromium ${engineBrowser.join(', ')}`);
      const b = await attempt('engine browser', () =>
        runBrowser({ backends: [], engine: engineBrowser, quick, full, idb: false }),
      );
      if (b) {
        engine.browser.push(...b.engine);
        report.machine.adapter = b.adapter;
        errors.push(...b.errors.map((e) => `Chromium ${e}`));
      }
    }
  }
  if (want('browser')) {
    log(`--- Chromium: ${browserBackends.join(', ')} + IndexedDB`);
    report.browser = await attempt('browser', () =>
      runBrowser({
        backends: browserBackends,
        quick,
        full,
        idb: true,
        leakCheck: ['webgpu'],
        engine: want('engine') ? engineBrowser : [],
      }),
    );
    if (report.browser && engine) engine.browser.push(...report.browser.engine);
    if (report.browser) {
      report.machine.adapter = report.browser.adapter;
      errors.push(...report.browser.errors.map((e) => `Chromium ${e}`));
    }
  }
  if (want('load')) {
    log('checkpoint load memory (child process) ...');
    report.load = await attempt('load', () => runLoadChild());
    if (report.load)
      log(
        `load: ${f1(report.load.fileMB)} MB file, peak extra RSS ${f1(report.load.peakRssMB)} MB, ratio ${f2(report.load.ratio)}`,
      );
  }
  if (want('largeteacher')) {
    report.largeTeacher = [];
    for (const [dtype, batches] of [
      ['F16', quick ? 1 : 2],
      ['F32', 1],
    ] as const) {
      log(`large teacher (24 layers, hidden 1024, ${dtype}) on Node wasm: load and ${batches} batch(es) of 4 ...`);
      const r = await attempt(`large teacher ${dtype}`, () => runLargeTeacherChild(dtype, batches, 4));
      if (r) {
        report.largeTeacher.push(r);
        log(
          `large teacher ${dtype}: ${f1(r.fileMB)} MB, load ${f1(r.loadSeconds)} s at ${f2(r.loadPeakRatio)}× the file, ${f2(r.examplesPerSec)} examples/s, batch-time peak ${f2(r.batchPeakRatio)}×, peak ${f2(r.runPeakRatio)}× over the run, wasm heap ${f1(r.backendHeapMB)} MB`,
        );
      }
    }
    if (largeBrowser.length) {
      log(`large teacher (F16) dropped on the built page in Chromium: ${largeBrowser.join(', ')} ...`);
      const rows = await attempt('large teacher in Chromium', () =>
        benchLargeTeacherChromium(largeBrowser, (line) => log(line)),
      );
      if (rows) {
        report.largeTeacherBrowser = rows;
        for (const b of rows)
          log(
            `large teacher in Chromium ${b.workerBackend}: load ${f1(b.loadSeconds)} s, ${b.run}: ${f1(b.passSeconds)} s, Chromium peak ${f2(b.runPeakRatio)}× the file`,
          );
      }
    }
  }
  report.seconds = (performance.now() - t0) / 1000;

  const md = reportMarkdown(report);
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(report, null, 1) + '\n');
  writeFileSync(join(resultsDir, 'latest.md'), md);
  // The copy the README links to, only from a complete run.
  if (only.size === SECTIONS.length) {
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    writeFileSync(join(ROOT, 'docs', 'bench.md'), md);
  }
  console.log('\n' + md);
  log(
    `wrote ${relative(process.cwd(), join(resultsDir, 'latest.json'))}, latest.md${only.size === SECTIONS.length ? ' and docs/bench.md' : ''}`,
  );
  void tf;
}

await main();
process.exit(0);
