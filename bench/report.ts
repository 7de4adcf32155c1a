/**
 * The benchmark report's shape (bench/results/latest.json) and its Markdown
 * rendering (bench/results/latest.md, docs/bench.md). No node: imports.
 */
import type { BrowserBenchResult } from './browser/main.ts';
import { type EngineReport, engineMarkdown } from './engineReport.ts';
import type { ExamplesBenchResult } from './examplesBench.ts';
import type { LoadBenchResult } from './loadBench.ts';
import type { LargeTeacherResult } from './largeTeacherBench.ts';
import type { LargeTeacherBrowserRow } from './largeTeacherChromium.ts';
import type { SuiteResult } from './suite.ts';
import type { TokenizerBenchResult } from './tokenizerBench.ts';
import type { TeacherPassBenchResult } from './trainBench.ts';

import type { OnnxBenchResult } from './onnxBench.ts';
export interface BenchReport {
  date: string;
  command: string;
  machine: {
    cpus: string;
    cores: number;
    memoryGB: number;
    node: string;
    chromium: string | null;
    adapter: string | null;
  };
  text: string;
  tokenizer: TokenizerBenchResult | null;
  examples: ExamplesBenchResult | null;
  node: SuiteResult[];
  teacherPass: (TeacherPassBenchResult & { case: string; batch: number; batches: number }) | null;
  browser: BrowserBenchResult | null;
  /** the engine's student step and teacher batch with round trips and profiles (absent in older reports) */
  engine?: EngineReport | null;
  load: LoadBenchResult | null;
  /** the original's teacher size, held (bench/largeTeacherBench.ts; only with --only=largeteacher) */
  largeTeacher?: LargeTeacherResult[];
  /** the same float16 teacher dropped on the built page, per Chromium backend (bench/largeTeacherChromium.ts) */
  largeTeacherBrowser?: LargeTeacherBrowserRow[];
  /** the ONNX export in onnxruntime-node beside tfjs-wasm, and the native matmul peak (absent in older reports) */
  onnx?: OnnxBenchResult | null;
  errors: string[];
  seconds: number;
}

export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
export const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
export const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
export const big = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '–');

/** The best large-matmul GFLOP/s seen on a backend in the run (NaN when none was measured). */
export function bestMatmulGflops(s: SuiteResult): number {
  const all = [s.matmul?.gflops, s.forward?.matmul.gflops, s.trainStep?.matmul.gflops].filter(
    (x): x is number => typeof x === 'number' && Number.isFinite(x),
  );
  return all.length ? Math.max(...all) : NaN;
}

