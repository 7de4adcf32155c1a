/**
 * Job control as the researcher sees it (issue #13, points 3, 4 and 7), on an origin of its own
 * (a second server on a new port: empty storage whatever ran before; wasm by the header's
 * override, so no first-visit probe):
 *
 * - Stop shows "stopping" at once and "stopped" when the worker confirms, within a batch; while a
 *   pass over a set runs (or stops), no second pass over it can start: the button is disabled and
 *   says why. The same for training, with one run at a time.
 * - A run paused, reloaded and resumed logs its final evaluation, and a second reload still shows it.
 * - Every evaluation shows what it was measured on and its 95% interval, and says so when that is
 *   too few positions.
 */
import type { Page } from 'playwright-core';
import { assert, watchConsole, type E2ETest, type TestContext } from './harness.ts';
import { serveStatic } from './server.ts';

const OVERRIDE_KEY = 'wwm.backendOverride';
const STEPS = 100;
const EVAL_EVERY = 25;

interface Own {
  page: Page;
  close(): Promise<void>;
  errors: string[];
}

/** The list's own page on its own origin (made by the first test, closed by the last). */
function own(ctx: TestContext): Own {
  const o = ctx.shared.runControl as Own | undefined;
  assert(o, 'the run-control page was opened by the first test');
  return o;
}

async function shot(ctx: TestContext, name: string): Promise<void> {
  const main = ctx.page;
  ctx.page = own(ctx).page;
  try {
    await ctx.screenshot(name);
  } finally {
    ctx.page = main;
  }
}

async function attr(p: Page, selector: string, name: string): Promise<string> {
  return (await p.getAttribute(selector, name)) ?? '';
}

async function waitAttrAtLeast(p: Page, selector: string, name: string, atLeast: number, timeout: number) {
  await p.waitForFunction(
    ([s, a, n]) => Number(document.querySelector(s as string)?.getAttribute(a as string)) >= (n as number),
    [selector, name, atLeast] as const,
    { timeout, polling: 50 },
  );
}

/**
 * Clicks a button of a running entry in the page itself: the entry's head line grows with its step
 * count, so the button moves with every metric batch and Playwright's "stable" wait can time out.
 */
async function press(p: Page, selector: string): Promise<void> {
  await p.evaluate((sel) => (document.querySelector(sel) as HTMLButtonElement).click(), selector);
}

interface Seen {
  status: string;
  /** performance.now() in the page when it showed this status */
  at: number;
  /** the entry's note while it shows this status */
  note: string;
  startDisabled: boolean;
}

/**
 * Clicks `button` and records every status the entry then shows (a MutationObserver sees each
 * render, however quickly the worker answers), with its note and whether `start` was disabled.
 */
async function clickAndWatch(p: Page, button: string, entry: string, note: string, start: string): Promise<void> {
  await p.evaluate(
    ([e, n, s]) => {
      const el = document.querySelector(e)!;
      const seen: Seen[] = [];
      (window as unknown as { __seen: Seen[] }).__seen = seen;
      new MutationObserver(() =>
        seen.push({
          status: el.getAttribute('data-status') ?? '',
          at: performance.now(),
          note: el.querySelector(n)?.textContent ?? '',
          startDisabled: (document.querySelector(s) as HTMLButtonElement | null)?.disabled ?? false,
        }),
      ).observe(el, { attributes: true, attributeFilter: ['data-status'] });
    },
    [entry, note, start] as const,
  );
  await press(p, button);
}

async function seenStatuses(p: Page): Promise<Seen[]> {
  return p.evaluate(() => (window as unknown as { __seen: Seen[] }).__seen);
}

/**
 * "stopping" (with its note, Start disabled) shown first, then "stopped"; returns the milliseconds
 * between the two as the page showed them (the worker's part of a Stop).
 */
