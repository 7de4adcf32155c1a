/**
 * The exported student runs in transformers.js in the browser, on the page's own origin:
 * builds the check page in e2e/pages/transformersjs/ (its own `vite build` into the run's
 * temporary folder, bundling @huggingface/transformers), copies onnxruntime-web's wasm and
 * its loader next to it (./ort/) and the demo teacher's ONNX export (exportCheckpoint
 * 'onnx', made here in Node) into ./models/demo/, serves it all with the app's strict CSP
 * and runs transformers.js's fill-mask pipeline on model.onnx (fp32) and
 * model_quantized.onnx (q8). Checks: fp32 gives the project's top-5 (predictMasked on the
 * cpu backend) with probabilities within 1e-4, q8 its top-1, and no request leaves the origin.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBackend } from '../src/core/backend/useBackend.ts';
import { exportCheckpoint } from '../src/core/checkpoint/exportCheckpoint.ts';
import { disposeCheckpoint, loadCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { predictMasked } from '../src/core/model/predictMasked.ts';
import { BertTokenizer } from '../src/core/tokenizer/bertTokenizer.ts';
import { assert, type E2ETest } from './harness.ts';
import type { FillMaskRow } from './pages/transformersjs/page.ts';
import { serveStatic } from './server.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PAGE_ROOT = join(ROOT, 'e2e', 'pages', 'transformersjs');
const ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];
const SENTENCE = '子曰学而时习之不亦说乎';
const MASKED = 5;

async function buildPage(work: string): Promise<string> {
  const { build } = await import('vite');
  const outDir = join(work, 'transformersjs-page');
  await build({
    configFile: false,
    root: PAGE_ROOT,
    base: './',
    logLevel: 'error',
    clearScreen: false,
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8000, reportCompressedSize: false },
  });
  await mkdir(join(outDir, 'ort'), { recursive: true });
  for (const f of ORT_FILES)
    await copyFile(join(ROOT, 'node_modules', 'onnxruntime-web', 'dist', f), join(outDir, 'ort', f));
  return outDir;
}

/** The demo teacher's ONNX folder under outDir/models/demo, and the project's own top-5 at the masked character. */
async function exportDemo(outDir: string): Promise<{ token: string; prob: number }[]> {
  const dir = join(ROOT, 'public', 'demo', 'teacher');
  const files = new Map<string, Blob>();
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt'])
    files.set(`teacher/${f}`, new Blob([await readFile(join(dir, f))]));
  await useBackend('cpu');
  const ckpt = await loadCheckpoint(files);
  try {
    for (const f of await exportCheckpoint('onnx', ckpt.weights, ckpt.config, ckpt.vocab)) {
      const p = join(outDir, 'models', 'demo', f.name);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, f.data);
    }
    const tokenizer = new BertTokenizer(ckpt.vocab!);
    return (await predictMasked(ckpt.weights, ckpt.config, tokenizer, SENTENCE, [MASKED], 5))[0].top;
  } finally {
    disposeCheckpoint(ckpt);
  }
}

export const transformersJsTests: E2ETest[] = [
  {
    name: "transformers.js: the exported student's fill-mask in Chromium matches the project (same origin, strict CSP)",
    async run(ctx) {
      const work = (ctx.shared.work as string | undefined) ?? ctx.artifacts;
      const t0 = Date.now();
      const outDir = await buildPage(work);
      const ours = await exportDemo(outDir);
      console.log(`    built the page and exported the demo teacher in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const server = await serveStatic(outDir);
      const page = await ctx.context.newPage();
      const foreign: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(server.url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:'))
          foreign.push(r.url());
      });
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text().split('\n')[0]);
        else if (m.text().startsWith('[transformersjs]')) console.log(`    page: ${m.text().slice(17)}`);
      });
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      try {
        await page.goto(server.url);
        await page.waitForFunction(
          () => (window as unknown as { transformersReady?: boolean }).transformersReady,
          undefined,
          {
            timeout: 60_000,
          },
        );
        const chars = [...SENTENCE];
        chars[MASKED] = '[MASK]';
        const text = chars.join('');
        const run = (dtype: 'fp32' | 'q8') =>
          page.evaluate(
            ([t, d]) =>
              (
                window as unknown as { runFillMask(m: string, t: string, d: string): Promise<FillMaskRow[]> }
              ).runFillMask('demo', t, d),
            [text, dtype] as const,
          );
        const fp32 = await run('fp32');
        const q8 = await run('q8');
        assert(
          fp32.map((r) => r.token_str).join() === ours.map((r) => r.token).join(),
          `fp32 top-5 ${fp32.map((r) => r.token_str)} = the project's ${ours.map((r) => r.token)}`,
        );
        for (let i = 0; i < 5; i++)
          assert(
            Math.abs(fp32[i].score - ours[i].prob) < 1e-4,
            `fp32 probability ${i}: ${fp32[i].score} vs the project's ${ours[i].prob}`,
          );
        assert(q8.length === 5 && q8[0].token_str === ours[0].token, `q8 top-1 ${q8[0]?.token_str} = ${ours[0].token}`);
        assert(foreign.length === 0, `every request stays on the page's origin: ${foreign.join(', ')}`);
        assert(errors.length === 0, `no console errors: ${errors.join(' | ')}`);
      } finally {
        await page.close().catch(() => {});
        await server.close();
      }
    },
  },
];
