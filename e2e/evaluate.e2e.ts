/**
 * The Evaluate panel on the built page (after the workbench flow, on its page and storage; alone
 * with E2E_ONLY=evaluate it loads the tiny teacher itself): a bad task file shows the reader's
 * error with file and line; a small learnable LCQMC-format pair task (e2e/fixtures.ts) fine-tunes
 * the teacher on webgpu in the training worker, with a page reload in the middle that resumes
 * from the checkpoint and finishes; then the distillation run's student (or, alone, a fresh
 * model) on the same task, whose row shows its retention of the teacher's score; the results
 * download as CSV and Markdown, and the fine-tuned teacher as a Hugging Face zip naming its
 * labels.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { assert, type E2ETest, type TestContext } from './harness.ts';

const section = (p: Page) => p.getByTestId('section-evaluate');

async function fill(ctx: TestContext, label: string, value: number): Promise<void> {
  await section(ctx.page).getByLabel(label, { exact: true }).fill(String(value));
}

async function download(ctx: TestContext, testId: string): Promise<string> {
  const p = ctx.page;
  const [dl] = await Promise.all([
    p.waitForEvent('download', { timeout: 60_000 }),
    section(p).getByTestId(testId).first().click(),
  ]);
  const path = join(ctx.shared.work as string, `evaluate-${dl.suggestedFilename()}`);
  await dl.saveAs(path);
  return path;
}

/** The options every fine-tuning here uses: seq 32, batch 8, a high learning rate for a tiny model. */
async function setOptions(ctx: TestContext, epochs: number): Promise<void> {
  await fill(ctx, 'fine-tune max_seq_length', 32);
  await fill(ctx, 'fine-tune learning_rate', 0.003);
  await fill(ctx, 'fine-tune num_train_epochs', epochs);
  await fill(ctx, 'fine-tune train_batch_size', 8);
  await fill(ctx, 'fine-tune eval_batch_size', 40);
  await fill(ctx, 'fine-tune warmup_proportion', 0.1);
  await fill(ctx, 'fine-tune evaluate every (steps)', 8);
  await fill(ctx, 'fine-tune checkpoint every (steps)', 4);
}

const row = (i: number) => `[data-testid="evaluation"]:nth-child(${i})`;

async function waitReady(p: Page, i: number, timeout: number): Promise<void> {
  await p.waitForSelector(`${row(i)}[data-status="ready"], ${row(i)}[data-status="error"]`, { timeout });
  const status = await p.getAttribute(row(i), 'data-status');
  if (status !== 'ready') {
    const msg = await p.locator(`${row(i)} [data-testid="evaluation-error"]`).textContent();
    throw new Error(`fine-tuning ${i} ended in ${status}: ${msg}`);
  }
}