function assertStoppingThenStopped(seen: Seen[], note: string): number {
  const statuses = seen.map((x) => x.status);
  assert(statuses[0] === 'stopping', `"stopping" is shown first after Stop: ${statuses.join(' → ')}`);
  assert(statuses.at(-1) === 'stopped', `then "stopped" once the worker confirms: ${statuses.join(' → ')}`);
  assert(seen[0].note === note, `while stopping it says "${note}": "${seen[0].note}"`);
  assert(seen[0].startDisabled, 'nothing new can start over it while it stops');
  return seen.at(-1)!.at - seen[0].at;
}

export const runControlTests: E2ETest[] = [
  {
    name: 'run control: a corpus, the tiny teacher and an example set on a fresh origin',
    async run(ctx) {
      const server = await serveStatic(ctx.shared.dist as string);
      const page = await ctx.context.newPage();
      const errors: string[] = [];
      watchConsole(page, errors);
      ctx.shared.runControl = {
        page,
        errors,
        close: async () => {
          await page.close();
          await server.close();
        },
      } satisfies Own;
      await page.goto(server.url);
      await page.evaluate(([k, v]) => localStorage.setItem(k, v), [OVERRIDE_KEY, 'wasm'] as const);
      await page.reload();
      await page.waitForSelector('[data-testid="app"][data-restored="yes"]');
      await page.getByTestId('corpus-input').setInputFiles([ctx.fixtures.corpusFile]);
      await page.waitForSelector('[data-testid="corpus-row"][data-status="ready"]', { timeout: 60_000 });
      await page.getByTestId('model-input').setInputFiles(ctx.fixtures.teacherFiles);
      await page.waitForSelector('[data-testid="model-row"][data-status="ready"]', { timeout: 60_000 });
      for (const [label, v] of [
        ['max_seq_length', 32],
        ['max_predictions_per_seq', 5],
        ['dupe_factor', 2],
        ['doc_stride', 32],
        ['short_seq_prob', 0],
      ] as const) {
        await page.getByLabel(label, { exact: true }).fill(String(v));
      }
      await page.getByTestId('build-examples').click();
      await page.waitForSelector('[data-testid="example-set"][data-status="ready"]', { timeout: 90_000 });
      const count = Number(await attr(page, '[data-testid="example-set"]', 'data-count'));
      assert(count >= 100, `enough examples for a pass of many one-example batches: ${count}`);
    },
  },
  {
    name: 'teacher pass: Stop shows "stopping" at once and "stopped" within a batch; no second pass over the set meanwhile',
    needs: ['run control: a corpus, the tiny teacher and an example set on a fresh origin'],
    async run(ctx) {
      const p = own(ctx).page;
      await p.getByLabel('truncation_factor (top k)', { exact: true }).fill('8');
      await p.getByLabel('predict_batch_size', { exact: true }).fill('2');
      const start = p.getByTestId('start-teacher');
      assert(await start.isEnabled(), 'the pass can start while none runs');
      await start.click();
      const cache = '[data-testid="teacher-cache"]';
      await p.waitForSelector(
        `${cache}[data-status="running"] [data-testid="teacher-progress"][data-unit="examples"]`,
        {
          timeout: 60_000,
        },
      );
      await waitAttrAtLeast(p, `${cache} [data-testid="teacher-progress"]`, 'data-done', 2, 60_000);

      // One pass per set and teacher: the button is disabled and says why, while running and paused.
      assert(await start.isDisabled(), 'Run the teacher pass is disabled while a pass over the set runs');
      const reason = await p.getByTestId('teacher-blocked').textContent();
      assert(/a pass for this set .* is running: stop it first/.test(reason ?? ''), `the reason is shown: ${reason}`);
      await press(p, '[data-testid="pause-teacher"]');
      await p.waitForSelector(`${cache}[data-status="paused"]`);
      assert(await start.isDisabled(), 'still disabled while the pass is paused');
      assert(/is paused/.test((await p.getByTestId('teacher-blocked').textContent()) ?? ''), 'paused, it says so');
      await shot(ctx, 'runcontrol-teacher-blocked');
      await press(p, '[data-testid="resume-teacher"]');
      await p.waitForSelector(`${cache}[data-status="running"]`);
      await waitAttrAtLeast(p, `${cache} [data-testid="teacher-progress"]`, 'data-done', 4, 60_000);

      // Stop while it computes: "stopping" on the next frame, "stopped" once the worker confirms.
      const t0 = Date.now();
      await clickAndWatch(
        p,
        '[data-testid="stop-teacher"]',
        cache,
        '[data-testid="teacher-stopping"]',
        '[data-testid="start-teacher"]',
      );
      await p.waitForSelector(`${cache}[data-status="stopped"]`, { timeout: 60_000 });
      const clickToStopped = Date.now() - t0;
      const ms = assertStoppingThenStopped(await seenStatuses(p), 'stopping after this batch…');
      const stored = Number(await attr(p, '[data-testid="teacher-stored"]', 'data-done'));
      const total = Number(await attr(p, '[data-testid="teacher-stored"]', 'data-total'));
      assert(stored < total, `the pass stopped before its end: ${stored} of ${total}`);
      console.log(
        `    teacher pass: "stopping" → "stopped" in ${Math.round(ms)} ms (click to stopped ${clickToStopped} ms), at ${stored} of ${total} examples (batches of 2)`,
      );
      assert(ms < 5_000, `stopped within a batch (of 2 examples), not tens of seconds: ${ms} ms`);
      assert(await start.isEnabled(), 'a pass can start again once stopped');
      await shot(ctx, 'runcontrol-teacher-stopped');

      // Continue computes the rest; two passes never ran side by side.
      await p.getByTestId('continue-teacher').click();
      await p.waitForSelector(`${cache}[data-status="ready"]`, { timeout: 120_000 });
      assert((await p.locator(cache).count()) === 1, 'one cache for the set, continued, not a second one');
    },
  },
  {
    name: 'training: paused, reloaded and resumed, the run logs its final evaluation, shown with its size and interval after another reload',
    needs: [
      'teacher pass: Stop shows "stopping" at once and "stopped" within a batch; no second pass over the set meanwhile',
    ],
    async run(ctx) {
      const p = own(ctx).page;
      for (const [label, v] of [
        ['learning rate', 0.003],
        ['warmup steps', 2],
        ['training steps', STEPS],
        ['batch size', 4],
        ['evaluate every (steps)', EVAL_EVERY],
        ['checkpoint every (steps)', EVAL_EVERY],
      ] as const) {
        await p.getByLabel(label, { exact: true }).fill(String(v));
      }
      const start = p.getByTestId('start-run');
      await start.click();
      const run = '[data-testid="run"]';
      await waitAttrAtLeast(p, run, 'data-step', 1, 60_000);
      assert(await start.isDisabled(), 'Start training is disabled while a run trains');
      const reason = await p.getByTestId('training-blocked').textContent();
      assert(/run 1 is (running|paused): stop it first/.test(reason ?? ''), `the reason is shown: ${reason}`);
      await press(p, '[data-testid="pause-run"]');
      await p.waitForSelector(`${run}[data-status="paused"]`);
      // the pause saved a checkpoint at the step it paused after
      await p.waitForFunction(
        (s) => {
          const el = document.querySelector(s);
          return !!el && el.getAttribute('data-checkpoint') === el.getAttribute('data-step');
        },
        run,
        { timeout: 30_000 },
      );
      const pausedAt = Number(await attr(p, run, 'data-step'));
      assert(pausedAt < STEPS, `paused before the end: at ${pausedAt}`);
      await p.reload();
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      await p.waitForSelector('[data-testid="resume-offer"]', { timeout: 30_000 });
      await p.getByTestId('resume-run').click();
      await p.waitForSelector(`${run}[data-status="ready"]`, { timeout: 120_000 });

      const expected = STEPS / EVAL_EVERY + 1; // 0, 25, 50, 75, 100
      const check = async (when: string) => {
        const last = p.locator(`${run} [data-testid="held-out-scores"]`);
        await last.waitFor({ timeout: 30_000 });
        const step = Number(await last.getAttribute('data-step'));
        assert(step === STEPS, `${when}: the last evaluation is at step ${STEPS}, not ${step}`);
        const line = (await p.getByTestId('run-last-eval').textContent()) ?? '';
        assert(line.includes(`${expected} in all`), `${when}: ${expected} evaluations in all: ${line}`);
        const positions = Number(await last.getAttribute('data-positions'));
        const examples = Number(await last.getAttribute('data-examples'));
        assert(positions > 0 && examples > 0 && positions <= 5 * examples, `${when}: sizes ${positions}/${examples}`);
        const agreement = Number(await last.getAttribute('data-agreement'));
        const low = Number(await last.getAttribute('data-agreement-low'));
        const high = Number(await last.getAttribute('data-agreement-high'));
        assert(
          low <= agreement && agreement <= high && high - low > 0,
          `${when}: interval ${low} ≤ ${agreement} ≤ ${high}`,
        );
        const text = (await last.textContent()) ?? '';
        assert(
          new RegExp(
            `teacher agreement [\\d.]+% \\(95% CI [\\d.]+–[\\d.]+%\\).* on ${positions} masked positions of ${examples} held-out examples`,
          ).test(text),
          `${when}: the score reads with its interval and size: ${text}`,
        );
        const warning = p.locator(`${run} [data-testid="held-out-warning"]`);
        if (positions < 30) {
          const w = await warning.textContent();
          assert(
            w?.includes(`only ${positions} masked positions scored (fewer than 30)`),
            `${when}: too few positions is said plainly: ${w}`,
          );
        } else {
          assert((await warning.count()) === 0, `${when}: no warning on ${positions} positions`);
        }
        return { positions, examples, text };
      };
      const afterResume = await check('after the resume');
      await shot(ctx, 'runcontrol-resumed-final-eval');
      await p.reload();
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      await p.waitForSelector(`${run}[data-status="ready"]`);
      const afterReload = await check('after another reload');
      assert(afterReload.text === afterResume.text, 'the reload shows the same final evaluation');
      const latest = await p.getByTestId('chart-eval-latest').textContent();
      assert(
        latest?.includes(`at step ${STEPS}`) && latest.includes('95% CI'),
        `the charts' latest evaluation: ${latest}`,
      );
      await p.getByTestId('section-charts').scrollIntoViewIfNeeded();
      await shot(ctx, 'runcontrol-reloaded-final-eval');
      console.log(`    paused at step ${pausedAt}; final evaluation: ${afterReload.text}`);
    },
  },
  {
    name: 'training: Stop shows "stopping" at once and "stopped" within a step; Start is disabled meanwhile',
    needs: [
      'training: paused, reloaded and resumed, the run logs its final evaluation, shown with its size and interval after another reload',
    ],
    async run(ctx) {
      const p = own(ctx).page;
      await p.getByLabel('training steps', { exact: true }).fill('100000');
      const start = p.getByTestId('start-run');
      assert(await start.isEnabled(), 'a new run can start once the first finished');
      await start.click();
      const run = '[data-testid="run"]:nth-child(2)';
      await waitAttrAtLeast(p, run, 'data-step', 3, 60_000);
      const t0 = Date.now();
      await clickAndWatch(
        p,
        `${run} [data-testid="stop-run"]`,
        run,
        '[data-testid="run-stopping"]',
        '[data-testid="start-run"]',
      );
      await p.waitForSelector(`${run}[data-status="stopped"]`, { timeout: 60_000 });
      const clickToStopped = Date.now() - t0;
      const ms = assertStoppingThenStopped(await seenStatuses(p), 'stopping after this step…');
      const step = Number(await attr(p, run, 'data-step'));
      console.log(
        `    training: "stopping" → "stopped" in ${Math.round(ms)} ms (click to stopped ${clickToStopped} ms: the page is busy while a run streams metrics), at step ${step} of 100000`,
      );
      assert(step < 100000 && ms < 5_000, `stopped within a step: ${ms} ms at step ${step}`);
      assert(await start.isEnabled(), 'Start is enabled again once stopped');
      await shot(ctx, 'runcontrol-run-stopped');
      const errors = own(ctx).errors;
      assert(errors.length === 0, `no console errors: ${errors.join(' | ')}`);
      await own(ctx).close();
    },
  },
];
