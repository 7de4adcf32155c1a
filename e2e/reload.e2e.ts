/**
 * The teacher pass survives a reload: on a fresh origin (its own empty
 * storage, so it does not depend on the other lists) a corpus, the tiny
 * teacher and an example set are made, the teacher pass is started with small
 * batches and the page is reloaded while it runs, after at least one batch is
 * stored. The reloaded page shows the corpus, teacher, example set and the
 * interrupted cache with how far it got; "Continue where it stopped" computes
 * only the batches that were missing, and the finished cache in IndexedDB holds
 * every batch exactly once with every example.
 */
import type { Page } from 'playwright-core';
import { assert, watchConsole, type E2ETest, type TestContext } from './harness.ts';

const BATCH = 8;
const K = 8;

interface CacheState {
  /** batch indices the cache's manifest lists as complete */
  completed: number[];
  numExamples: number;
  batchSize: number;
  /** examples in each stored batch record, by batch index */
  batchCounts: Record<number, number>;
}

/** Reads the teacher-output cache straight from IndexedDB (src/contract/storageLayout.ts: database wwm-teacher, store kv). */
async function readCache(page: Page): Promise<CacheState | null> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('wwm-teacher');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    try {
      if (!db.objectStoreNames.contains('kv')) return null;
      const all = await new Promise<{ keys: IDBValidKey[]; values: unknown[] }>((ok, fail) => {
        const st = db.transaction('kv', 'readonly').objectStore('kv');
        const k = st.getAllKeys();
        const v = st.getAll();
        v.onsuccess = () => ok({ keys: k.result, values: v.result });
        v.onerror = () => fail(v.error);
      });
      const manifests = all.keys
        .map((k, i) => [String(k), all.values[i]] as const)
        .filter(([k]) => k.endsWith('/manifest'));
      if (manifests.length !== 1) throw new Error(`expected one teacher cache, found ${manifests.length}`);
      const [mk, m] = manifests[0] as [string, { completed: number[]; numExamples: number; batchSize: number }];
      const prefix = mk.slice(0, -'manifest'.length) + 'batch/';
      const batchCounts: Record<number, number> = {};
      all.keys.forEach((k, i) => {
        const key = String(k);
        if (!key.startsWith(prefix)) return;
        const v = all.values[i] as Uint8Array;
        batchCounts[Number(key.slice(prefix.length))] = new DataView(v.buffer, v.byteOffset, v.byteLength).getUint32(
          4,
          true,
        );
      });
      return { completed: m.completed, numExamples: m.numExamples, batchSize: m.batchSize, batchCounts };
    } finally {
      db.close();
    }
  });
}

/** The teacher cache entry as the page last saved it (database wwm-meta, key teacherCaches). */
async function savedProgressDone(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('wwm-meta');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    try {
      const caches = await new Promise<{ progress?: { done: number; unit?: string } }[] | undefined>((ok, fail) => {
        const g = db.transaction('kv', 'readonly').objectStore('kv').get('teacherCaches');
        g.onsuccess = () => ok(g.result as { progress?: { done: number; unit?: string } }[] | undefined);
        g.onerror = () => fail(g.error);
      });
      // Only the pass's own progress counts: while the teacher loads, `done` counts bytes.
      const progress = caches?.[0]?.progress;
      return progress?.unit === 'examples' ? progress.done : 0;
    } finally {
      db.close();
    }
  });
}

async function numAttr(page: Page, selector: string, attr: string): Promise<number> {
  const v = await page.getAttribute(selector, attr);
  assert(v !== null && v !== '', `${selector} has ${attr}`);
  return Number(v);
}

