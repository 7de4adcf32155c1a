/**
 * Estimates before long jobs, chosen sources and named sets (issue #13, points 1 and 2, and the
 * [UNK] rate): the corpus card's [UNK] rate and unknown characters; the estimate before "Build
 * examples" (examples, cache bytes against the free storage, warnings, the persist offer); only
 * the ticked corpora are used, the cap is honoured, the set is named by its sources and flags;
 * the teacher pass and training show their estimates and the cache's bytes match; a reload keeps
 * all of it; "Try the demo" again after removing the demo corpus reuses its set and cache.
 * Works on a fresh profile (E2E_ONLY=estimates) and after the other lists (names are its own).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setBackendOverride } from './backendChoice.e2e.ts';
import { assert, type E2ETest, type TestContext } from './harness.ts';

const UNK_CORPUS = 'unk-corpus.txt';
const SECOND_CORPUS = 'second-corpus.txt';
/** Characters outside both the e2e teacher's and the demo teacher's vocabularies. */
const RARE = '龘';
const RARER = '鱻';

/** Small demo for SwiftShader (as demo.e2e.ts): about 30 examples, top-16, 4 steps of 4. */
const SMALL_DEMO = 'demo_kb=1&demo_k=16&demo_predict_batch=8&demo_steps=4&demo_batch=4&demo_eval=2';

const row = (name: string, status = 'ready') =>
  `[data-testid="corpus-row"][data-name="${name}"][data-status="${status}"]`;
const stage = (id: string, state: string) => `[data-testid="demo-stage"][data-stage="${id}"][data-state="${state}"]`;

async function setNumber(ctx: TestContext, label: string, value: number | string): Promise<void> {
  await ctx.page.getByLabel(label, { exact: true }).fill(String(value));
}

async function numAttr(ctx: TestContext, selector: string, attr: string): Promise<number> {
  return Number(await ctx.page.getAttribute(selector, attr));
}

/**
 * Presses a button from the keyboard. On this list's page, moving the focus off a number field grows
 * the corpus list by a line (no element in it changes size or text: a Chromium layout quirk around
 * the cards' rare characters), so a mouse press that starts on the button ends below it and the
 * click lands on the form; focusing first lets the page settle before the press.
 */
async function pressButton(ctx: TestContext, testId: string): Promise<void> {
  const b = ctx.page.getByTestId(testId);
  await b.focus();
  await b.press('Enter');
}

/** Ticks exactly the named corpora as sources of the next set. */
async function tickOnly(ctx: TestContext, names: string[]): Promise<void> {
  const boxes = ctx.page.locator('[data-testid="example-source"]');
  for (let i = 0; i < (await boxes.count()); i++) {
    const b = boxes.nth(i);
    const want = names.includes((await b.getAttribute('data-name')) ?? '');
    if ((await b.isChecked()) !== want) await b.setChecked(want);
  }
}

async function setSmallFlags(ctx: TestContext, dupe: number): Promise<void> {
  await setNumber(ctx, 'max_seq_length', 32);
  await setNumber(ctx, 'max_predictions_per_seq', 5);
  await setNumber(ctx, 'dupe_factor', dupe);
  await setNumber(ctx, 'doc_stride', 32);
  await setNumber(ctx, 'short_seq_prob', 0.1);
  await ctx.page.getByLabel('do_whole_word_mask').check();
}

/** The list's own origin (Chromium resolves *.localhost here). */
const estimatesOrigin = (url: string) => url.replace('127.0.0.1', 'estimates.localhost');

