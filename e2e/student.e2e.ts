/**
 * The original's recipe in the page, small: a teacher, and a student dropped as a checkpoint of
 * its own (another format, another hidden size, no MLM head, the same vocabulary) keeping some of
 * its layers. A student whose vocabulary differs is refused with the first differing id and both
 * tokens; the student panel says what will be trained; the pair distils on webgpu, the loss falls,
 * the training worker holds the student and not the teacher, the student downloads; a reload
 * keeps both checkpoints and the choice. Runs on an origin of its own (empty storage) on webgpu.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { useBackend } from '../src/core/backend/useBackend.ts';
import { exportCheckpoint, type ExportFormat } from '../src/core/checkpoint/exportCheckpoint.ts';
import { loadCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { parseBertConfig, type BertConfig } from '../src/core/model/config.ts';
import { initWeights } from '../src/core/model/init.ts';
import { trainingBytes } from '../src/core/model/studentSource.ts';
import { parameterCount } from '../src/core/model/weights.ts';
import { formatBytes, formatCount } from '../src/ui/format.ts';
import { setBackendOverride } from './backendChoice.e2e.ts';
import { assert, type E2ETest, type TestContext } from './harness.ts';

/** The same server under a name of this list's own (a separate origin with its own storage). */
const studentOrigin = (url: string) => url.replace('127.0.0.1', 'student.localhost');

/** The student's own checkpoint: hidden 8 (the teacher's is 32), 3 layers, a pooler but no MLM head. */
function studentConfig(vocabSize: number): BertConfig {
  return parseBertConfig(
    {
      vocab_size: vocabSize,
      hidden_size: 8,
      num_hidden_layers: 3,
      num_attention_heads: 2,
      intermediate_size: 16,
      max_position_embeddings: 64,
      type_vocab_size: 2,
    },
    'e2e student',
  );
}

/** Writes an encoder-only checkpoint (weights, config, vocab.txt) into `dir`; returns its files. */
async function writeCheckpoint(dir: string, format: ExportFormat, cfg: BertConfig, vocab: string[]): Promise<string[]> {
  await tf.ready();
  const weights = initWeights(cfg, { pooler: true, mlmHead: false }, 21);
  const files = await exportCheckpoint(format, weights, cfg, vocab);
  tf.dispose(Object.values(weights));
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const f of files) {
    const p = join(dir, f.name);
    await writeFile(p, f.data);
    paths.push(p);
  }
  return paths;
}

async function setNumber(ctx: TestContext, label: string, value: number): Promise<void> {
  await ctx.page.getByLabel(label, { exact: true }).fill(String(value));
}

/** The text of a row of a KeyValues list (its <dd>). */
async function row(page: Page, testId: string, key: string): Promise<string> {
  const dd = page.locator(`[data-testid="${testId}"] div`).filter({ has: page.locator('dt', { hasText: key }) });
  return ((await dd.first().locator('dd').textContent()) ?? '').trim();
}

const STUDENT_LAYERS = [0, 2];

