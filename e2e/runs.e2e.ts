/**
 * Runs you can tell apart, charts that don't mislead, and the model card (issue #13, points 5 and 6).
 * On its own server (a new origin: empty storage, whatever ran before) two short runs are trained
 * on the tiny fixtures with different learning rates and seeds; then: renaming and notes survive a
 * reload, the runs table shows each config, comparing highlights exactly the fields that differ,
 * the reload logs no React NaN error, a run keeps its colour when another is hidden, step ticks are
 * whole numbers and axis labels never repeat, the legend gives min and last, the x axis switches to
 * wall-clock time, the zoom cuts the range, the CSV carries names and configs, and the student zip
 * holds a model card naming the teacher, the corpus and the held-out size.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { assert, type E2ETest, type TestContext, watchConsole } from './harness.ts';
import { serveStatic } from './server.ts';

const STEPS = 12;

interface RunsShared {
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

function shared(ctx: TestContext): RunsShared {
  const s = ctx.shared.runs as RunsShared | undefined;
  assert(s, 'the runs page was opened by the first test');
  return s;
}

/** A screenshot of a section of the runs page into e2e/artifacts (the harness's own shoots the main page). */
async function shot(ctx: TestContext, name: string, section = 'section-charts'): Promise<void> {
  await shared(ctx)
    .page.getByTestId(section)
    .screenshot({ path: join(ctx.artifacts, `runs-${name}.png`) });
}

async function fill(p: Page, label: string, value: number): Promise<void> {
  await p.getByLabel(label, { exact: true }).fill(String(value));
}

async function trainRun(p: Page, count: number): Promise<void> {
  await p.getByTestId('start-run').click();
  await p.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="run"][data-status="ready"]').length >= n,
    count,
    { timeout: 180_000, polling: 250 },
  );
}

/** The tick labels of a chart's x or y axis, as drawn (recharts draws them in the axis's tick-labels layer). */
async function tickLabels(p: Page, chart: string, axis: 'x' | 'y'): Promise<string[]> {
  const labels = await p
    .locator(`[data-testid="${chart}"] .recharts-${axis}Axis-tick-labels .recharts-cartesian-axis-tick-value`)
    .allTextContents();
  if (labels.length === 0) {
    const classes = await p
      .locator(`[data-testid="${chart}"] svg [class]`)
      .evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('class')))].join(' | '));
    throw new Error(`${chart}: no ${axis} tick labels found; classes drawn: ${classes}`);
  }
  return labels;
}

async function legendColour(p: Page, runId: string): Promise<string> {
  const c = await p
    .locator(
      `[data-testid="chart-loss"] [data-testid="legend-run"][data-run-id="${runId}"] [data-testid="legend-item"]`,
    )
    .first()
    .getAttribute('data-color');
  assert(c, `run ${runId} has a colour in the loss legend`);
  return c;
}

async function runIds(p: Page): Promise<string[]> {
  return p
    .locator('[data-testid="run-row"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id') ?? ''));
}

