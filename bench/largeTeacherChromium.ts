/**
 * The original's teacher size in Chromium: the random 24-layer, hidden-1024, vocab-21128 float16
 * folder (bench/largeTeacherFolder.ts) dropped on the built page's Models input as the e2e tests
 * drop files (dist/ served by e2e/server.ts, the system Chromium of e2e/chromium.ts), then a
 * teacher pass over a few short examples on each backend asked for, each on its own origin (its
 * own empty storage) with the header's backend override set for the tensor workers.
 *
 * Measured per backend:
 *  - store seconds: the drop until the model row is ready (stored in the origin's storage, planned);
 *  - load seconds: the pass's start until its progress counts examples (the teacher worker has
 *    read the checkpoint and built the held teacher, core/distill/heldTeacher.ts);
 *  - pass seconds and examples/s: from there until the cache is ready (all batches, stored);
 *  - the teacher worker's tensor memory as the page reports it (tf.memory().numBytes, refreshed
 *    by the page every 5 s; the float16 layers held in JavaScript are not tensors: see `weights`);
 *  - Chromium's memory: the summed PSS of the browser's processes (/proc/<pid>/smaps_rollup,
 *    sampled every 200 ms) over its value just before the pass, as a ratio to the file, during
 *    the load and over load and batches (Linux only; NaN elsewhere).
 * Needs `npx vite build` first. Alone:
 *   node --import tsx bench/largeTeacherChromium.ts [wasm,webgpu] [layers]   (prints JSON on the last line)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { setBackendOverride } from '../e2e/backendChoice.e2e.ts';
import { CHROMIUM_ARGS, findChromium, isExecutableFile } from '../e2e/chromium.ts';
import { serveStatic } from '../e2e/server.ts';
import { LARGE_TEACHER_CONFIG, writeLargeTeacherFolder } from './largeTeacherFolder.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const MB = 2 ** 20;

/** What one backend runs: a handful of short examples, top 16; webgpu (SwiftShader, ~0.3 GFLOP/s) one small batch. */
export interface BrowserCase {
  backend: 'wasm' | 'webgpu';
  seq: number;
  /** about how many examples the corpus gives at this length */
  examples: number;
  batchSize: number;
  k: number;
}

export const BROWSER_CASES: Record<'wasm' | 'webgpu', BrowserCase> = {
  wasm: { backend: 'wasm', seq: 64, examples: 6, batchSize: 4, k: 16 },
  webgpu: { backend: 'webgpu', seq: 64, examples: 1, batchSize: 1, k: 16 },
};

export interface LargeTeacherBrowserRow {
  backend: string;
  /** the teacher worker's backend as the page reports it */
  workerBackend: string;
  fileMB: number;
  /** what was run, in words */
  run: string;
  examples: number;
  seq: number;
  k: number;
  batchSize: number;
  storeSeconds: number;
  loadSeconds: number;
  passSeconds: number;
  examplesPerSec: number;
  /** the page's teacher-worker tensor memory, the largest value it showed, MB and / file */
  workerTensorPeakMB: number;
  workerTensorPeakRatio: number;
  /** Chromium's summed PSS over its value before the pass, / file bytes: during the load, and over load and batches */
  loadPeakRatio: number;
  runPeakRatio: number;
  /** how the page says the teacher's weights are kept (the pass's progress message) */
  weights: string;
}

/** The summed proportional set size (bytes) of a process and its descendants; NaN without /proc. */
export function processTreePss(rootPid: number): number {
  if (!existsSync('/proc/self/smaps_rollup')) return Number.NaN;
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // the command may hold spaces and parentheses: the fields after its last ')'
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, depth = 0; p && depth < 64; p = parent.get(p), depth++)
      if (p === rootPid) return true;
    return false;
  };
  let total = 0;
  for (const pid of parent.keys()) {
    if (!inTree(pid)) continue;
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

/** The browser process of a profile: the process whose command line names its user-data-dir. */
function browserPid(userDataDir: string): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmd.includes(`--user-data-dir=${userDataDir}`) && !cmd.some((a) => a.startsWith('--type=')))
        return Number(name);
    } catch {
      // ended meanwhile
    }
  }
  return 0;
}

