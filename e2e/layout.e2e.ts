/**
 * The dashboard layout and the wording (issue #13, points 8 and 9), on the built page.
 *
 * The demo runs on wasm (the fast backend here; the previous override is put back at the end)
 * with sizes of its own, so it makes its own example set, cache and run whatever ran before.
 * While it trains, at 1280×800 and at 390×844, the running job's progress and the live loss
 * chart are in the viewport and uncovered, scrolled to the top, the middle and the bottom of the
 * page; the page with the demo and an e2e corpus loaded stays well under the old 5,000 px; on
 * the narrow window the keyboard's focus is never hidden under the pinned pane. Then: the
 * demo says what its teacher pass's numbers count, the Teacher pass form shows the demo's top-16
 * and keeps it after a reload, and the page never calls the original project "seed".
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { assert, type E2ETest, type TestContext } from './harness.ts';

/** The demo at sizes of its own: 2 KB of corpus, top-16, enough steps to measure while it trains (stopped after). */
const LAYOUT_DEMO = 'demo_kb=2&demo_k=16&demo_predict_batch=8&demo_steps=400&demo_batch=4&demo_eval=200';
const OVERRIDE_KEY = 'wwm.backendOverride';
/** An origin of its own (Chromium resolves *.localhost here): empty storage, so the page's height is the demo's alone. */
const layoutOrigin = (url: string) => url.replace('127.0.0.1', 'layout.localhost');
/** The old one-column page with previews open was 5,000–6,700 px tall (issue #13). */
const OLD_HEIGHT = 5000;

const TRAINING_PROGRESS = '[data-testid="live-job"][data-section="training"] [data-testid="live-progress"]';
const LIVE_CHART = '[data-testid="live-chart"]';

/** Where an element is, and whether the point at its centre is the element itself (not covered). */
async function inView(page: Page, selector: string) {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {
      x: r.left,
      y: r.top,
      width: r.width,
      height: r.height,
      viewportWidth: innerWidth,
      viewportHeight: innerHeight,
      uncovered: !!top && el.contains(top),
    };
  });
}

/** The progress and the live chart are inside the viewport and uncovered at the top, middle and bottom of the page. */
async function assertLiveInView(ctx: TestContext, label: string): Promise<string[]> {
  const p = ctx.page;
  const seen: string[] = [];
  for (const where of ['top', 'middle', 'bottom'] as const) {
    await p.evaluate((w) => {
      const max = document.documentElement.scrollHeight - innerHeight;
      scrollTo(0, w === 'top' ? 0 : w === 'middle' ? max / 2 : max);
    }, where);
    await p.waitForTimeout(100);
    for (const [what, selector] of [
      ['progress', TRAINING_PROGRESS],
      ['chart', LIVE_CHART],
    ] as const) {
      const box = await inView(p, selector);
      const inside =
        box.x >= 0 &&
        box.y >= 0 &&
        box.x + box.width <= box.viewportWidth + 0.5 &&
        box.y + box.height <= box.viewportHeight + 0.5;
      assert(
        inside && box.uncovered && box.height > 0,
        `${label}, scrolled to the ${where}: the ${what} is in the viewport and uncovered: ${JSON.stringify(box)}`,
      );
      seen.push(`${where} ${what} y ${Math.round(box.y)}–${Math.round(box.y + box.height)}`);
    }
  }
  return seen;
}

const pageHeight = (p: Page) => p.evaluate(() => document.documentElement.scrollHeight);

async function viewportShot(ctx: TestContext, name: string): Promise<void> {
  await ctx.page.screenshot({ path: join(ctx.artifacts, `layout-${name}.png`) });
}