const allEstimateTests: E2ETest[] = [
  {
    name: 'estimates: the corpus card shows the [UNK] rate and the most frequent unknown characters',
    async run(ctx) {
      const p = ctx.page;
      // an origin of its own (empty storage whatever ran before), its workers on webgpu as the flow lists'
      await setBackendOverride(p, [estimatesOrigin(ctx.url)], 'webgpu');
      await p.goto(estimatesOrigin(ctx.url));
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      const lunyu = await readFile(ctx.fixtures.corpusFile, 'utf8');
      const [first, ...rest] = lunyu.split('\n\n');
      const work = ctx.shared.work as string;
      // 5 × 龘 and 2 × 鱻 inside the first chapter
      await writeFile(
        join(work, UNK_CORPUS),
        `${first}\n子曰${RARE.repeat(3)}学而${RARER}时习之${RARE.repeat(2)}${RARER}。\n`,
      );
      await writeFile(join(work, SECOND_CORPUS), `${rest.join('\n\n')}`);
      if ((await p.locator('[data-testid="model-row"][data-status="ready"]').count()) === 0) {
        await p.getByTestId('model-input').setInputFiles(ctx.fixtures.teacherFiles);
        await p.waitForSelector('[data-testid="model-row"][data-status="ready"]', { timeout: 60_000 });
      }
      await p.getByTestId('corpus-input').setInputFiles([join(work, UNK_CORPUS), join(work, SECOND_CORPUS)]);
      await p.waitForSelector(`${row(UNK_CORPUS)} [data-testid="corpus-unk"]`, { timeout: 60_000 });
      const unknown = await numAttr(ctx, `${row(UNK_CORPUS)} [data-testid="corpus-unk"]`, 'data-unknown');
      const tokens = await numAttr(ctx, `${row(UNK_CORPUS)} [data-testid="corpus-unk"]`, 'data-tokens');
      assert(unknown >= 7 && tokens > 100, `[UNK] counted: ${unknown} of ${tokens} tokens`);
      const rate = await p.locator(`${row(UNK_CORPUS)} [data-testid="corpus-unk-rate"]`).textContent();
      assert(/^\d+\.\d+% \(/.test(rate ?? ''), `the rate is shown as a percentage: ${rate}`);
      const top = (await p.locator(`${row(UNK_CORPUS)} [data-testid="corpus-unk-top"]`).textContent()) ?? '';
      assert(top.startsWith(`${RARE} ×5`) && top.includes(`${RARER} ×2`), `unknown characters by frequency: ${top}`);
      await p.locator(row(UNK_CORPUS)).scrollIntoViewIfNeeded();
      await ctx.screenshot('estimates-unk-rate');
    },
  },
  {
    name: 'estimates: Build examples shows its estimate, uses only the ticked corpora, honours the cap and names the set',
    needs: ['estimates: the corpus card shows the [UNK] rate and the most frequent unknown characters'],
    async run(ctx) {
      const p = ctx.page;
      await setSmallFlags(ctx, 2);
      await tickOnly(ctx, [UNK_CORPUS]);
      await p.waitForSelector('[data-testid="examples-estimate"]', { timeout: 60_000 });
      const title = await p.locator('[data-testid="examples-estimate"] .estimate-title').textContent();
      assert(title === `Estimate for ${UNK_CORPUS}`, `the estimate names its sources: ${title}`);
      const estimated = await numAttr(ctx, '[data-testid="estimate-examples"]', 'data-value');
      assert(estimated > 20, `examples estimated: ${estimated}`);
      const cacheBytes = await numAttr(ctx, '[data-testid="estimate-cache-bytes"]', 'data-value');
      // the cache is estimated at the Teacher pass form's top-k (128 by default; the demo sets 16)
      const k = Number(await p.getByLabel('truncation_factor (top k)', { exact: true }).inputValue());
      assert(k > 0, `the teacher pass form has a top-k: ${k}`);
      assert(cacheBytes > estimated * 5 * k * 4, `teacher cache bytes for top-${k} at 5 slots: ${cacheBytes}`);
      const storage = await p
        .locator('[data-testid="examples-estimate"] [data-testid="estimate-storage"]')
        .textContent();
      assert(/free of/.test(storage ?? ''), `the free storage is shown: ${storage}`);
      await p.getByTestId('section-examples').scrollIntoViewIfNeeded();
      await ctx.screenshot('estimates-before-build');

      // uncapped, from the ticked corpus only: the count is near the estimate
      await p.getByTestId('build-examples').click();
      const first = `[data-testid="example-set"][data-name="${UNK_CORPUS} · wwm · len 32 · dupe 2"]`;
      await p.waitForSelector(`${first}[data-status="ready"]`, { timeout: 90_000 });
      const built = await numAttr(ctx, first, 'data-count');
      const spread = await numAttr(ctx, '[data-testid="estimate-examples"]', 'data-spread');
      // whole-word splits drop some short spans: 10% on top of three standard deviations
      assert(
        Math.abs(built - estimated) <= 3 * spread + 0.1 * estimated,
        `built ${built} examples, estimated ${estimated} ± ${spread}`,
      );
      const summary = await p.locator(`${first} [data-testid="example-set-summary"]`).textContent();
      assert(
        summary?.startsWith(`from ${UNK_CORPUS} · original mode · whole-word masking · max_seq_length 32`) &&
          !summary.includes(SECOND_CORPUS),
        `the set shows its sources and flags: ${summary}`,
      );
      const countText = await p.locator(`${first} [data-testid="example-set-count"]`).textContent();
      assert(
        countText?.includes(`(estimated ${estimated.toLocaleString('en-US')}`),
        `count beside estimate: ${countText}`,
      );

      // capped at 10, from both corpora
      await tickOnly(ctx, [UNK_CORPUS, SECOND_CORPUS]);
      await p.getByTestId('example-cap').fill('10');
      await p.waitForFunction(
        () => document.querySelector('[data-testid="estimate-examples"]')?.getAttribute('data-value') === '10',
        undefined,
        { timeout: 30_000 },
      );
      const capped = await p.locator('[data-testid="estimate-examples"]').textContent();
      assert(/capped from/.test(capped ?? ''), `the estimate says it is capped: ${capped}`);
      await p.getByTestId('build-examples').click();
      const second = `[data-testid="example-set"][data-name="${UNK_CORPUS} + ${SECOND_CORPUS} · wwm · len 32 · dupe 2 · max 10"]`;
      await p.waitForSelector(`${second}[data-status="ready"]`, { timeout: 90_000 });
      assert((await numAttr(ctx, second, 'data-count')) === 10, 'the cap is honoured: 10 examples');
      const s2 = await p.locator(`${second} [data-testid="example-set-summary"]`).textContent();
      assert(s2?.includes('capped at 10 examples'), `the set shows its cap: ${s2}`);
      await ctx.screenshot('estimates-named-sets');
    },
  },
  {
    name: 'estimates: a huge build is warned about, and storage can be asked to persist',
    needs: [
      'estimates: Build examples shows its estimate, uses only the ticked corpora, honours the cap and names the set',
    ],
    async run(ctx) {
      const p = ctx.page;
      await p.getByTestId('example-cap').fill('');
      await setNumber(ctx, 'max_seq_length', 512);
      await setNumber(ctx, 'max_predictions_per_seq', 80);
      await setNumber(ctx, 'dupe_factor', 2_000_000);
      await setNumber(ctx, 'doc_stride', 1);
      await p.waitForSelector('[data-testid="examples-estimate"][data-warnings*="storage"]', { timeout: 30_000 });
      const warning = await p.locator('[data-testid="examples-estimate-warning"][data-kind="storage"]').textContent();
      assert(/storage free/.test(warning ?? ''), `the storage warning is visible: ${warning}`);
      await p.getByTestId('section-examples').scrollIntoViewIfNeeded();
      await ctx.screenshot('estimates-warning');
      const persist = p.locator('[data-testid="examples-estimate"] [data-testid="persist-storage"]');
      if (await persist.count()) {
        await persist.click();
        await p.waitForFunction(
          () => document.querySelector('[data-testid="estimate-storage"]')?.getAttribute('data-persisted') !== 'null',
          undefined,
          { timeout: 10_000 },
        );
      }
      const persisted = await p.getAttribute('[data-testid="estimate-storage"]', 'data-persisted');
      assert(persisted === 'true' || persisted === 'false', `the browser's answer is shown: ${persisted}`);
      await setSmallFlags(ctx, 2);
    },
  },
  {
    name: 'estimates: the teacher pass and training show their estimates, and the cache stores what was estimated',
    needs: [
      'estimates: Build examples shows its estimate, uses only the ticked corpora, honours the cap and names the set',
    ],
    async run(ctx) {
      const p = ctx.page;
      const setName = `${UNK_CORPUS} + ${SECOND_CORPUS} · wwm · len 32 · dupe 2 · max 10`;
      const section = p.getByTestId('section-teacher');
      const select = section.getByLabel('example set');
      await select.selectOption({ label: `${setName} (10 examples)` });
      await setNumber(ctx, 'truncation_factor (top k)', 16);
      await setNumber(ctx, 'predict_batch_size', 4);
      await p.waitForSelector('[data-testid="teacher-estimate"]', { timeout: 30_000 });
      const estimated = await numAttr(ctx, '[data-testid="teacher-estimate-bytes"]', 'data-value');
      await section.scrollIntoViewIfNeeded();
      await ctx.screenshot('estimates-teacher-pass');
      const before = await p.locator('[data-testid="teacher-cache"]').count();
      await pressButton(ctx, 'start-teacher');
      // on this origin's first visit the teacher worker may still be measuring the backends
      await p.waitForFunction((n) => document.querySelectorAll('[data-testid="teacher-cache"]').length > n, before, {
        timeout: 120_000,
      });
      const cache = p.locator('[data-testid="teacher-cache"]').last();
      await p.waitForSelector(`[data-testid="teacher-cache"]:last-child[data-status="ready"]`, { timeout: 120_000 });
      const stored = Number(await cache.getAttribute('data-stored-bytes'));
      assert(stored === estimated, `the cache stores the estimated bytes: ${stored} vs ${estimated}`);
      const name = await cache.getByTestId('teacher-cache-name').textContent();
      assert(name?.endsWith(`top-16 · ${setName}`), `the cache is named by its teacher, k and set: ${name}`);

      const training = p.getByTestId('section-training');
      await training.getByLabel('teacher cache').selectOption({ label: name ?? '' });
      await setNumber(ctx, 'training steps', 2);
      await setNumber(ctx, 'batch size', 4);
      await setNumber(ctx, 'evaluate every (steps)', 2);
      await p.waitForSelector('[data-testid="training-estimate"]', { timeout: 30_000 });
      const t = await p.locator('[data-testid="training-estimate"]').textContent();
      assert(/2 steps of 4 examples/.test(t ?? '') && /time/.test(t ?? ''), `the run's estimate: ${t}`);
      await training.scrollIntoViewIfNeeded();
      await ctx.screenshot('estimates-training');
      const runsBefore = await p.locator('[data-testid="run"]').count();
      await pressButton(ctx, 'start-run');
      await p.waitForFunction((n) => document.querySelectorAll('[data-testid="run"]').length > n, runsBefore, {
        timeout: 30_000,
      });
      const data = await p.locator('[data-testid="run"]').last().getByTestId('run-data').textContent();
      assert(data === `data: ${name} · 10 examples`, `the run shows its data: ${data}`);
      ctx.shared.estimatesCache = name;
    },
  },
  {
    name: 'estimates: a reload keeps the [UNK] rate, the ticked corpora, the cap field and the set names',
    needs: ['estimates: the teacher pass and training show their estimates, and the cache stores what was estimated'],
    async run(ctx) {
      const p = ctx.page;
      await p.getByTestId('example-cap').fill('7');
      await p.waitForTimeout(600); // saved a moment after the change
      await p.reload();
      await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
      const top = await p.locator(`${row(UNK_CORPUS)} [data-testid="corpus-unk-top"]`).textContent();
      assert(top?.startsWith(`${RARE} ×5`), `the [UNK] figures survive: ${top}`);
      assert((await p.getByTestId('example-cap').inputValue()) === '7', 'the cap field survives');
      for (const [name, on] of [
        [UNK_CORPUS, true],
        [SECOND_CORPUS, true],
      ] as const)
        assert(
          (await p.locator(`[data-testid="example-source"][data-name="${name}"]`).isChecked()) === on,
          `${name} still ticked`,
        );
      for (const name of [
        `${UNK_CORPUS} · wwm · len 32 · dupe 2`,
        `${UNK_CORPUS} + ${SECOND_CORPUS} · wwm · len 32 · dupe 2 · max 10`,
      ])
        assert(
          (await p.locator(`[data-testid="example-set"][data-name="${name}"][data-status="ready"]`).count()) === 1,
          `set "${name}" survives`,
        );
      const cacheName = ctx.shared.estimatesCache as string;
      assert(
        (await p.getByTestId('teacher-cache-name').filter({ hasText: cacheName }).count()) === 1,
        'the cache keeps its name',
      );
      await p.getByTestId('example-cap').fill('');
      await ctx.screenshot('estimates-after-reload');
    },
  },
  {
    name: 'estimates: the demo corpus is not ticked by default, and the demo again after removing its corpus reuses its set and cache',
    async run(ctx) {
      const p = ctx.page;
      // wasm rather than SwiftShader's webgpu keeps this short (the flow lists test webgpu); restored after
      const overrideKey = 'wwm.backendOverride';
      const url = estimatesOrigin(ctx.url);
      await p.goto(url);
      const previous = await p.evaluate((k) => localStorage.getItem(k), overrideKey);
      await setBackendOverride(p, [url], 'wasm');
      try {
        await demoAgain(ctx);
      } finally {
        await setBackendOverride(p, [url], previous);
      }
    },
  },
  {
    name: 'estimates: no console errors',
    async run(ctx) {
      assert(ctx.consoleErrors.length === 0, `console errors: ${ctx.consoleErrors.join(' | ')}`);
    },
  },
];

/** The demo, its corpus removed, and the demo again. */
async function demoAgain(ctx: TestContext): Promise<void> {
  const p = ctx.page;
  const t0 = Date.now();
  const at: string[] = [];
  const mark = (what: string) => at.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)}`);
  await p.goto(`${estimatesOrigin(ctx.url)}?${SMALL_DEMO}`);
  await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
  await p.waitForSelector('[data-testid="backend-train"][data-backend]:not([data-backend=""])', {
    timeout: 60_000,
  });
  await p.getByTestId('try-demo').click();
  await p.waitForSelector('[data-testid="demo"][data-status="training"]', { timeout: 180_000 });
  mark('first press training');
  const sets = await p.locator('[data-testid="example-set"]').count();
  const caches = await p.locator('[data-testid="teacher-cache"]').count();
  const demoBox = p.locator('[data-testid="example-source"][data-name="demo-corpus.txt"]');
  const others = (await p.locator('[data-testid="example-source"]').count()) > 1;
  if (others) {
    assert(!(await demoBox.isChecked()), 'the demo corpus is not ticked beside the researcher’s corpora');
    const note = await p
      .getByTestId('example-sources-default')
      .textContent()
      .catch(() => null);
    assert(note === null || /except the demo/.test(note), `the default is stated: ${note}`);
  }
  await p.getByRole('button', { name: 'Remove demo-corpus.txt', exact: true }).click();
  await p.waitForSelector(row('demo-corpus.txt'), { state: 'detached' });
  await p.getByTestId('try-demo').click();
  await p.waitForSelector(stage('teacherPass', 'reused'), { timeout: 120_000 });
  assert(await p.locator(stage('examples', 'reused')).isVisible(), 'the examples are reused, not rebuilt');
  await p.waitForSelector('[data-testid="demo"][data-status="training"]', { timeout: 60_000 });
  assert(
    (await p.locator('[data-testid="example-set"]').count()) === sets,
    'no new example set after the demo corpus was removed',
  );
  assert((await p.locator('[data-testid="teacher-cache"]').count()) === caches, 'no new teacher cache');
  assert((await p.locator(row('demo-corpus.txt')).count()) === 1, 'the demo corpus is back, once');
  mark('second press reused');
  await p.waitForSelector('[data-testid="demo-run"][data-status="ready"]', { timeout: 120_000 });
  mark('demo run finished');
  console.log(`    estimates demo timings (s): ${at.join(', ')}`);
  await ctx.screenshot('estimates-demo-reused');
}

export const estimateTests: E2ETest[] = allEstimateTests;