/** A corpus of about `examples` examples at `seq` (the set is capped at that too): 论语 paragraphs (chinese-poetry) as two documents. */
async function corpusText(c: BrowserCase): Promise<string> {
  const require = createRequire(import.meta.url);
  const chapters = JSON.parse(await readFile(require.resolve('chinese-poetry/dist/lunyu/lunyu.json'), 'utf8')) as {
    paragraphs: string[];
  }[];
  const want = Math.max(3000, 4 * c.examples * c.seq); // more than enough: the set is capped
  const lines: string[] = [];
  let chars = 0;
  for (const p of chapters.flatMap((ch) => ch.paragraphs)) {
    if (chars >= want) break;
    lines.push(p);
    chars += p.length;
  }
  // two documents (a blank line between): the original's random next segment comes from another document
  const half = Math.ceil(lines.length / 2);
  return `${lines.slice(0, half).join('\n')}\n\n${lines.slice(half).join('\n')}\n`;
}

async function attribute(page: Page, selector: string, name: string): Promise<string | null> {
  const el = await page.$(selector);
  return el ? el.getAttribute(name) : null;
}

/** Focus, then Enter: a number field's blur can reflow the page under a mouse press (e2e/estimates.e2e.ts). */
async function pressButton(page: Page, testId: string): Promise<void> {
  const b = page.getByTestId(testId);
  await b.focus();
  await b.press('Enter');
}

/** One backend on its own origin: the corpus and examples, the folder dropped, the teacher pass timed. */
async function runCase(
  page: Page,
  origin: string,
  c: BrowserCase,
  folder: { files: string[]; bytes: number },
  corpusFile: string,
  pid: number,
  log: (line: string) => void,
): Promise<LargeTeacherBrowserRow> {
  await setBackendOverride(page, [origin], c.backend);
  await page.goto(origin);
  await page.waitForSelector('[data-testid="app"][data-restored="yes"]');
  await page.waitForSelector('[data-testid="backend-teacher"][data-backend]:not([data-backend=""])', {
    timeout: 120_000,
  });
  const workerBackend = (await attribute(page, '[data-testid="backend-teacher"]', 'data-backend')) ?? '';
  // the teacher first: the examples are tokenized with its vocabulary
  const t0 = performance.now();
  await page.getByTestId('model-input').setInputFiles(folder.files);
  await page.waitForSelector('[data-testid="model-row"][data-status="ready"]', { timeout: 600_000 });
  const storeSeconds = (performance.now() - t0) / 1000;
  log(`  ${c.backend}: the folder stored in ${storeSeconds.toFixed(1)} s`);

  await page.getByTestId('corpus-input').setInputFiles([corpusFile]);
  await page.waitForSelector(`[data-testid="corpus-row"][data-status="ready"]`, { timeout: 60_000 });
  for (const [label, v] of [
    ['max_seq_length', c.seq],
    ['max_predictions_per_seq', 5],
    ['dupe_factor', 1],
    ['doc_stride', c.seq],
    ['short_seq_prob', 0],
  ] as const)
    await page.getByLabel(label, { exact: true }).fill(String(v));
  await page.getByTestId('example-cap').fill(String(c.examples));
  await pressButton(page, 'build-examples');
  await page.waitForSelector('[data-testid="example-set"][data-status="ready"]', { timeout: 120_000 });
  const examples = Number(await attribute(page, '[data-testid="example-set"]', 'data-count'));
  log(`  ${c.backend}: ${examples} examples at seq ${c.seq}`);

  await page.getByLabel('truncation_factor (top k)', { exact: true }).fill(String(c.k));
  await page.getByLabel('predict_batch_size', { exact: true }).fill(String(c.batchSize));
  await new Promise((r) => setTimeout(r, 1000));
  const base = processTreePss(pid);
  let peak = base;
  let workerPeak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, processTreePss(pid));
  }, 200);
  const workerTimer = setInterval(() => {
    attribute(page, '[data-testid="worker-memory"]', 'data-teacher-bytes').then(
      (b) => {
        if (b) workerPeak = Math.max(workerPeak, Number(b));
      },
      () => {},
    );
  }, 500);
  try {
    const t1 = performance.now();
    await pressButton(page, 'start-teacher');
    await page.waitForSelector(
      '[data-testid="teacher-progress"][data-unit="examples"], [data-testid="teacher-cache"][data-status="error"]',
      { timeout: 600_000 },
    );
    const t2 = performance.now();
    const loadPeak = peak;
    const weights =
      (await page
        .locator('[data-testid="teacher-progress"]')
        .first()
        .textContent()
        .catch(() => '')) ?? '';
    log(`  ${c.backend}: teacher loaded in ${((t2 - t1) / 1000).toFixed(1)} s; running the pass ...`);
    await page.waitForSelector('[data-testid="teacher-cache"]:is([data-status="ready"], [data-status="error"])', {
      timeout: 1_800_000,
    });
    const t3 = performance.now();
    const status = await attribute(page, '[data-testid="teacher-cache"]', 'data-status');
    if (status !== 'ready') {
      const why = await page.locator('[data-testid="teacher-cache"]').first().textContent();
      throw new Error(`large teacher on ${c.backend} in Chromium: the pass ended ${status}: ${why}`);
    }
    const done = Number(await attribute(page, '[data-testid="teacher-stored"]', 'data-done'));
    if (done !== examples) throw new Error(`large teacher on ${c.backend}: ${done} of ${examples} examples stored`);
    // one more reading of the worker's memory after the page's next refresh
    await new Promise((r) => setTimeout(r, 5500));
    const passSeconds = (t3 - t2) / 1000;
    const batches = Math.ceil(examples / c.batchSize);
    return {
      backend: c.backend,
      workerBackend,
      fileMB: folder.bytes / MB,
      run: `${examples} example${examples === 1 ? '' : 's'} × seq ${c.seq}, 5 masked slots, top-${c.k}, ${batches === 1 ? 'one batch' : `${batches} batches`} of ≤ ${c.batchSize}`,
      examples,
      seq: c.seq,
      k: c.k,
      batchSize: c.batchSize,
      storeSeconds,
      loadSeconds: (t2 - t1) / 1000,
      passSeconds,
      examplesPerSec: examples / passSeconds,
      workerTensorPeakMB: workerPeak / MB,
      workerTensorPeakRatio: workerPeak / folder.bytes,
      loadPeakRatio: (loadPeak - base) / folder.bytes,
      runPeakRatio: (peak - base) / folder.bytes,
      weights: /float16 kept[^·]*|float32 as in the file[^·]*/.exec(weights)?.[0].trim() ?? weights,
    };
  } finally {
    clearInterval(timer);
    clearInterval(workerTimer);
  }
}