export const layoutTests: E2ETest[] = [
  {
    name: 'layout: while the demo trains, its progress and the live loss chart stay in view at 1280×800 and 390×844',
    async run(ctx) {
      const p = ctx.page;
      await p.goto(layoutOrigin(ctx.url));
      ctx.shared.layoutOverride = await p.evaluate((k) => localStorage.getItem(k), OVERRIDE_KEY);
      await p.evaluate((k) => localStorage.setItem(k, 'wasm'), OVERRIDE_KEY);
      await p.setViewportSize({ width: 1280, height: 800 });
      await p.goto(`${layoutOrigin(ctx.url)}?${LAYOUT_DEMO}`);
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      // A corpus of the researcher's own beside the demo's: its preview is collapsed too.
      await p.getByTestId('corpus-input').setInputFiles([ctx.fixtures.corpusFile]);
      await p.waitForSelector('[data-testid="corpus-row"][data-name="lunyu.txt"][data-status="ready"]', {
        timeout: 60_000,
      });
      await p.waitForSelector('[data-testid="backend-train"][data-backend="wasm"]', { timeout: 60_000 });
      await p.getByTestId('try-demo').click();
      await p.waitForSelector(TRAINING_PROGRESS, { timeout: 180_000 });
      await p.waitForFunction(
        (sel) => Number(document.querySelector(sel)?.getAttribute('data-points')) >= 2,
        LIVE_CHART,
        { timeout: 120_000, polling: 200 },
      );
      // the live chart draws its loss line (a mismatched data key once left it an empty grid)
      await p.waitForFunction(
        (sel) => (document.querySelector(`${sel} .recharts-line-curve`)?.getAttribute('d') ?? '').length > 10,
        LIVE_CHART,
        {
          timeout: 30_000,
          polling: 200,
        },
      );

      // The demo's teacher pass names what its numbers count.
      const detail = p.getByTestId('demo-teacher-detail');
      await detail.waitFor({ timeout: 60_000 });
      await p.waitForSelector('[data-testid="demo-teacher-detail"][data-positions]:not([data-positions=""])', {
        timeout: 60_000,
      });
      const positions = Number(await detail.getAttribute('data-positions'));
      const examples = Number(await detail.getAttribute('data-examples'));
      const text = (await detail.textContent()) ?? '';
      assert(
        text ===
          `top-16 probabilities at ${positions.toLocaleString('en-US')} masked positions of ${examples.toLocaleString('en-US')} examples`,
        `the teacher pass says top-k, masked positions and examples: "${text}"`,
      );
      assert(positions >= examples && examples > 0, `every example has a masked position: ${positions} ≥ ${examples}`);
      // the demo's max_predictions_per_seq is 10: masked positions, not the 10 slots of every example
      assert(positions <= examples * 10, `masked positions within the prediction slots: ${positions}`);

      const previews = await p.$$eval('details.preview', (ds) => ds.map((d) => (d as HTMLDetailsElement).open));
      assert(previews.length >= 2, `both corpora have a preview: ${previews.length}`);
      assert(
        previews.every((open) => !open),
        `corpus previews are collapsed by default: ${previews.join(',')}`,
      );
      const wideHeight = await pageHeight(p);
      // 2,939 px alone; on a first visit the header's probe table adds to it
      assert(wideHeight < OLD_HEIGHT, `the page is under the old ${OLD_HEIGHT}–6,700 px at 1280×800: ${wideHeight} px`);
      const beside = await p.evaluate(() => {
        const steps = document.querySelector('.steps')!.getBoundingClientRect();
        const live = document.querySelector('[data-testid="live"]')!.getBoundingClientRect();
        return { stepsRight: steps.right, liveLeft: live.left, liveWidth: live.width };
      });
      assert(beside.liveLeft >= beside.stepsRight, `the live pane is beside the steps: ${JSON.stringify(beside)}`);
      const wide = await assertLiveInView(ctx, '1280×800');
      await p.evaluate(() => scrollTo(0, 0));
      await viewportShot(ctx, '1280x800-training');
      await ctx.screenshot('layout-1280x800-training');

      await p.setViewportSize({ width: 390, height: 844 });
      await p.waitForTimeout(300);
      const narrowHeight = await pageHeight(p);
      const overflow = await p.evaluate(() => ({
        px: document.documentElement.scrollWidth - innerWidth,
        wide: [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5)
          .slice(-5)
          .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${el.textContent?.slice(0, 30)}`),
      }));
      assert(
        overflow.px <= 0,
        `one column: nothing wider than the 390 px window (${overflow.px} px over: ${overflow.wide.join(' | ')})`,
      );
      const live = await inView(p, '[data-testid="live"]');
      const column = await p.evaluate(() => document.querySelector('.steps')!.getBoundingClientRect().width);
      assert(
        live.width >= column - 1 && live.y + live.height >= live.viewportHeight - 1,
        `the live pane spans the one column (${column} px) and is pinned to the window's bottom: ${JSON.stringify(live)}`,
      );
      const narrow = await assertLiveInView(ctx, '390×844');
      await p.evaluate(() => document.getElementById('training')?.scrollIntoView());
      await viewportShot(ctx, '390x844-training');
      await ctx.screenshot('layout-390x844-training');
      console.log(
        `    page height with the demo and a corpus loaded: ${wideHeight} px at 1280×800, ${narrowHeight} px at 390×844 (old: ${OLD_HEIGHT}–6,700 px)`,
      );
      console.log(`    1280×800: ${wide.join(', ')}`);
      console.log(`    390×844: ${narrow.join(', ')}`);
      ctx.shared.layoutHeights = { wideHeight, narrowHeight };
    },
  },
  {
    name: 'layout: on a narrow window the keyboard focus is never hidden under the pinned pane',
    needs: ['layout: while the demo trains, its progress and the live loss chart stay in view at 1280×800 and 390×844'],
    async run(ctx) {
      const p = ctx.page;
      assert(await p.locator(TRAINING_PROGRESS).isVisible(), 'the demo is still training (the pane is pinned)');
      await p.evaluate(() => scrollTo(0, 0));
      // The keyboard flow starts as before the dashboard: the header's backend choice, then "Try the demo".
      // (a click on the title starts the keyboard's sequence at the top of the page)
      await p.locator('header h1').click();
      const stops: (string | undefined)[] = [];
      for (let i = 0; i < 2; i++) {
        await p.keyboard.press('Tab');
        stops.push(
          await p.evaluate(() => {
            const el = document.activeElement as HTMLElement | null;
            return el?.dataset.testid ?? el?.tagName.toLowerCase();
          }),
        );
      }
      assert(
        stops[0] === 'backend-override' && stops[1] === 'try-demo',
        `the first tab stops are the backend choice and the demo button: ${stops.join(', ')}`,
      );
      const hidden: string[] = [];
      let checked = 0;
      for (let i = 0; i < 40; i++) {
        await p.keyboard.press('Tab');
        const r = await p.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          const live = document.querySelector('[data-testid="live"]');
          if (!el || !live || live.contains(el) || el === document.body) return null;
          const box = el.getBoundingClientRect();
          const pane = live.getBoundingClientRect();
          const name = `${el.tagName.toLowerCase()} ${el.getAttribute('data-testid') ?? el.getAttribute('name') ?? el.textContent?.trim().slice(0, 30) ?? ''}`;
          return { name, bottom: box.bottom, top: box.top, paneTop: pane.top, height: innerHeight };
        });
        if (!r) continue;
        checked++;
        if (r.bottom > r.paneTop + 0.5 || r.top < 0)
          hidden.push(`${r.name} (${Math.round(r.top)}–${Math.round(r.bottom)}, pane from ${Math.round(r.paneTop)})`);
      }
      assert(checked >= 20, `tabbed through at least 20 controls: ${checked}`);
      assert(hidden.length === 0, `focused controls hidden under the pinned pane: ${hidden.join('; ')}`);
      await viewportShot(ctx, '390x844-keyboard');
      await ctx.screenshot('layout-390x844-keyboard');
      // End the long demo run with a reload (it is then offered for resuming): the rest needs no training.
      await p.setViewportSize({ width: 1280, height: 800 });
      await p.reload();
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      await p.waitForSelector('[data-testid="live"][data-jobs="0"]', { timeout: 30_000 });
    },
  },
  {
    name: 'wording: the Teacher pass form shows the demo\'s top-16 after a reload; no "seed" for the original',
    needs: ['layout: while the demo trains, its progress and the live loss chart stay in view at 1280×800 and 390×844'],
    async run(ctx) {
      const p = ctx.page;
      const form = async () => ({
        k: await p.getByLabel('truncation_factor (top k)', { exact: true }).inputValue(),
        batch: await p.getByLabel('predict_batch_size', { exact: true }).inputValue(),
      });
      const before = await form();
      assert(
        before.k === '16' && before.batch === '8',
        `the form shows the demo's top-16, batch 8: ${JSON.stringify(before)}`,
      );
      await p.reload();
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      const after = await form();
      assert(after.k === '16' && after.batch === '8', `after a reload too: ${JSON.stringify(after)}`);

      // "seed" only ever means a random seed.
      const words = await p.evaluate(() => {
        const parts = [document.body.textContent ?? ''];
        for (const o of document.querySelectorAll('option')) parts.push(o.textContent ?? '');
        for (const el of document.querySelectorAll('[title],[aria-label]'))
          parts.push(el.getAttribute('title') ?? '', el.getAttribute('aria-label') ?? '');
        return parts.join('\n');
      });
      const seeds = words.match(/[^\n]{0,30}seed[^\n]{0,30}/gi) ?? [];
      const wrong = seeds.filter((s) => !/random[ _]seed/i.test(s));
      assert(seeds.length > 0, 'the random seed fields are there');
      assert(wrong.length === 0, `"seed" used for something other than a random seed: ${wrong.join(' | ')}`);
      const modes = await p.locator('select[name="mode"] option').allTextContents();
      assert(
        modes.some((m) => m.startsWith('original')),
        `the example mode is called "original": ${modes.join(', ')}`,
      );
      assert(
        (await p.getByText('Data for the original 2020 scripts').count()) === 1,
        'Downloads says "Data for the original 2020 scripts"',
      );
      assert(
        (await p.getByRole('button', { name: "Reset to the original's defaults" }).count()) === 1,
        "the Examples form's reset button names the original",
      );
      await p.getByTestId('section-teacher').scrollIntoViewIfNeeded();
      await viewportShot(ctx, 'teacher-form-after-reload');
      await ctx.screenshot('wording-teacher-form');
    },
  },
  {
    name: 'layout: the backend override is put back and there were no console errors',
    async run(ctx) {
      const p = ctx.page;
      await p.setViewportSize({ width: 1280, height: 900 });
      const previous = ctx.shared.layoutOverride as string | null | undefined;
      await p.evaluate(([k, v]) => (v ? localStorage.setItem(k, v) : localStorage.removeItem(k)), [
        OVERRIDE_KEY,
        previous ?? null,
      ] as const);
      assert(ctx.consoleErrors.length === 0, `console errors: ${ctx.consoleErrors.join(' | ')}`);
    },
  },
];