export function reportMarkdown(r: BenchReport): string {
  const L: string[] = [];
  L.push(`# Benchmark report`, '');
  L.push(`Made by \`${r.command}\` on ${r.date.slice(0, 16).replace('T', ' ')} UTC in ${Math.round(r.seconds)} s.`);
  L.push(
    `Machine: ${r.machine.cpus} × ${r.machine.cores} cores, ${r.machine.memoryGB} GB, Node ${r.machine.node}` +
      (r.machine.chromium ? `, ${r.machine.chromium}` : '') +
      (r.machine.adapter ? `, WebGPU adapter: ${r.machine.adapter}` : '') +
      '.',
  );
  L.push(`Text: ${r.text}. Model weights are random (speed does not depend on them).`, '');
  L.push('Every figure below was measured in this one run; compare ratios, not absolute numbers, across machines.', '');

  if (r.tokenizer) {
    const t = r.tokenizer;
    L.push('## Tokenizer (one core)', '');
    L.push(
      '| ours (chars/s) | @huggingface/transformers BertTokenizer (chars/s) | ratio | identical ids | characters |',
      '|---:|---:|---:|:---:|---:|',
    );
    L.push(
      `| ${big(t.ourCharsPerSec)} | ${big(t.hfCharsPerSec)} | **${f2(t.ratio)}×** | ${t.identical ? 'yes' : '**NO**'} | ${big(t.chars)} |`,
      '',
    );
  }
  if (r.examples) {
    const e = r.examples;
    L.push('## create_pretraining_data (seed mode, whole-word masking, seq 128, dupe_factor 5, one core)', '');
    L.push(
      '| MB/s (wall) | MB per CPU-second | examples/s | input MB | heap growth over the run (MB) |',
      '|---:|---:|---:|---:|---:|',
    );
    L.push(
      `| ${f2(e.mbPerSec)} | ${f2(e.mbPerCpuSec)} | ${big(e.examplesPerSec)} | ${f1(e.inputMB)} | ${f1(e.heapGrowthMB)} |`,
      '',
    );
  }

  const suites: { where: string; s: SuiteResult }[] = [
    ...r.node.map((s) => ({ where: 'Node', s })),
    ...(r.browser?.suites ?? []).map((s) => ({ where: 'Chromium', s })),
  ];
  if (suites.length) {
    L.push(
      '## Large-matmul throughput per backend (bench/matmulBench.ts: float32 n×n·n×n, warm-up, result read back)',
      '',
    );
    L.push('| where | backend | n | reps | GFLOP/s |', '|---|---|---:|---:|---:|');
    for (const { where, s } of suites)
      if (s.matmul) L.push(`| ${where} | ${s.backend} | ${s.matmul.n} | ${s.matmul.reps} | ${f2(s.matmul.gflops)} |`);
    L.push('');
    L.push('## Model throughput per backend', '');
    L.push(
      "MFU = model FLOP/s ÷ the same backend's large-matmul FLOP/s, the best of the several matmul measurements taken on that backend in this run " +
        '(before, between and after its model runs), so that a matmul timed while the machine was busy does not inflate it.',
      '',
    );
    L.push(
      '| where | backend | matmul GFLOP/s | case | mode | batch×seq | ms/step | tokens/s | model GFLOP/s | MFU |',
      '|---|---|---:|---|---|---:|---:|---:|---:|---:|',
    );
    for (const { where, s } of suites) {
      const best = bestMatmulGflops(s);
      for (const m of [s.forward, s.trainStep]) {
        if (!m) continue;
        for (const row of m.rows) {
          L.push(
            `| ${where} | ${s.backend} | ${f2(best)} | ${row.name} | ${row.mode} | ${row.batch}×${row.seq} | ${f1(row.msPerStep)} | ${big(row.tokensPerSecond)} | ${f2(row.modelGflops)} | **${pct(row.modelGflops / best)}** |`,
          );
        }
      }
    }
    L.push('');
    const trainers = suites.filter(({ s }) => s.trainer);
    if (trainers.length) {
      L.push(
        "### The project's Trainer (seed loss: CE + cosine on top-128, AdamW, clipping) on the 3-layer 768-hidden student",
        '',
      );
      L.push(
        '| where | backend | batch×seq | ms/step | examples/s | tokens/s | MFU |',
        '|---|---|---:|---:|---:|---:|---:|',
      );
      for (const { where, s } of trainers) {
        const t = s.trainer!;
        L.push(
          `| ${where} | ${s.backend} | ${t.batch}×${t.seq} | ${f1(t.msPerStep)} | ${f2(t.examplesPerSec)} | ${big(t.tokensPerSec)} | ${pct(t.modelGflops / Math.max(t.matmulGflops, bestMatmulGflops(s)))} |`,
        );
      }
      L.push('');
    }
    const fineTunes = suites.filter(({ s }) => s.fineTune);
    if (fineTunes.length) {
      L.push(
        "### Fine-tuning (run_classifier's pooler + linear head, softmax cross-entropy, AdamW) through the run layer",
        '',
        '| where | backend | case | batch×seq | ms/step | examples/s |',
        '|---|---|---|---:|---:|---:|',
      );
      for (const { where, s } of fineTunes) {
        const f = s.fineTune!;
        L.push(
          `| ${where} | ${s.backend} | ${f.case} | ${f.batch}×${f.seq} | ${f1(f.msPerStep)} | ${f2(f.examplesPerSec)} |`,
        );
      }
      L.push('');
    }
    const leaks = suites.filter(({ s }) => s.leak);
    if (leaks.length) {
      L.push('### Leak check: tensors and bytes held by tfjs during training', '');
      L.push(
        '| where | backend | case | tensors after 10 steps | after 100 | bytes after 10 | after 100 | verdict |',
        '|---|---|---|---:|---:|---:|---:|---|',
      );
      for (const { where, s } of leaks) {
        const k = s.leak!;
        const flat = k.tensorsAfter10 === k.tensorsAfter100 && k.bytesAfter10 === k.bytesAfter100;
        L.push(
          `| ${where} | ${s.backend} | ${k.case} b${k.batch}×${k.seq} | ${k.tensorsAfter10} | ${k.tensorsAfter100} | ${big(k.bytesAfter10)} | ${big(k.bytesAfter100)} | ${flat ? 'flat (no leak)' : '**grows**'} |`,
        );
      }
      L.push('');
    }
    const skipped = suites.flatMap(({ where, s }) => s.skipped.map((x) => `${where} ${s.backend}: ${x}`));
    if (skipped.length) L.push('Not measured in this run: ' + skipped.join('; ') + '.', '');
  }
  if (r.teacherPass) {
    const t = r.teacherPass;
    L.push('## Teacher-output pass (top-128 at 20 slots per example, to an in-memory cache)', '');
    L.push(
      '| backend | teacher | examples/s | bytes per example | cache write MB/s | cache read MB/s |',
      '|---|---|---:|---:|---:|---:|',
    );
    L.push(
      `| ${t.backend} (Node) | ${t.case} b${t.batch} | ${f2(t.examplesPerSec)} | ${big(t.bytesPerExample)} | ${f1(t.cacheWriteMBps)} | ${f1(t.cacheReadMBps)} |`,
      '',
    );
  }
  if (r.engine) L.push(...engineMarkdown(r.engine, r.onnx?.nativeMatmul.gflops));
  if (r.browser?.idb) {
    const i = r.browser.idb;
    L.push('## IndexedDB (Chromium, idb-keyval, teacher-cache-shaped binary records)', '');
    L.push(
      '| record size | records | total MB | write MB/s | read MB/s | read back intact |',
      '|---:|---:|---:|---:|---:|:---:|',
    );
    L.push(
      `| ${f2(i.recordBytes / 1e6)} MB | ${i.records} | ${f1(i.totalMB)} | **${f1(i.writeMBps)}** | **${f1(i.readMBps)}** | ${i.verified ? 'yes' : '**NO**'} |`,
      '',
    );
  }
  if (r.load) {
    const l = r.load;
    L.push('## Checkpoint load memory (random 12-layer base safetensors, cpu backend, fresh process)', '');
    L.push('| file MB | peak extra RSS MB | ratio (target ≤ 1.2) | seconds |', '|---:|---:|---:|---:|');
    L.push(`| ${f1(l.fileMB)} | ${f1(l.peakRssMB)} | **${f2(l.ratio)}** | ${f1(l.seconds)} |`, '');
  }
  if (r.largeTeacher?.length) {
    L.push(
      "## The original's teacher size (random 24 layers, hidden 1024, vocab 21128; Node tfjs-wasm, fresh process each)",
      '',
      'Held by `core/distill/heldTeacher.ts`: ranged reads one tensor at a time; float16 layers kept as float16 and widened half a layer at a time per batch (attention, then feed-forward) ' +
        'straight into the wasm heap, in sub-batches of at most 128 tokens. ' +
        "Peak ratio = (peak RSS − RSS before the load) / file bytes, peak RSS from Linux's VmHWM (reset before the load and before the batches) and 5 ms samples. " +
        'Batches: 4 examples × 128 tokens, 20 masked slots, top 128, after one warm-up batch. The wasm heap never shrinks: its size after the run is its peak.',
      '',
      '| file | MB | weights kept | load s | load peak / file | ArrayBuffers peak / file | s / batch | examples/s | batch-time peak / file | peak / file over the run | wasm heap MB |',
      '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const t of r.largeTeacher)
      L.push(
        `| ${t.dtype} safetensors | ${f1(t.fileMB)} | ${t.weights} | ${f1(t.loadSeconds)} | **${f2(t.loadPeakRatio)}** | ${f2(t.loadArrayBuffersRatio)} | ${f1(t.secondsPerBatch)} | **${f2(t.examplesPerSec)}** | **${f2(t.batchPeakRatio ?? Number.NaN)}** | ${f2(t.runPeakRatio)} | ${f1(t.backendHeapMB ?? Number.NaN)} |`,
      );
    L.push('');
  }
  if (r.largeTeacherBrowser?.length) {
    L.push(
      "## The original's teacher size in Chromium (the same random float16 folder dropped on the built page)",
      '',
      "bench/largeTeacherChromium.ts: the folder dropped on the Models input of the built page (dist/, served as the e2e tests serve it), each backend on its own origin with the header's override; " +
        "load = the teacher pass's start until it counts examples (the teacher worker has read the checkpoint and built the held teacher); " +
        'worker tensors = the largest teacher-worker tensor memory the page showed (tf.memory(), refreshed every 5 s; the float16 layers held in JavaScript are not tensors); ' +
        "Chromium peak = the summed PSS of the browser's processes (sampled every 200 ms) over its value just before the pass, / file bytes. " +
        'SwiftShader (software WebGPU, ~0.3 GFLOP/s) runs one small batch.',
      '',
      '| backend | what was run | MB | store s | load s | pass s | examples/s | worker tensors MB (/ file) | Chromium load peak / file | Chromium peak / file over the pass | weights kept |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const b of r.largeTeacherBrowser)
      L.push(
        `| ${b.workerBackend} | ${b.run} | ${f1(b.fileMB)} | ${f1(b.storeSeconds)} | **${f1(b.loadSeconds)}** | ${f1(b.passSeconds)} | **${b.examplesPerSec < 0.1 ? b.examplesPerSec.toFixed(3) : f2(b.examplesPerSec)}** | ${f1(b.workerTensorPeakMB)} (${f2(b.workerTensorPeakRatio)}) | **${f2(b.loadPeakRatio)}** | ${f2(b.runPeakRatio)} | ${b.weights} |`,
      );
    L.push('');
  }
  if (r.onnx) {
    const o = r.onnx;
    L.push('## ONNX export in onnxruntime-node (bench/onnxBench.ts)', '');
    L.push(
      `Native float32 matmul peak: one ${o.nativeMatmul.n}³ MatMul node in onnxruntime-node on ${o.nativeMatmul.threads}, the better of a run before and one after the models: **${f1(o.nativeMatmul.gflops)} GFLOP/s**. ` +
        'int8 (MatMulInteger) can pass the float32 peak.',
      '',
    );
    const f = o.forward;
    L.push(
      `Encoder forward (last_hidden_state), ${f.case}, batch ${f.batch}×${f.seq}, the same weights and batch on each engine:`,
      '',
      '| engine | ms/batch | examples/s | model GFLOP/s | % of native peak | vs tfjs-wasm |',
      '|---|---:|---:|---:|---:|---:|',
    );
    const wasm = f.rows.find((x) => x.engine.startsWith('tfjs-wasm'));
    for (const x of f.rows)
      L.push(
        `| ${x.engine} | ${f1(x.msPerBatch)} | ${f2(x.examplesPerSec)} | ${f2(x.gflops)} | ${pct(x.ofNativePeak)} | ${wasm ? `${f2(x.examplesPerSec / wasm.examplesPerSec)}×` : '–'} |`,
      );
    if (o.teacherPass) {
      const t = o.teacherPass;
      L.push(
        '',
        `Teacher pass on onnxruntime-node (\`create_teacher_output_data --engine=onnxruntime\`, the CLI's default): ${t.case}, ` +
          `batch ${t.batch}×${t.seq}, top-128 at 20 masked positions: **${f2(t.examplesPerSec)} examples/s**, ${f2(t.gflops)} model GFLOP/s, ` +
          `**${pct(t.ofNativePeak)} of the native peak**` +
          (r.teacherPass
            ? ` (tfjs ${r.teacherPass.backend} above: ${f2(r.teacherPass.examplesPerSec)} examples/s on ${r.teacherPass.case}).`
            : '.'),
      );
    }
    const d = o.demo;
    L.push(
      '',
      `The demo teacher exported: model.onnx ${f2(d.modelBytes / 1e6)} MB, model_quantized.onnx ${f2(d.quantizedBytes / 1e6)} MB ` +
        `(${f2(d.modelBytes / d.quantizedBytes)}× smaller). On ${d.positions} masked positions of its ${d.examples} held-out examples: ` +
        `int8 top-1 = float32 top-1 at **${pct(d.int8Agreement)}**; onnxruntime float32 top-1 = the project's tfjs top-1 at ${pct(d.float32Agreement)}; ` +
        `held-out top-1 accuracy ${pct(d.float32Accuracy)} (float32) and ${pct(d.int8Accuracy)} (int8).`,
      '',
    );
  }
  if (r.errors.length) {
    L.push('## Errors', '');
    for (const e of r.errors) L.push(`- ${e}`);
    L.push('');
  }
  return L.join('\n');
}