export const runsTests: E2ETest[] = [
  {
    name: 'runs: two short runs with different learning rates and seeds on the tiny fixtures',
    async run(ctx) {
      const server = await serveStatic(ctx.shared.dist as string);
      const p = await ctx.context.newPage();
      const errors: string[] = [];
      watchConsole(p, errors);
      ctx.shared.runs = {
        page: p,
        errors,
        close: async () => {
          await p.close().catch(() => {});
          await server.close();
        },
      } satisfies RunsShared;
      await p.goto(server.url);
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      await p.getByTestId('corpus-input').setInputFiles([ctx.fixtures.corpusFile]);
      await p.waitForSelector('[data-testid="corpus-row"][data-name="lunyu.txt"][data-status="ready"]', {
        timeout: 60_000,
      });
      await p.getByTestId('model-input').setInputFiles(ctx.fixtures.teacherFiles);
      await p.waitForSelector('[data-testid="model-row"][data-status="ready"]', { timeout: 60_000 });
      for (const [label, v] of [
        ['max_seq_length', 32],
        ['max_predictions_per_seq', 5],
        ['dupe_factor', 1],
        ['doc_stride', 32],
        ['short_seq_prob', 0],
      ] as const)
        await fill(p, label, v);
      await p.getByTestId('build-examples').click();
      await p.waitForSelector('[data-testid="example-set"][data-status="ready"]', { timeout: 90_000 });
      await fill(p, 'truncation_factor (top k)', 8);
      await fill(p, 'predict_batch_size', 8);
      await p.getByTestId('start-teacher').click();
      await p.waitForSelector('[data-testid="teacher-cache"][data-status="ready"]', { timeout: 120_000 });
      await fill(p, 'learning rate', 0.003);
      await fill(p, 'warmup steps', 2);
      await fill(p, 'training steps', STEPS);
      await fill(p, 'batch size', 4);
      await fill(p, 'evaluate every (steps)', 4);
      await fill(p, 'checkpoint every (steps)', 6);
      await trainRun(p, 1);
      await fill(p, 'learning rate', 0.001);
      await p.getByRole('form', { name: 'Run config' }).getByLabel('random seed', { exact: true }).fill('7');
      await trainRun(p, 2);
      assert((await runIds(p)).length === 2, 'two runs in the table');
      await p.getByTestId('section-charts').scrollIntoViewIfNeeded();
      await shot(ctx, 'two-trained');
    },
  },
  {
    name: 'runs: renamed with notes, compared side by side (differences highlighted), all kept after a reload',
    needs: ['runs: two short runs with different learning rates and seeds on the tiny fixtures'],
    async run(ctx) {
      const { page: p, errors } = shared(ctx);
      const [id1, id2] = await runIds(p);
      const row = (id: string) => p.locator(`[data-testid="run-row"][data-run-id="${id}"]`);
      // the table shows each run's own config and data
      assert((await row(id1).locator('[data-field="learning_rate"]').textContent()) === '0.003', 'run 1 lr 0.003');
      assert((await row(id2).locator('[data-field="learning_rate"]').textContent()) === '0.001', 'run 2 lr 0.001');
      assert((await row(id2).locator('[data-field="seed"]').textContent()) === '7', 'run 2 seed 7');
      assert((await row(id1).locator('[data-field="sources"]').textContent()) === 'lunyu.txt', 'sources: the corpus');
      assert((await row(id1).locator('[data-field="student_layers"]').textContent()) === '3 (0,1,2)', 'student layers');
      const best = await row(id1).locator('[data-field="best_agreement"]').textContent();
      assert(/%\s@\s\d+$/.test(best ?? ''), `best teacher agreement with its step: ${best}`);
      // a blank name is refused with a message, the run keeps its name
      const name1 = row(id1).getByTestId('run-name');
      await name1.fill('   ');
      await name1.press('Enter');
      await p.getByTestId('run-name-error').waitFor();
      assert((await row(id1).getAttribute('data-run-name')) === 'run 1', 'a blank name leaves "run 1"');
      await name1.fill('lr 3e-3 baseline');
      await name1.press('Enter');
      await row(id2).getByTestId('run-name').fill('lr 1e-3 seed 7');
      await row(id2).getByTestId('run-name').press('Tab');
      await row(id1).getByTestId('run-notes').fill('first try\nwarmup 2');
      for (const id of [id1, id2]) await row(id).getByTestId('compare-run').check();
      const differs = async () =>
        p
          .locator('[data-testid="compare-field"][data-differs="yes"]')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-field')).sort());
      const before = await differs();
      assert(JSON.stringify(before) === '["learning_rate","seed"]', `exactly lr and seed differ: ${before}`);
      const same = await p.getAttribute('[data-testid="compare-field"][data-field="loss"]', 'data-differs');
      assert(same === 'no', 'the loss is the same and not highlighted');
      await p.getByTestId('run-compare').scrollIntoViewIfNeeded();
      await shot(ctx, 'compare');
      // the legend names each run with the config that differs
      const legend = await p.locator('[data-testid="chart-loss"] [data-testid="legend-run"]').allTextContents();
      assert(
        legend.some(
          (t) => t.includes('lr 3e-3 baseline') && t.includes('learning rate 0.003') && t.includes('seed 12345'),
        ),
        `legend names run 1 and its config: ${legend.join(' | ')}`,
      );
      // the page saves a moment after each change
      await p.waitForTimeout(800);
      errors.length = 0;
      await p.reload();
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      await p.waitForSelector('[data-testid="loss-summary-run"][data-count="12"]', { timeout: 30_000 });
      assert((await row(id1).getAttribute('data-run-name')) === 'lr 3e-3 baseline', 'run 1 renamed after reload');
      assert((await row(id2).getAttribute('data-run-name')) === 'lr 1e-3 seed 7', 'run 2 renamed after reload');
      assert((await row(id1).getByTestId('run-notes').inputValue()) === 'first try\nwarmup 2', 'notes kept');
      assert(await row(id2).getByTestId('compare-run').isChecked(), 'the comparison kept');
      const after = await differs();
      assert(JSON.stringify(after) === JSON.stringify(before), `same differences after reload: ${after}`);
      await p.waitForTimeout(1000);
      assert(errors.length === 0, `no console errors on loading a page with runs: ${errors.join(' | ')}`);
      await shot(ctx, 'after-reload');
    },
  },
  {
    name: 'charts: a run keeps its colour when another is hidden; whole-number steps; labels never repeat; min and last',
    needs: ['runs: renamed with notes, compared side by side (differences highlighted), all kept after a reload'],
    async run(ctx) {
      const { page: p } = shared(ctx);
      const [id1, id2] = await runIds(p);
      const c1 = await legendColour(p, id1);
      const c2 = await legendColour(p, id2);
      assert(c1 !== c2, `two runs, two colours: ${c1}, ${c2}`);
      for (const chart of ['chart-loss', 'chart-lr', 'chart-speed', 'chart-eval']) {
        const xs = await tickLabels(p, chart, 'x');
        const ys = await tickLabels(p, chart, 'y');
        assert(xs.length >= 2 && xs.every((t) => /^\d+$/.test(t)), `${chart}: whole-number step ticks: ${xs}`);
        assert(new Set(xs).size === xs.length, `${chart}: x labels distinct: ${xs}`);
        assert(ys.length >= 2 && new Set(ys).size === ys.length, `${chart}: y labels distinct: ${ys}`);
      }
      const items = await p
        .locator('[data-testid="chart-loss"] [data-testid="legend-item"]')
        .evaluateAll((els) =>
          els.map((e) => [Number(e.getAttribute('data-min')), Number(e.getAttribute('data-last'))]),
        );
      assert(items.length >= 2, 'legend items for the loss series');
      for (const [min, last] of items) assert(Number.isFinite(min) && min <= last, `min ${min} ≤ last ${last}`);
      const text = await p.locator('[data-testid="chart-loss"] [data-testid="legend-item"]').first().textContent();
      assert(/min \d/.test(text ?? '') && /last \d/.test(text ?? ''), `legend shows min and last: ${text}`);
      // hide run 1: run 2 keeps its colour and its curve is drawn in it
      await p.getByRole('checkbox', { name: 'lr 3e-3 baseline', exact: true }).uncheck();
      assert(
        (await p.locator(`[data-testid="chart-loss"] [data-testid="legend-run"][data-run-id="${id1}"]`).count()) === 0,
        'run 1 hidden',
      );
      assert((await legendColour(p, id2)) === c2, 'run 2 keeps its colour when run 1 is hidden');
      const strokes = await p
        .locator('[data-testid="chart-loss"] path.recharts-curve')
        .evaluateAll((els) => els.map((e) => e.getAttribute('stroke')));
      assert(strokes.length > 0 && strokes.every((s) => s === c2), `run 2's curves in its colour: ${strokes}`);
      await shot(ctx, 'charts-run-1-hidden');
      await p.getByRole('checkbox', { name: 'lr 3e-3 baseline', exact: true }).check();
      assert((await legendColour(p, id1)) === c1, 'run 1 gets its own colour back');
    },
  },
  {
    name: 'charts: x by wall-clock time, zoom to a range, CSV with names and configs',
    needs: [
      'charts: a run keeps its colour when another is hidden; whole-number steps; labels never repeat; min and last',
    ],
    async run(ctx) {
      const { page: p } = shared(ctx);
      // a backwards range is named, not drawn as an empty chart without a word
      await p.getByTestId('zoom-from').fill('8');
      await p.getByTestId('zoom-to').fill('4');
      const backwards = await p.getByTestId('zoom-error').textContent();
      assert(/“from” \(8\) is past its “to” \(4\)/.test(backwards ?? ''), `backwards zoom explained: ${backwards}`);
      await p.getByTestId('zoom-from').fill('4');
      await p.getByTestId('zoom-to').fill('8');
      assert((await p.getByTestId('zoom-error').count()) === 0, 'the message goes once the range is right');
      const zoomed = (await tickLabels(p, 'chart-loss', 'x')).map(Number);
      assert(zoomed.length >= 2 && zoomed[0] >= 4 && zoomed[zoomed.length - 1] <= 8, `zoomed ticks in 4..8: ${zoomed}`);
      const pts = Number(await p.getAttribute('[data-testid="chart-lr"]', 'data-points'));
      assert(pts === 2 * 5, `steps 4 to 8 of two runs in the lr chart: ${pts}`);
      await p.getByTestId('section-charts').scrollIntoViewIfNeeded();
      await shot(ctx, 'charts-zoomed');
      await p.getByTestId('x-time').check();
      assert((await p.getAttribute('[data-testid="chart-loss"]', 'data-x')) === 'time', 'x axis by time');
      const ts = await tickLabels(p, 'chart-loss', 'x');
      assert(ts.length >= 2 && ts.every((t) => /^[\d.e-]+ (s|min|h)$/.test(t)), `time ticks: ${ts}`);
      assert(new Set(ts).size === ts.length, `time labels distinct: ${ts}`);
      assert((await p.getByTestId('zoom-from').inputValue()) === '', 'switching the axis resets the zoom');
      await shot(ctx, 'charts-by-time');
      await p.getByTestId('x-step').check();
      const [dl] = await Promise.all([p.waitForEvent('download'), p.getByTestId('export-csv').click()]);
      const csvPath = join(ctx.shared.work as string, 'runs-metrics.csv');
      await dl.saveAs(csvPath);
      const csv = await readFile(csvPath, 'utf8');
      const head = csv.slice(0, csv.indexOf('\n')).split(',');
      for (const col of ['run_id', 'run', 'notes', 'learning_rate', 'seed', 'teacher', 'sources', 'kind', 'step'])
        assert(head.includes(col), `CSV column ${col}: ${head}`);
      assert(head.slice(0, 4).join(',') === 'run_id,run,notes,learning_rate', `CSV starts with the run: ${head}`);
      const [id1, id2] = await runIds(p);
      // every row of a run starts with its id, name, notes (quoted: they hold a line break) and config
      const rows1 = csv.split(`${id1},lr 3e-3 baseline,"first try\nwarmup 2",0.003,`).length - 1;
      const rows2 = csv.split(`${id2},lr 1e-3 seed 7,,0.001,`).length - 1;
      assert(rows1 === STEPS + 4, `run 1: ${STEPS} steps and 4 evaluations in the CSV, found ${rows1}`);
      assert(rows2 === STEPS + 4, `run 2: ${STEPS} steps and 4 evaluations in the CSV, found ${rows2}`);
    },
  },
  {
    name: 'downloads: the student zip holds a model card (teacher, corpus, loss, steps, held-out size)',
    needs: ['runs: renamed with notes, compared side by side (differences highlighted), all kept after a reload'],
    async run(ctx) {
      const { page: p, errors } = shared(ctx);
      try {
        const [dl] = await Promise.all([
          p.waitForEvent('download', { timeout: 60_000 }),
          p.getByTestId('download-hf').first().click(),
        ]);
        const zipPath = join(ctx.shared.work as string, `runs-${dl.suggestedFilename()}`);
        await dl.saveAs(zipPath);
        const zip = unzipSync(new Uint8Array(await readFile(zipPath)));
        const entry = Object.keys(zip).find((n) => n.endsWith('/README.md'));
        assert(entry, `the zip has README.md: ${Object.keys(zip).join(', ')}`);
        const card = new TextDecoder().decode(zip[entry]);
        for (const want of [
          '# lr 3e-3 baseline',
          '> first try',
          'distilled from **',
          '- Sources: lunyu.txt (',
          '`--max_seq_length=32`',
          'top-8 probabilities per masked position',
          'Preset: original',
          `- Steps: ${STEPS} trained of ${STEPS} planned`,
          '- Learning rate: 0.003',
          '- Seed: 12345',
          'held-out example',
          '| last (these weights) | 12 |',
        ])
          assert(card.includes(want), `model card has "${want}":\n${card}`);
        assert(/Measured on \d+ held-out examples?/.test(card), 'the held-out size beside the metrics');
        assert(errors.length === 0, `no console errors on the runs page: ${errors.join(' | ')}`);
        await p.getByTestId('section-downloads').scrollIntoViewIfNeeded();
        await shot(ctx, 'download', 'section-downloads');
      } finally {
        await shared(ctx).close();
      }
    },
  },
];
