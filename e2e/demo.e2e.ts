/**
 * "Try the demo" on the built page: a missing demo folder gives an error next
 * to the button; the button (first in the tab order after the header's backend choice, pressed with the
 * keyboard) fetches the embedded demo from the page's own origin, builds
 * examples, caches the teacher outputs and trains a 3-layer student on webgpu
 * until an evaluation after training is on the chart; pressing it again reuses
 * everything stored. Runs after the workbench flow (same page and storage), so
 * it also shows the demo keeps to its own corpus. Sizes come from URL
 * parameters (src/store/demoPlan.ts) so the SwiftShader run stays short.
 */
import { assert, type E2ETest, type TestContext } from './harness.ts';

/** Small demo for SwiftShader: about 30 examples (1 held out), top-16, 4 steps of 4 with an evaluation every 2. */
const SMALL = 'demo_kb=1&demo_k=16&demo_predict_batch=8&demo_steps=4&demo_batch=4&demo_eval=2';

const stage = (id: string, state: string) => `[data-testid="demo-stage"][data-stage="${id}"][data-state="${state}"]`;

async function counts(ctx: TestContext): Promise<Record<string, number>> {
  const p = ctx.page;
  const n = async (testId: string) => p.locator(`[data-testid="${testId}"]`).count();
  return {
    corpora: await n('corpus-row'),
    models: await n('model-row'),
    exampleSets: await n('example-set'),
    caches: await n('teacher-cache'),
    runs: await n('run'),
  };
}

export const demoTests: E2ETest[] = [
  {
    name: 'demo: missing demo files give an error next to the button',
    async run(ctx) {
      const p = ctx.page;
      await p.goto(`${ctx.url}?demo_dir=no-such-demo`);
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      await p.getByRole('button', { name: 'Try the demo' }).click();
      await p.waitForSelector('[data-testid="demo"][data-status="error"]', { timeout: 30_000 });
      const msg = await p.getByTestId('demo-error').textContent();
      assert(
        msg?.includes('no-such-demo/corpus.txt') && /missing/.test(msg),
        `the error names the missing file: ${msg}`,
      );
      assert(await p.locator(stage('fetch', 'error')).isVisible(), 'the fetch stage is marked failed');
      await ctx.screenshot('demo-missing-files');
    },
  },
  {
    name: 'demo: one keyboard press builds examples, caches the teacher and trains on webgpu',
    async run(ctx) {
      const p = ctx.page;
      const before = await counts(ctx);
      await p.goto(`${ctx.url}?${SMALL}`);
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      await p.waitForSelector('[data-testid="backend-train"][data-backend]:not([data-backend=""])', {
        timeout: 60_000,
      });
      // Keyboard reachable: the first tab stop after the header's backend choice, labelled "Try the demo".
      await p.locator('body').focus();
      const stops: (string | undefined)[] = [];
      for (let i = 0; i < 2; i++) {
        await p.keyboard.press('Tab');
        stops.push(await p.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid));
      }
      assert(
        stops[0] === 'backend-override' && stops[1] === 'try-demo',
        `the demo button follows the header's backend choice in the tab order, stops: ${stops.join(', ')}`,
      );
      const t0 = Date.now();
      await p.keyboard.press('Enter');
      const at: Record<string, number> = {};
      const mark = async (name: string, selector: string, timeout: number) => {
        await p.waitForSelector(selector, { timeout });
        at[name] = (Date.now() - t0) / 1000;
      };
      await mark('fetched', stage('fetch', 'done'), 30_000);
      await mark('examples', stage('examples', 'done'), 90_000);
      await ctx.screenshot('demo-examples');
      await mark('teacher cache', stage('teacherPass', 'done'), 120_000);
      const setCount = Number(await p.getAttribute('[data-testid="example-set"]:last-child', 'data-count'));
      assert(setCount >= 20, `the demo built enough examples for a held-out split: ${setCount}`);
      await mark('first eval point (step 0)', '[data-testid="demo-agreement"]', 120_000);
      await mark('first training step', '[data-testid="demo-run"]:not([data-step="0"])', 120_000);
      await p.waitForFunction(
        () => Number(document.querySelector('[data-testid="demo-agreement"]')?.getAttribute('data-evals')) >= 2,
        undefined,
        { timeout: 180_000, polling: 200 },
      );
      at['first eval after training'] = (Date.now() - t0) / 1000;
      console.log(
        `    demo timings from the key press (s): ${Object.entries(at)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}`,
      );
      ctx.shared.demoTimings = at;
      const backend = await p.getAttribute('[data-testid="backend-train"]', 'data-backend');
      assert(backend === 'webgpu', `the training worker runs on webgpu, reported ${backend}`);
      const agreement = Number(await p.getAttribute('[data-testid="demo-agreement"]', 'data-agreement'));
      assert(agreement >= 0 && agreement <= 1, `teacher agreement is a fraction: ${agreement}`);
      assert(
        Number(await p.getAttribute('[data-testid="chart-eval"]', 'data-points')) > 0,
        'the evaluation chart has points',
      );
      const after = await counts(ctx);
      for (const k of Object.keys(before))
        assert(after[k] === before[k] + 1, `one new ${k} entry: ${before[k]} → ${after[k]}`);
      // The demo's examples come from its own corpus only, with its flags.
      const flags = await p.locator('[data-testid="demo-stage"][data-stage="examples"]').textContent();
      assert(/seq 64/.test(flags ?? '') && /whole-word/.test(flags ?? ''), `seq 64 with whole-word masking: ${flags}`);
      await ctx.screenshot('demo-training');
      await p.getByTestId('section-charts').scrollIntoViewIfNeeded();
      await ctx.screenshot('demo-chart');
      ctx.shared.demoCounts = after;
    },
  },
  {
    name: 'demo: pressing it again reuses what is stored',
    needs: ['demo: one keyboard press builds examples, caches the teacher and trains on webgpu'],
    async run(ctx) {
      const p = ctx.page;
      await p.getByTestId('try-demo').click();
      await p.waitForSelector('[data-testid="demo"][data-status="training"] [data-testid="demo-note"]', {
        timeout: 60_000,
      });
      const note = await p.getByTestId('demo-note').textContent();
      assert(
        /Reused the stored corpus, teacher, examples, teacher pass/.test(note ?? ''),
        `the note says what was reused: ${note}`,
      );
      for (const s of ['corpus', 'teacher', 'examples', 'teacherPass'])
        assert(await p.locator(stage(s, 'reused')).isVisible(), `${s} marked reused`);
      const now = await counts(ctx);
      const before = ctx.shared.demoCounts as Record<string, number>;
      for (const k of Object.keys(before)) assert(now[k] === before[k], `no new ${k} entry: ${before[k]} → ${now[k]}`);
      await p.waitForSelector('[data-testid="demo-run"][data-status="ready"]', { timeout: 120_000 });
      await ctx.screenshot('demo-again');
    },
  },
  {
    name: 'demo: no console errors',
    async run(ctx) {
      assert(ctx.consoleErrors.length === 0, `console errors: ${ctx.consoleErrors.join(' | ')}`);
    },
  },
];