export const reloadTests: E2ETest[] = [
  {
    name: 'teacher pass: a reload mid-pass keeps what is stored and continuing computes only the rest',
    async run(ctx: TestContext) {
      // Another origin of the same server: empty storage, whatever ran before.
      const url = ctx.url.replace('127.0.0.1', 'localhost');
      const p = await ctx.context.newPage();
      const errors: string[] = [];
      watchConsole(p, errors);
      const shot = async (name: string) => {
        const main = ctx.page;
        ctx.page = p;
        try {
          await ctx.screenshot(name);
        } finally {
          ctx.page = main;
        }
      };
      try {
        await p.goto(url);
        await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
        assert(
          (await p.locator('[data-testid="corpus-row"]').count()) === 0,
          'the new origin starts with empty storage',
        );
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
        ] as const) {
          await p.getByLabel(label, { exact: true }).fill(String(v));
        }
        await p.getByTestId('build-examples').click();
        await p.waitForSelector('[data-testid="example-set"][data-status="ready"]', { timeout: 90_000 });
        const total = await numAttr(p, '[data-testid="example-set"]', 'data-count');
        const numBatches = Math.ceil(total / BATCH);
        assert(numBatches >= 6, `several batches: ${total} examples in batches of ${BATCH}`);

        // Start the pass; reload while it runs, once at least one batch is stored (and saved in the page's state).
        await p.getByLabel('truncation_factor (top k)', { exact: true }).fill(String(K));
        await p.getByLabel('predict_batch_size', { exact: true }).fill(String(BATCH));
        const t0 = Date.now();
        await p.getByTestId('start-teacher').click();
        await p.waitForFunction(
          (n) => {
            // Examples, not the bytes counted while the teacher loads.
            const bar = document.querySelector(
              '[data-testid="teacher-cache"][data-status="running"] [data-testid="teacher-progress"][data-unit="examples"]',
            );
            return Number(bar?.getAttribute('data-done')) >= n;
          },
          BATCH,
          { timeout: 120_000, polling: 50 },
        );
        // The page saves its state a moment after each change: poll the saved copy (IndexedDB reads are async, so from here).
        const deadline = Date.now() + 30_000;
        while ((await savedProgressDone(p)) < BATCH) {
          assert(Date.now() < deadline, "the page saved the running pass's progress within 30 s");
          await p.waitForTimeout(50);
        }
        const savedDone = await savedProgressDone(p);
        await shot('reload-teacher-running');
        const tReload = Date.now();
        await p.reload();
        await p.waitForSelector('[data-testid="app"][data-restored="yes"]');

        // Everything that was there is shown again.
        assert(
          await p.locator('[data-testid="corpus-row"][data-name="lunyu.txt"][data-status="ready"]').isVisible(),
          'the corpus is shown after the reload',
        );
        assert(
          await p.locator('[data-testid="model-row"][data-status="ready"]').isVisible(),
          'the teacher is shown after the reload',
        );
        assert(
          (await numAttr(p, '[data-testid="example-set"][data-status="ready"]', 'data-count')) === total,
          'the example set with its count',
        );
        await p.waitForSelector(
          '[data-testid="teacher-cache"][data-status="interrupted"] [data-testid="continue-teacher"]',
          { timeout: 10_000 },
        );
        const shownDone = await numAttr(p, '[data-testid="teacher-stored"]', 'data-done');
        const shownTotal = await numAttr(p, '[data-testid="teacher-stored"]', 'data-total');
        assert(
          shownTotal === total && shownDone >= savedDone && savedDone >= BATCH,
          `the interrupted cache shows its progress: ${shownDone} of ${shownTotal} (saved ${savedDone})`,
        );
        const cacheText = await p.locator('[data-testid="teacher-cache"]').textContent();
        assert(
          /cache [\d.]+\s*[kKMG]?i?B/.test(cacheText ?? '') && !/cache 0 B/.test(cacheText ?? ''),
          `the cache size is shown: ${cacheText}`,
        );

        // What IndexedDB holds now: at least what the page showed, not all of it.
        const before = await readCache(p);
        assert(before, 'the teacher cache is in IndexedDB');
        const storedBefore = before.completed.length;
        assert(
          before.numExamples === total && before.batchSize === BATCH,
          `cache layout ${before.numExamples} examples in batches of ${before.batchSize}`,
        );
        assert(
          storedBefore * BATCH >= shownDone,
          `the cache holds at least what was shown: ${storedBefore} batches, ${shownDone} examples shown`,
        );
        assert(
          storedBefore < numBatches,
          `reloaded before the pass finished: ${storedBefore} of ${numBatches} batches stored`,
        );
        await shot('reload-teacher-interrupted');

        // Continue: only the missing batches are computed.
        const tContinue = Date.now();
        await p.getByTestId('continue-teacher').click();
        await p.waitForSelector('[data-testid="teacher-cache"][data-status="ready"]', { timeout: 180_000 });
        const doneAfter = await numAttr(p, '[data-testid="teacher-stored"]', 'data-done');
        const computed = await numAttr(p, '[data-testid="teacher-stored"]', 'data-computed');
        const missingExamples = total - Math.min(total, storedBefore * BATCH);
        assert(doneAfter === total, `every example is stored: ${doneAfter} of ${total}`);
        assert(
          computed === missingExamples,
          `continuing computed exactly the missing examples: ${computed}, expected ${total} − ${storedBefore} batches stored = ${missingExamples}`,
        );
        const after = await readCache(p);
        assert(after, 'the teacher cache is still in IndexedDB');
        const sorted = [...after.completed].sort((a, b) => a - b);
        assert(
          sorted.length === numBatches && sorted.every((b, i) => b === i),
          `every batch listed once: ${after.completed.join(',')}`,
        );
        const records = Object.keys(after.batchCounts)
          .map(Number)
          .sort((a, b) => a - b);
        assert(
          records.length === numBatches && records.every((b, i) => b === i),
          `one record per batch: ${records.join(',')}`,
        );
        const examplesStored = Object.values(after.batchCounts).reduce((a, b) => a + b, 0);
        assert(examplesStored === total, `the records hold every example once: ${examplesStored} of ${total}`);
        for (const b of before.completed)
          assert(after.completed.includes(b), `batch ${b} stored before the reload is kept`);
        const counts = p.getByTestId('teacher-cache-positions');
        const slots = Number(await counts.getAttribute('data-slots'));
        const masked = Number(await counts.getAttribute('data-positions'));
        assert(slots === total * 5, `${total} examples × 5 prediction slots: ${slots}`);
        assert(masked >= total && masked <= slots, `masked positions within the slots: ${masked} of ${slots}`);
        const shownCounts = await counts.textContent();
        assert(
          shownCounts ===
            `${masked.toLocaleString('en-US')} masked positions in ${slots.toLocaleString('en-US')} prediction slots`,
          `the cache says what it counts: ${shownCounts}`,
        );
        console.log(
          `    ${total} examples in ${numBatches} batches of ${BATCH}: ${storedBefore} batches stored at the reload (page showed ${shownDone} examples), ${computed} examples computed after it; ${((tReload - t0) / 1000).toFixed(1)} s from start to reload, ${((Date.now() - tContinue) / 1000).toFixed(1)} s to finish after continuing`,
        );
        await shot('reload-teacher-done');
        assert(errors.length === 0, `no console errors: ${errors.join(' | ')}`);
      } finally {
        await p.close().catch(() => {});
      }
    },
  },
];
