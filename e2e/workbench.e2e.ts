/**
 * The workbench's end-to-end flow on the built page, on the webgpu backend in
 * workers: load, a bad file, a corpus, a teacher, examples, the teacher pass,
 * training with a reload in the middle, charts, predictions, and a student
 * download whose files load back in Node with the same predictions.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/core/backend/useBackend.ts';
import { loadCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { BertTokenizer } from '../src/core/tokenizer/bertTokenizer.ts';
import { readRecords } from '../src/core/tfrecord/recordReader.ts';
import { recordToMaskedExample } from '../src/core/tfrecord/pretrainingRecord.ts';
import { recordToTeacherOutput } from '../src/core/tfrecord/teacherOutputRecord.ts';
import type { Page } from 'playwright-core';
import { predictMasked } from '../src/core/model/predictMasked.ts';
import { assert, type E2ETest, type TestContext } from './harness.ts';
import { CSP } from './server.ts';

const SENTENCE = '子曰：学而时习之，不亦说乎？';
const MASKED = [3, 4];

const sel = {
  corpusRow: (name: string, status: string) =>
    `[data-testid="corpus-row"][data-name="${name}"][data-status="${status}"]`,
};

/** Clicks a download button and returns the saved file's path. */
async function download(ctx: TestContext, testId: string): Promise<string> {
  const p: Page = ctx.page;
  const [dl] = await Promise.all([p.waitForEvent('download', { timeout: 60_000 }), p.getByTestId(testId).click()]);
  const path = join(ctx.shared.work as string, dl.suggestedFilename());
  await dl.saveAs(path);
  return path;
}

async function unzipToBlobs(path: string): Promise<Map<string, Blob>> {
  const entries = unzipSync(new Uint8Array(await readFile(path)));
  return new Map(Object.entries(entries).map(([n, d]) => [n, new Blob([d as BlobPart])]));
}

async function setNumber(ctx: TestContext, label: string, value: number): Promise<void> {
  await ctx.page.getByLabel(label, { exact: true }).fill(String(value));
}

async function waitNumberAttr(
  ctx: TestContext,
  selector: string,
  attr: string,
  atLeast: number,
  timeout: number,
): Promise<void> {
  await ctx.page.waitForFunction(
    ([s, a, n]) => {
      const el = document.querySelector(s as string) as HTMLElement | null;
      return !!el && Number(el.getAttribute(a as string)) >= (n as number);
    },
    [selector, attr, atLeast],
    { timeout, polling: 200 },
  );
}