export const evaluateTests: E2ETest[] = [
  {
    name: "evaluate: a bad task file shows the reader's error with file and line",
    async run(ctx) {
      const p = ctx.page;
      if (!p.url().startsWith(ctx.url)) await p.goto(ctx.url);
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      await section(p).getByTestId('task-input').setInputFiles([ctx.fixtures.badTaskFile]);
      const bad = '[data-testid="task-file"][data-name="bad.tsv"][data-status="error"]';
      await p.waitForSelector(bad, { timeout: 30_000 });
      const msg = await p.locator(`${bad} [data-testid="task-file-error"]`).textContent();
      assert(
        msg?.includes('bad.tsv') && /line 3/.test(msg) && /column/.test(msg),
        `the error names the file, the line and what is wrong: ${msg}`,
      );
      await section(p).scrollIntoViewIfNeeded();
      await ctx.screenshot('evaluate-bad-task-file');
      await p.getByRole('button', { name: 'Remove bad.tsv' }).click();
      await p.waitForSelector('[data-testid="task-file"][data-name="bad.tsv"]', { state: 'detached' });
    },
  },
  {
    name: 'evaluate: fine-tuning the teacher on a pair task on webgpu, reloaded mid-run, resumes and finishes',
    async run(ctx) {
      const p = ctx.page;
      if ((await p.locator('[data-testid="model-row"][data-status="ready"]').count()) === 0) {
        await p.getByTestId('model-input').setInputFiles(ctx.fixtures.teacherFiles);
        await p.waitForSelector('[data-testid="model-row"][data-status="ready"]', { timeout: 60_000 });
      }
      await section(p).getByTestId('task-input').setInputFiles([ctx.fixtures.taskTrainFile, ctx.fixtures.taskDevFile]);
      for (const name of ['train.tsv', 'dev.tsv'])
        await p.waitForSelector(`[data-testid="task-file"][data-name="${name}"][data-status="ready"]`, {
          timeout: 30_000,
        });
      const info = await p
        .locator('[data-testid="task-file"][data-name="train.tsv"] [data-testid="task-file-info"]')
        .textContent();
      assert(
        /sentence pairs \(tsv\)/.test(info ?? '') &&
          /192 examples/.test(info ?? '') &&
          /labels 0, 1/.test(info ?? '') &&
          /lcqmc/.test(info ?? ''),
        `the kind, format, count and labels are shown: ${info}`,
      );
      await setOptions(ctx, 1);
      await section(p).getByLabel('model to fine-tune').selectOption('teacher');
      const t0 = Date.now();
      await section(p).getByTestId('start-eval').click();
      await p.waitForFunction(
        () => {
          const el = document.querySelector('[data-testid="evaluation"]');
          return el?.getAttribute('data-status') === 'running' && Number(el.getAttribute('data-checkpoint')) >= 4;
        },
        undefined,
        { timeout: 180_000, polling: 200 },
      );
      const tCheckpoint = Date.now();
      const total = Number(await p.getAttribute(row(1), 'data-total'));
      assert(total === 24, `192 examples / batch 8 × 1 epoch = 24 steps, the page says ${total}`);
      assert(
        (await p.getAttribute('[data-testid="backend-train"]', 'data-backend')) === 'webgpu',
        'the training worker is on webgpu',
      );
      await ctx.screenshot('evaluate-fine-tuning');
      // The page saves its state a moment after each change; give it that moment, then reload.
      await p.waitForTimeout(600);
      await p.reload();
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      await p.waitForSelector('[data-testid="eval-resume-offer"]', { timeout: 30_000 });
      const savedCheckpoint = Number(await p.getAttribute(row(1), 'data-checkpoint'));
      assert(savedCheckpoint >= 4, `the interrupted evaluation shows its checkpoint: ${savedCheckpoint}`);
      await ctx.screenshot('evaluate-resume-offer');
      await section(p).getByTestId('resume-eval').click();
      await p.waitForFunction(
        () =>
          /resumed from the checkpoint at step \d+/.test(
            document.querySelector('[data-testid="evaluation"] .note')?.textContent ?? '',
          ),
        undefined,
        { timeout: 60_000, polling: 100 },
      );
      const note =
        (await p
          .locator(`${row(1)} .note`)
          .first()
          .textContent()) ?? '';
      const resumedAt = Number(/resumed from the checkpoint at step (\d+)/.exec(note)?.[1]);
      assert(resumedAt >= savedCheckpoint && resumedAt > 0, `resumed at step ${resumedAt}, not 0: ${note}`);
      await waitReady(p, 1, 240_000);
      const step = Number(await p.getAttribute(row(1), 'data-step'));
      assert(step === total, `finished all ${total} steps, at ${step}`);
      const result = p.locator('[data-testid="result-row"][data-role="teacher"]');
      await result.waitFor({ timeout: 10_000 });
      const accuracy = Number(await result.getAttribute('data-accuracy'));
      const rate = Number(await result.getAttribute('data-rate'));
      assert(accuracy >= 0 && accuracy <= 1, `a dev accuracy in the results: ${accuracy}`);
      assert(rate > 0, `inference examples/s measured: ${rate}`);
      const cells = await result.locator('td').allTextContents();
      assert(
        /^[\d.]+% \(95% CI [\d.]+–[\d.]+%, [\d,]+ dev examples\)$/.test(cells[2]) &&
          /^[\d,]+$/.test(cells[6]) &&
          /B$/.test(cells[7]),
        `row cells: ${cells.join(' | ')}`,
      );
      const lossPoints = Number(await p.getAttribute('[data-testid="chart-eval-loss"]', 'data-points'));
      const accPoints = Number(await p.getAttribute('[data-testid="chart-eval-accuracy"]', 'data-points'));
      assert(lossPoints >= total - 1 && accPoints >= 3, `loss (${lossPoints}) and dev accuracy (${accPoints}) lines`);
      ctx.shared.teacherAccuracy = accuracy;
      console.log(
        `    teacher: dev accuracy ${(accuracy * 100).toFixed(1)}% after ${total} steps (best ${cells[3]}); ${((tCheckpoint - t0) / 1000).toFixed(1)} s to the checkpoint at step ${savedCheckpoint}, resumed at step ${resumedAt}, ${((Date.now() - t0) / 1000).toFixed(1)} s in all; inference ${rate.toFixed(1)} examples/s`,
      );
      await section(p).scrollIntoViewIfNeeded();
      await ctx.screenshot('evaluate-teacher-done');
    },
  },
  {
    name: "evaluate: the student on the same task shows its retention of the teacher's score",
    needs: ['evaluate: fine-tuning the teacher on a pair task on webgpu, reloaded mid-run, resumes and finishes'],
    async run(ctx) {
      const p = ctx.page;
      const picker = section(p).getByLabel('model to fine-tune');
      const options = await picker
        .locator('option')
        .evaluateAll((els) => els.map((e) => ({ value: (e as HTMLOptionElement).value, label: e.textContent ?? '' })));
      const student = options.find((o) => o.value.startsWith('run:')) ?? options.find((o) => o.value === 'fresh');
      assert(student, `a student to pick: ${options.map((o) => o.label).join(', ')}`);
      await picker.selectOption(student.value);
      await setOptions(ctx, 0.5);
      const t0 = Date.now();
      await section(p).getByTestId('start-eval').click();
      await p.waitForSelector(row(2), { timeout: 10_000 });
      await waitReady(p, 2, 180_000);
      const rows = p.locator('[data-testid="result-row"]');
      assert((await rows.count()) === 2, 'two result rows');
      const r = rows.nth(1);
      const accuracy = Number(await r.getAttribute('data-accuracy'));
      const retention = Number(await r.getAttribute('data-retention'));
      const teacher = ctx.shared.teacherAccuracy as number;
      assert(
        Math.abs(retention - (accuracy / teacher) * 100) < 1e-6,
        `retention ${retention}% = ${accuracy} / ${teacher} of the teacher's`,
      );
      const cells = await r.locator('td').allTextContents();
      console.log(
        `    ${student.label}: dev accuracy ${(accuracy * 100).toFixed(1)}%, retention ${retention.toFixed(1)}% in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${cells[6]} parameters, ${cells[7]}, ${cells[8]} examples/s`,
      );
      await section(p).scrollIntoViewIfNeeded();
      await ctx.screenshot('evaluate-results');
    },
  },
  {
    name: 'evaluate: results download as CSV and Markdown, the fine-tuned teacher as a Hugging Face zip',
    needs: ["evaluate: the student on the same task shows its retention of the teacher's score"],
    async run(ctx) {
      const csv = (await readFile(await download(ctx, 'export-results-csv'), 'utf8')).trimEnd().split('\n');
      assert(csv.length === 3 && csv[0].startsWith('task,model,dev_accuracy,'), `CSV: ${csv.join(' / ')}`);
      assert(csv[1].startsWith('lcqmc (dev.tsv),"teacher '), `CSV teacher row: ${csv[1]}`);
      const md = (await readFile(await download(ctx, 'export-results-md'), 'utf8')).trimEnd().split('\n');
      assert(
        md.length === 4 && md[0].startsWith('| Task | Model |') && md[2].includes('| 100.0% |'),
        `Markdown: ${md.join(' / ')}`,
      );
      const zip = unzipSync(new Uint8Array(await readFile(await download(ctx, 'download-eval-hf'))));
      const config = Object.entries(zip).find(([n]) => n.endsWith('config.json'));
      assert(
        config && Object.keys(zip).some((n) => n.endsWith('model.safetensors')),
        `zip: ${Object.keys(zip).join(', ')}`,
      );
      const json = JSON.parse(new TextDecoder().decode(config[1])) as {
        architectures: string[];
        id2label: Record<string, string>;
      };
      assert(
        json.architectures[0] === 'BertForSequenceClassification' && json.id2label['1'] === '1',
        `config.json: ${JSON.stringify({ a: json.architectures, l: json.id2label })}`,
      );
      assert(ctx.consoleErrors.length === 0, `no console errors: ${ctx.consoleErrors.join(' | ')}`);
    },
  },
];