export const studentTests: E2ETest[] = [
  {
    name: 'student: a teacher and a corpus, then "a checkpoint of its own"',
    async run(ctx) {
      const p = ctx.page;
      // an origin of its own (Chromium resolves *.localhost to this machine): empty storage, whatever ran before
      const url = studentOrigin(ctx.url);
      await setBackendOverride(p, [url], 'webgpu');
      await p.goto(url);
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      assert((await p.locator('[data-testid="model-row"]').count()) === 0, 'the origin starts with empty storage');
      await p.getByTestId('corpus-input').setInputFiles([ctx.fixtures.corpusFile]);
      await p.waitForSelector('[data-testid="corpus-row"][data-status="ready"]', { timeout: 60_000 });
      await p.getByTestId('model-input').setInputFiles(ctx.fixtures.teacherFiles);
      await p.waitForSelector('[data-testid="model-row"][data-status="ready"]', { timeout: 60_000 });
      await p.waitForSelector('[data-testid="student-info"]', { timeout: 30_000 });
      await p.getByLabel('Build the student from').selectOption('checkpoint');
      await p.waitForSelector('[data-testid="student-model-input"]');
      const work = ctx.shared.work as string;
      const vocab = ctx.fixtures.vocab;
      // the same vocabulary with two tokens swapped: same size, differs at the first of them
      const swapped = [...vocab];
      [swapped[7], swapped[9]] = [swapped[9], swapped[7]];
      await writeCheckpoint(join(work, 'student-other-vocab'), 'safetensors', studentConfig(vocab.length), swapped);
      await writeCheckpoint(join(work, 'student'), 'pytorch', studentConfig(vocab.length), vocab);
    },
  },
  {
    name: 'student: a checkpoint with another vocabulary is refused, naming the first differing id and both tokens',
    needs: ['student: a teacher and a corpus, then "a checkpoint of its own"'],
    async run(ctx) {
      const p = ctx.page;
      const vocab = ctx.fixtures.vocab;
      // dropped as a folder (the folder picker), so the row is named after it
      await p.getByTestId('student-model-folder').setInputFiles(join(ctx.shared.work as string, 'student-other-vocab'));
      await p.waitForFunction(
        () => /differs/.test(document.querySelector('[data-testid="student-error"]')?.textContent ?? ''),
        undefined,
        { timeout: 60_000 },
      );
      const text = await p.getByTestId('student-error').textContent();
      const expected = `the student's vocabulary differs from the teacher's at id 7: the teacher has ${JSON.stringify(vocab[7])}, the student ${JSON.stringify(vocab[9])}`;
      assert(text?.includes(expected), `refused with "${expected}", got: ${text}`);
      assert((await p.getByTestId('student-info').count()) === 0, 'no student summary for a refused student');
      await ctx.screenshot('student-vocab-refused');
    },
  },
  {
    name: 'student: its own checkpoint of another hidden size, layers 0,2 kept, shows what will be trained',
    needs: ['student: a teacher and a corpus, then "a checkpoint of its own"'],
    async run(ctx) {
      const p = ctx.page;
      await p.getByTestId('student-model-folder').setInputFiles(join(ctx.shared.work as string, 'student'));
      await p.waitForSelector('[data-testid="model-row"][data-name="student"] [data-testid="student-badge"]', {
        timeout: 60_000,
      });
      await p.getByTestId('student-checkpoint-layers').fill(STUDENT_LAYERS.join(','));
      await p.waitForFunction(
        () => document.querySelector('[data-testid="student-info"]')?.textContent?.includes('layers kept0, 2') ?? false,
        undefined,
        { timeout: 30_000 },
      );
      const cfg = { ...studentConfig(ctx.fixtures.vocab.length), num_hidden_layers: STUDENT_LAYERS.length };
      const params = parameterCount(cfg, { pooler: true, mlmHead: true });
      const want: [string, string][] = [
        ['layers', '2'],
        ['layers kept', '0, 2'],
        ['hidden', '8'],
        ['heads', '2'],
        ['vocabulary', formatCount(ctx.fixtures.vocab.length)],
        ['parameters', formatCount(params)],
        ['memory (weights + Adam)', formatBytes(trainingBytes(params))],
        ['MLM head', 'new'],
      ];
      for (const [k, v] of want) {
        const got = await row(p, 'student-info', k);
        assert(got === v, `student ${k}: ${v}, shown ${got}`);
      }
      const source = await row(p, 'student-info', 'source');
      assert(/its own checkpoint/.test(source) && /pytorch/.test(source), `source names the checkpoint: ${source}`);
      const note = await p.getByTestId('student-new-head').textContent();
      assert(/no masked-LM head/.test(note ?? '') && /tied to the\s+word embeddings/.test(note ?? ''), `said: ${note}`);
      ctx.shared.studentTrainingBytes = trainingBytes(params);
      // the refused one is removed; the student stays chosen
      const bad = p.locator('[data-testid="model-row"][data-name="student-other-vocab"]');
      await p.getByRole('button', { name: 'Remove student-other-vocab' }).click();
      await bad.waitFor({ state: 'detached' });
      assert(
        (await p.getByTestId('student-builder').getAttribute('data-kind')) === 'checkpoint',
        'the student is still its own checkpoint',
      );
      await p.getByTestId('student-builder').scrollIntoViewIfNeeded();
      await ctx.screenshot('student-from-checkpoint');
    },
  },
  {
    name: 'student: teacher and student distil on webgpu, the loss falls, each worker holds its own model',
    needs: ['student: its own checkpoint of another hidden size, layers 0,2 kept, shows what will be trained'],
    async run(ctx) {
      const p = ctx.page;
      await setNumber(ctx, 'max_seq_length', 32);
      await setNumber(ctx, 'max_predictions_per_seq', 5);
      await setNumber(ctx, 'dupe_factor', 1);
      await setNumber(ctx, 'doc_stride', 32);
      await setNumber(ctx, 'short_seq_prob', 0);
      const t0 = Date.now();
      const phase = (name: string) => console.log(`    ${name} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await p.getByTestId('build-examples').click();
      await p.waitForSelector('[data-testid="example-set"][data-status="ready"]', { timeout: 90_000 });
      phase('examples built');
      await setNumber(ctx, 'truncation_factor (top k)', 16);
      await setNumber(ctx, 'predict_batch_size', 8);
      await p.getByTestId('start-teacher').click();
      await p.waitForSelector('[data-testid="teacher-cache"][data-status="ready"]', { timeout: 120_000 });
      phase('teacher pass done');
      await setNumber(ctx, 'learning rate', 0.01);
      await setNumber(ctx, 'warmup steps', 2);
      await setNumber(ctx, 'training steps', 20);
      await setNumber(ctx, 'batch size', 4);
      await setNumber(ctx, 'evaluate every (steps)', 10);
      await setNumber(ctx, 'checkpoint every (steps)', 10);
      await p.getByTestId('start-run').click();
      await p.waitForSelector('[data-testid="run"][data-status="ready"]', { timeout: 240_000 });
      phase('training done');
      const step = Number(await p.getAttribute('[data-testid="run"]', 'data-step'));
      assert(step === 20, `finished all 20 steps, at ${step}`);
      assert(
        (await p.getAttribute('[data-testid="backend-train"]', 'data-backend')) === 'webgpu',
        'training worker on webgpu',
      );
      const first = Number(await p.getAttribute('[data-testid="loss-summary-run"]', 'data-first-mean'));
      const last = Number(await p.getAttribute('[data-testid="loss-summary-run"]', 'data-last-mean'));
      assert(Number.isFinite(first) && Number.isFinite(last) && last < first, `the loss falls: ${first} → ${last}`);
      // the training worker holds the student (weights + Adam) and not the teacher; the teacher worker the teacher.
      // Adam keeps m and v only for weights with a gradient: distillation leaves the pooler untouched.
      const hidden = 8;
      const poolerAdamBytes = 2 * 4 * (hidden * hidden + hidden);
      const studentBytes = (ctx.shared.studentTrainingBytes as number) - poolerAdamBytes;
      // the teacher pass keeps what a teacher computes with: every weight but the pooler
      const teacherBytes = 4 * parameterCount(ctx.fixtures.config, { pooler: false, mlmHead: true });
      const memory = p.getByTestId('worker-memory');
      await memory.scrollIntoViewIfNeeded();
      await p.waitForFunction(
        (min) =>
          Number(document.querySelector('[data-testid="worker-memory"]')?.getAttribute('data-train-bytes')) >= min,
        studentBytes,
        { timeout: 30_000 },
      );
      const trainBytes = Number(await memory.getAttribute('data-train-bytes'));
      const teacherWorkerBytes = Number(await memory.getAttribute('data-teacher-bytes'));
      console.log(
        `    tensor memory: training worker ${trainBytes} B (student weights + Adam but the pooler's ${studentBytes} B), teacher worker ${teacherWorkerBytes} B (teacher weights ${teacherBytes} B)`,
      );
      assert(
        trainBytes < studentBytes + teacherBytes,
        `the training worker does not hold the teacher: ${trainBytes} B`,
      );
      assert(teacherWorkerBytes >= teacherBytes, `the teacher worker holds the teacher: ${teacherWorkerBytes} B`);
      const shown = await row(p, 'worker-memory', 'training worker tensors');
      assert(shown.startsWith(formatBytes(trainBytes)), `shown on the page: ${shown}`);
      await ctx.screenshot('student-distilled');
    },
  },
  {
    name: "student: the trained student downloads with its own sizes and the teacher's vocabulary",
    needs: ['student: teacher and student distil on webgpu, the loss falls, each worker holds its own model'],
    async run(ctx) {
      const p = ctx.page;
      const [dl] = await Promise.all([
        p.waitForEvent('download', { timeout: 60_000 }),
        p.getByTestId('download-hf').click(),
      ]);
      const path = join(ctx.shared.work as string, `student-${dl.suggestedFilename()}`);
      await dl.saveAs(path);
      const entries = unzipSync(new Uint8Array(await readFile(path)));
      const files = new Map(Object.entries(entries).map(([n, d]) => [n, new Blob([d as BlobPart])]));
      await useBackend('cpu');
      const ckpt = await loadCheckpoint(files);
      try {
        assert(ckpt.config.hidden_size === 8, `hidden 8, got ${ckpt.config.hidden_size}`);
        assert(ckpt.config.num_hidden_layers === 2, `2 layers, got ${ckpt.config.num_hidden_layers}`);
        assert(ckpt.parts.mlmHead, 'it has the MLM head it was trained with');
        assert(ckpt.vocab?.join('\n') === ctx.fixtures.vocab.join('\n'), "the teacher's vocabulary");
      } finally {
        tf.dispose(Object.values(ckpt.weights));
      }
    },
  },
  {
    name: 'student: a reload keeps both checkpoints and the student choice',
    needs: ['student: its own checkpoint of another hidden size, layers 0,2 kept, shows what will be trained'],
    async run(ctx) {
      const p = ctx.page;
      await p.reload();
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      assert((await p.locator('[data-testid="model-row"][data-status="ready"]').count()) === 2, 'both checkpoints');
      await p.waitForSelector('[data-testid="model-row"][data-name="student"] [data-testid="student-badge"]');
      assert(
        (await p.getByTestId('student-builder').getAttribute('data-kind')) === 'checkpoint',
        'the student is its own checkpoint',
      );
      await p.waitForSelector('[data-testid="student-info"]', { timeout: 60_000 });
      assert((await row(p, 'student-info', 'layers kept')) === '0, 2', 'layers 0,2 kept');
      assert((await row(p, 'student-info', 'hidden')) === '8', 'hidden 8');
      assert(
        (await p.getByTestId('student-checkpoint-layers').inputValue()) === '0,2',
        'the layers field keeps its value',
      );
      const teacherChecked = await p
        .locator('[data-testid="model-row"]')
        .first()
        .locator('input[type="radio"]')
        .isChecked();
      assert(teacherChecked, 'the teacher is still the teacher');
      await p.getByTestId('student-builder').scrollIntoViewIfNeeded();
      await ctx.screenshot('student-after-reload');
    },
  },
  {
    name: 'student: no console errors',
    async run(ctx) {
      await ctx.page.goto(ctx.url);
      assert(ctx.consoleErrors.length === 0, `console errors: ${ctx.consoleErrors.join(' | ')}`);
    },
  },
];