export const workbenchTests: E2ETest[] = [
  {
    name: 'page loads with the CSP header, no console errors, and workers on webgpu',
    async run(ctx) {
      const response = await ctx.page.goto(ctx.url);
      assert(response?.ok(), 'the page loads');
      const csp = response!.headers()['content-security-policy'];
      assert(csp === CSP && csp.includes("default-src 'self'"), `strict CSP header, got ${csp}`);
      await ctx.page.waitForSelector('[data-testid="app"][data-restored="yes"]');
      for (const w of ['teacher', 'train']) {
        await ctx.page.waitForSelector(`[data-testid="backend-${w}"][data-backend]:not([data-backend=""])`, {
          timeout: 60_000,
        });
        const b = await ctx.page.getAttribute(`[data-testid="backend-${w}"]`, 'data-backend');
        assert(b === 'webgpu', `the ${w} worker runs on webgpu, reported ${b}`);
      }
      const quota = await ctx.page.textContent('[data-testid="quota"]');
      assert(quota && /used of/.test(quota), `storage quota shown: ${quota}`);
      for (const title of [
        'Corpus',
        'Models',
        'Examples',
        'Teacher pass',
        'Training',
        'Charts',
        'Predictions',
        'Downloads',
      ]) {
        assert(await ctx.page.getByRole('heading', { name: title }).isVisible(), `section ${title}`);
      }
      assert(ctx.consoleErrors.length === 0, `no console errors: ${ctx.consoleErrors.join(' | ')}`);
      await ctx.screenshot('loaded');
    },
  },
  {
    name: 'a bad corpus file shows a clear error next to the drop zone',
    async run(ctx) {
      const input = ctx.page.getByTestId('corpus-input');
      await input.setInputFiles([ctx.fixtures.notCorpusFile]);
      const dropError = await ctx.page.getByTestId('corpus-drop-error').textContent();
      assert(dropError?.includes('picture.png'), `drop error names the file: ${dropError}`);
      await input.setInputFiles([ctx.fixtures.badFile]);
      await ctx.page.waitForSelector(sel.corpusRow('broken.txt', 'error'), { timeout: 30_000 });
      const msg = await ctx.page
        .locator(`${sel.corpusRow('broken.txt', 'error')} [data-testid="corpus-error"]`)
        .textContent();
      assert(msg?.includes('broken.txt') && /byte/.test(msg), `error names the file and byte offset: ${msg}`);
      await ctx.screenshot('bad-file');
      await ctx.page.getByRole('button', { name: 'Remove broken.txt' }).click();
      await ctx.page.waitForSelector('[data-testid="corpus-row"][data-name="broken.txt"]', { state: 'detached' });
    },
  },
  {
    name: 'dropping a corpus shows its statistics',
    async run(ctx) {
      await ctx.page.getByTestId('corpus-input').setInputFiles([ctx.fixtures.corpusFile]);
      const row = sel.corpusRow('lunyu.txt', 'ready');
      await ctx.page.waitForSelector(row, { timeout: 60_000 });
      const stats = await ctx.page.locator(`${row} [data-testid="corpus-stats"]`).textContent();
      assert(/documents\s*3/.test(stats ?? ''), `3 documents: ${stats}`);
      assert(/utf-8/i.test(stats ?? ''), `encoding: ${stats}`);
      const preview = await ctx.page.locator(`${row} [data-testid="corpus-preview-text"]`).textContent();
      assert(preview?.startsWith('子曰'), `preview text: ${preview?.slice(0, 20)}`);
      await ctx.screenshot('corpus');
    },
  },
  {
    name: 'a JSON-lines corpus dragged onto the drop zone is read too',
    async run(ctx) {
      const p = ctx.page;
      const dataTransfer = await p.evaluateHandle(() => {
        const dt = new DataTransfer();
        const lines = [
          { title: '学而', content: '学而时习之，不亦说乎？有朋自远方来，不亦乐乎？' },
          { text: '温故而知新，可以为师矣。' },
        ];
        dt.items.add(
          new File([lines.map((l) => JSON.stringify(l)).join('\n') + '\n'], 'dropped.jsonl', {
            type: 'application/json',
          }),
        );
        return dt;
      });
      await p.getByTestId('corpus-zone').dispatchEvent('drop', { dataTransfer });
      const row = sel.corpusRow('dropped.jsonl', 'ready');
      await p.waitForSelector(row, { timeout: 30_000 });
      const stats = await p.locator(`${row} [data-testid="corpus-stats"]`).textContent();
      // title and content are separate documents, as the original read them (the 20-character
      // minimum is applied when examples are built, not in the corpus's counts)
      assert(
        /JSON lines/.test(stats ?? '') && /documents\s*3/.test(stats ?? ''),
        `JSON lines with 3 documents (title, content, text): ${stats}`,
      );
      await ctx.screenshot('dropped-jsonl');
      await p.getByRole('button', { name: 'Remove dropped.jsonl' }).click();
      await p.waitForSelector('[data-testid="corpus-row"][data-name="dropped.jsonl"]', { state: 'detached' });
    },
  },
  {
    name: 'an unusable checkpoint shows a clear error next to it',
    async run(ctx) {
      const p = ctx.page;
      const vocabOnly = ctx.fixtures.teacherFiles.filter((f) => f.endsWith('vocab.txt') || f.endsWith('config.json'));
      await p.getByTestId('model-input').setInputFiles(vocabOnly);
      await p.waitForSelector('[data-testid="model-row"][data-status="error"]', { timeout: 30_000 });
      const msg = await p
        .locator('[data-testid="model-row"][data-status="error"] [data-testid="model-error"]')
        .textContent();
      assert(/no weight file/.test(msg ?? ''), `error says what is missing: ${msg}`);
      await ctx.screenshot('bad-checkpoint');
      const name = await p.getAttribute('[data-testid="model-row"][data-status="error"]', 'data-name');
      await p.getByRole('button', { name: `Remove ${name}` }).click();
      await p.waitForSelector('[data-testid="model-row"]', { state: 'detached' });
    },
  },
  {
    name: 'loading a small teacher shows its config and a 3-layer student',
    needs: ['page loads with the CSP header, no console errors, and workers on webgpu'],
    async run(ctx) {
      await ctx.page.getByTestId('model-input').setInputFiles(ctx.fixtures.teacherFiles);
      await ctx.page.waitForSelector('[data-testid="model-row"][data-status="ready"]', { timeout: 60_000 });
      const info = await ctx.page.locator('[data-testid="model-info"]').first().textContent();
      assert(/layers\s*4/.test(info ?? '') && /hidden\s*32/.test(info ?? ''), `teacher config shown: ${info}`);
      await ctx.page.waitForSelector('[data-testid="student-info"]', { timeout: 30_000 });
      const s = await ctx.page.locator('[data-testid="student-info"]').textContent();
      assert(/layers\s*3/.test(s ?? ''), `3-layer student by default: ${s}`);
      // The corpus preview (collapsed by default) now shows WordPiece tokens and whole-word groups.
      for (const summary of await ctx.page.locator('[data-testid="corpus-row"] details.preview > summary').all())
        await summary.click();
      await ctx.page.waitForSelector('[data-testid="corpus-preview-words"]', { timeout: 30_000 });
      await ctx.screenshot('models');
    },
  },
  {
    name: 'building examples',
    needs: ['dropping a corpus shows its statistics', 'loading a small teacher shows its config and a 3-layer student'],
    async run(ctx) {
      await setNumber(ctx, 'max_seq_length', 32);
      await setNumber(ctx, 'max_predictions_per_seq', 5);
      await setNumber(ctx, 'dupe_factor', 1);
      await setNumber(ctx, 'doc_stride', 32);
      await setNumber(ctx, 'short_seq_prob', 0);
      await ctx.page.getByLabel('do_whole_word_mask').check();
      await ctx.page.getByTestId('build-examples').click();
      await ctx.page.waitForSelector('[data-testid="example-set"][data-status="ready"]', { timeout: 90_000 });
      const count = Number(await ctx.page.getAttribute('[data-testid="example-set"]', 'data-count'));
      assert(count >= 40, `enough examples: ${count}`);
      ctx.shared.examples = count;
      await ctx.screenshot('examples');
    },
  },
  {
    name: 'teacher pass: pause, resume, and the cache fills',
    needs: ['building examples'],
    async run(ctx) {
      const p = ctx.page;
      await setNumber(ctx, 'truncation_factor (top k)', 16);
      await setNumber(ctx, 'predict_batch_size', 8);
      await p.getByTestId('start-teacher').click();
      await p.waitForSelector('[data-testid="teacher-cache"][data-status="running"] [data-testid="teacher-progress"]', {
        timeout: 60_000,
      });
      await p.getByTestId('pause-teacher').click();
      await p.waitForSelector('[data-testid="teacher-cache"][data-status="paused"]');
      await ctx.screenshot('teacher-paused');
      await p.getByTestId('resume-teacher').click();
      await p.waitForSelector('[data-testid="teacher-cache"][data-status="ready"]', { timeout: 120_000 });
      await ctx.screenshot('teacher-pass');
    },
  },
  {
    name: 'training on webgpu, reloaded mid-run, resumes and the loss falls',
    needs: ['teacher pass: pause, resume, and the cache fills'],
    async run(ctx) {
      const p = ctx.page;
      await setNumber(ctx, 'learning rate', 0.003);
      await setNumber(ctx, 'warmup steps', 2);
      await setNumber(ctx, 'training steps', 30);
      await setNumber(ctx, 'batch size', 4);
      await setNumber(ctx, 'evaluate every (steps)', 10);
      await setNumber(ctx, 'checkpoint every (steps)', 10);
      await p.getByTestId('start-run').click();
      await waitNumberAttr(ctx, '[data-testid="run"]', 'data-checkpoint', 10, 180_000);
      await waitNumberAttr(ctx, '[data-testid="chart-loss"]', 'data-points', 5, 30_000);
      assert(
        (await p.getAttribute('[data-testid="backend-train"]', 'data-backend')) === 'webgpu',
        'training worker on webgpu',
      );
      await ctx.screenshot('training');
      await p.reload();
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      await p.waitForSelector('[data-testid="resume-offer"]', { timeout: 30_000 });
      await ctx.screenshot('resume-offer');
      await p.getByTestId('resume-run').click();
      await p.waitForSelector('[data-testid="run"][data-status="ready"]', { timeout: 240_000 });
      const step = Number(await p.getAttribute('[data-testid="run"]', 'data-step'));
      assert(step === 30, `finished all 30 steps, at ${step}`);
      const first = Number(await p.getAttribute('[data-testid="loss-summary-run"]', 'data-first-mean'));
      const last = Number(await p.getAttribute('[data-testid="loss-summary-run"]', 'data-last-mean'));
      assert(
        Number.isFinite(first) && Number.isFinite(last) && last < first,
        `the loss falls: first steps ${first}, last steps ${last}`,
      );
      const paths = await p.locator('[data-testid="chart-loss"] svg path.recharts-curve').count();
      assert(paths > 0, 'the loss chart draws');
      await p.getByTestId('section-charts').scrollIntoViewIfNeeded();
      await ctx.screenshot('trained-charts');
    },
  },
  {
    name: 'predictions: teacher and student top-k side by side',
    needs: ['training on webgpu, reloaded mid-run, resumes and the loss falls'],
    async run(ctx) {
      const p = ctx.page;
      await p.getByLabel('Sentence').fill(SENTENCE);
      // Toggle the default masks off, then mask the characters the test checks.
      const pressed = p.locator('.maskpick button[aria-pressed="true"]');
      while ((await pressed.count()) > 0) await pressed.first().click();
      for (const i of MASKED) await p.locator('.maskpick button').nth(i).click();
      await p.getByTestId('predict').click();
      await p.waitForSelector('[data-testid="pred-student"]', { timeout: 60_000 });
      await p.waitForSelector('[data-testid="pred-teacher"]');
      const probs = await p
        .locator('[data-testid="pred-student"] [data-prob]')
        .evaluateAll((els) =>
          els.map((e) => ({ token: e.getAttribute('data-token') ?? '', prob: Number(e.getAttribute('data-prob')) })),
        );
      assert(probs.length === MASKED.length * 5, `5 predictions per masked character, got ${probs.length}`);
      ctx.shared.studentPredictions = probs;
      await p.getByTestId('section-predictions').scrollIntoViewIfNeeded();
      await ctx.screenshot('predictions');
    },
  },
  {
    name: 'the downloaded student zips load back in Node (and the ONNX one in transformers.js) with the same predictions',
    needs: ['predictions: teacher and student top-k side by side'],
    async run(ctx) {
      const p = ctx.page;
      const files = await unzipToBlobs(await download(ctx, 'download-hf'));
      const names = [...files.keys()].map((n) => n.split('/').pop());
      for (const f of ['model.safetensors', 'config.json', 'vocab.txt'])
        assert(names.includes(f), `zip has ${f}: ${names.join(', ')}`);
      await useBackend('cpu');
      const ckpt = await loadCheckpoint(files);
      assert(ckpt.config.num_hidden_layers === 3, `a 3-layer student: ${ckpt.config.num_hidden_layers}`);
      const tokenizer = new BertTokenizer(ckpt.vocab!, { doLowerCase: true });
      const rows = await predictMasked(ckpt.weights, ckpt.config, tokenizer, SENTENCE, MASKED, 5);
      const node = rows.flatMap((r) => r.top);
      const page = ctx.shared.studentPredictions as { token: string; prob: number }[];
      for (let i = 0; i < node.length; i++) {
        assert(
          Math.abs(node[i].prob - page[i].prob) < 2e-3,
          `prediction ${i}: page ${page[i].token} ${page[i].prob}, node ${node[i].token} ${node[i].prob}`,
        );
      }
      // The TF1 checkpoint zip holds the same weights.
      const tf1 = await loadCheckpoint(await unzipToBlobs(await download(ctx, 'download-tf1')));
      assert(tf1.format === 'tf1', `TF1 zip read as ${tf1.format}`);
      for (const name of Object.keys(ckpt.weights)) {
        const a = (await ckpt.weights[name].data()) as Float32Array;
        const b = (await tf1.weights[name].data()) as Float32Array;
        assert(
          a.length === b.length && a.every((v, i) => v === b[i]),
          `TF1 tensor ${name} equals the Hugging Face one`,
        );
      }
      // The pytorch_model.bin zip too.
      const pt = await loadCheckpoint(await unzipToBlobs(await download(ctx, 'download-hf-pytorch')));
      assert(pt.format === 'pytorch-zip', `pytorch zip read as ${pt.format}`);
      for (const name of Object.keys(ckpt.weights)) {
        const a = (await ckpt.weights[name].data()) as Float32Array;
        const b = (await pt.weights[name].data()) as Float32Array;
        assert(
          a.length === b.length && a.every((v, i) => v === b[i]),
          `pytorch tensor ${name} equals the safetensors one`,
        );
      }
      // The ONNX zip is a folder transformers.js runs as it is: its fill-mask gives the
      // same top-5 as the project's forward on the downloaded weights (which equal the page's).
      const onnxZip = unzipSync(new Uint8Array(await readFile(await download(ctx, 'download-onnx'))));
      const onnxNames = Object.keys(onnxZip);
      for (const f of [
        'config.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'onnx/model.onnx',
        'onnx/model_quantized.onnx',
      ])
        assert(
          onnxNames.some((n) => n.endsWith(f)),
          `ONNX zip has ${f}: ${onnxNames.join(', ')}`,
        );
      const modelsDir = join(ctx.shared.work as string, 'onnx-models');
      const folder = onnxNames.find((n) => n.endsWith('onnx/model.onnx'))!.slice(0, -'onnx/model.onnx'.length);
      for (const [name, data] of Object.entries(onnxZip)) {
        if (!name.startsWith(folder) || name.endsWith('/')) continue;
        const file = join(modelsDir, 'student', name.slice(folder.length));
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, data);
      }
      const t = await import('@huggingface/transformers');
      t.env.allowRemoteModels = false;
      t.env.allowLocalModels = true;
      t.env.localModelPath = `${modelsDir}/`;
      t.env.useFSCache = false;
      const fill = await t.pipeline('fill-mask', 'student', { dtype: 'fp32' });
      const ours = (await predictMasked(ckpt.weights, ckpt.config, tokenizer, SENTENCE, [MASKED[0]], 5))[0].top;
      const chars = [...SENTENCE];
      chars[MASKED[0]] = '[MASK]';
      const theirs = (await fill(chars.join(''), { top_k: 5 })) as { score: number; token_str: string }[];
      for (let i = 0; i < 5; i++) {
        assert(
          theirs[i].token_str === ours[i].token && Math.abs(theirs[i].score - ours[i].prob) < 1e-4,
          `transformers.js prediction ${i}: ${theirs[i].token_str} ${theirs[i].score}, project ${ours[i].token} ${ours[i].prob}`,
        );
      }
      await fill.dispose();
      tf.dispose(Object.values(pt.weights));
      tf.dispose(Object.values(ckpt.weights));
      tf.dispose(Object.values(tf1.weights));
      await p.getByTestId('section-downloads').scrollIntoViewIfNeeded();
      await ctx.screenshot('downloads');
    },
  },
  {
    name: "examples and teacher outputs download as TFRecord in the original's format",
    needs: ['teacher pass: pause, resume, and the cache fills'],
    async run(ctx) {
      const examples = await download(ctx, 'download-examples');
      let n = 0;
      for await (const rec of readRecords(new Blob([await readFile(examples)]), { name: examples })) {
        const ex = recordToMaskedExample(rec);
        assert(ex.inputIds.length === 32 && ex.maskedLmPositions.length === 5, 'seq 32, 5 predictions');
        n++;
      }
      assert(n === ctx.shared.examples, `all ${String(ctx.shared.examples)} examples exported, got ${n}`);
      const teacher = await download(ctx, 'download-teacher');
      let m = 0;
      for await (const rec of readRecords(new Blob([await readFile(teacher)]), { name: teacher })) {
        const t = recordToTeacherOutput(rec);
        assert(t.k === 16 && t.probs.length === 5 * 16, `k 16 over 5 slots, got k ${t.k}`);
        m++;
      }
      assert(m === n, `one teacher record per example: ${m} vs ${n}`);
    },
  },
  {
    name: 'no console errors during the whole flow',
    async run(ctx) {
      assert(ctx.consoleErrors.length === 0, `console errors: ${ctx.consoleErrors.join(' | ')}`);
    },
  },
];