/** Runs the large float16 teacher on each backend in the built page; needs dist/ (`npx vite build`). */
export async function benchLargeTeacherChromium(
  backends: ('wasm' | 'webgpu')[],
  log: (line: string) => void = console.log,
  /** fewer layers for a quick check of the page flow (the report's rows use all 24) */
  layers = LARGE_TEACHER_CONFIG.num_hidden_layers,
): Promise<LargeTeacherBrowserRow[]> {
  const dist = path.join(ROOT, 'dist');
  if (!existsSync(path.join(dist, 'index.html')))
    throw new Error('large teacher in Chromium: dist/ is missing; run `npx vite build` first');
  const executablePath = findChromium(process.env, isExecutableFile);
  if (!executablePath) throw new Error('large teacher in Chromium: no Chromium found (see e2e/chromium.ts)');
  const work = await mkdtemp(path.join(os.tmpdir(), 'large-teacher-chromium-'));
  const server = await serveStatic(dist);
  try {
    const folder = await writeLargeTeacherFolder('F16', await mkdtemp(path.join(work, 'teacher-')), {
      ...LARGE_TEACHER_CONFIG,
      num_hidden_layers: layers,
    });
    const files = ['model.safetensors', 'config.json', 'vocab.txt'].map((f) => path.join(folder.dir, f));
    const userDataDir = path.join(work, 'profile');
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: false, // --headless=new is in CHROMIUM_ARGS
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const pid = browserPid(userDataDir);
      const rows: LargeTeacherBrowserRow[] = [];
      for (const backend of backends) {
        const c = BROWSER_CASES[backend];
        const corpusFile = path.join(work, `lunyu-${backend}.txt`);
        await writeFile(corpusFile, await corpusText(c));
        // its own origin: empty storage, its own teacher worker
        const origin = server.url.replace('127.0.0.1', `large-${backend}.localhost`);
        try {
          rows.push(await runCase(page, origin, c, { files, bytes: folder.bytes }, corpusFile, pid, log));
        } catch (e) {
          const shot = path.join(ROOT, 'bench', 'results', `large-teacher-${backend}-failed.png`);
          await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
          throw new Error(`${(e as Error).message} (the page: ${path.relative(ROOT, shot)})`);
        }
        // the stored copy is not needed any more: leave the page, free the origin's storage
        await page.goto('about:blank');
      }
      return rows;
    } finally {
      await context.close().catch(() => {});
    }
  } finally {
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const backends = (process.argv[2] ?? 'wasm,webgpu').split(',').filter(Boolean);
  for (const b of backends)
    if (b !== 'wasm' && b !== 'webgpu') throw new Error(`largeTeacherChromium: backend ${b} is not wasm or webgpu`);
  const layers = Number(process.argv[3] ?? LARGE_TEACHER_CONFIG.num_hidden_layers);
  const rows = await benchLargeTeacherChromium(backends as ('wasm' | 'webgpu')[], (l) => console.error(l), layers);
  console.log(JSON.stringify(rows));
  process.exit(0);
}
