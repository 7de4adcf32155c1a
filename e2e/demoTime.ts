/**
 * Times "Try the demo" end to end with its default settings (or `DEMO_QUERY`'s URL parameters)
 * in headless Chromium on a fresh profile, as a new user would meet it: the page measures its
 * backends, the button runs every stage, and the run trains to its last step. Prints the
 * backend, the estimate the page showed, the time to each stage, the total in minutes and the
 * student's teacher agreement at the first and last evaluation.
 *
 *   npx vite build && node --import tsx e2e/demoTime.ts
 *
 * `timeDemo` is the measurement itself, for the benchmark to reuse.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium, isExecutableFile } from './chromium.ts';
import { serveStatic } from './server.ts';

export interface DemoTiming {
  backend: string;
  estimate: string;
  /** Seconds from the button press to each stage's end. */
  stages: Record<string, number>;
  totalMinutes: number;
  agreementFirst: number;
  agreementLast: number;
  evals: number;
  examples: number;
  steps: number;
}

const stageDone = (id: string) =>
  `[data-testid="demo-stage"][data-stage="${id}"]:is([data-state="done"],[data-state="reused"])`;

/** Runs the demo on `url` (a fresh origin) and measures it; `limitMs` bounds the whole run. */
export async function timeDemo(context: BrowserContext, url: string, limitMs = 20 * 60_000): Promise<DemoTiming> {
  const p = await context.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(url);
  await p.waitForSelector('[data-testid="app"][data-restored="yes"]');
  await p.waitForSelector('[data-testid="backend-train"][data-backend]:not([data-backend=""])', { timeout: 180_000 });
  await p.waitForSelector('[data-testid="demo-estimate"]', { timeout: 30_000 });
  const estimate = (await p.getByTestId('demo-estimate').textContent()) ?? '';
  const backend = (await p.getAttribute('[data-testid="backend-train"]', 'data-backend')) ?? '';
  const t0 = Date.now();
  await p.getByTestId('try-demo').click();
  const stages: Record<string, number> = {};
  const deadline = t0 + limitMs;
  for (const id of ['fetch', 'corpus', 'teacher', 'student', 'examples', 'teacherPass']) {
    await p.waitForSelector(stageDone(id), { timeout: Math.max(1, deadline - Date.now()) });
    stages[id] = (Date.now() - t0) / 1000;
  }
  await p.waitForSelector('[data-testid="demo-run"][data-status="ready"]', {
    timeout: Math.max(1, deadline - Date.now()),
  });
  stages.training = (Date.now() - t0) / 1000;
  await p.waitForSelector(stageDone('training'), { timeout: 30_000 });
  const agreementText = await p.getByTestId('demo-agreement').getAttribute('data-first-last');
  const [first, last] = (agreementText ?? '').split(',').map(Number);
  const evals = Number(await p.getByTestId('demo-agreement').getAttribute('data-evals'));
  const examples = Number(await p.getAttribute('[data-testid="example-set"]:last-child', 'data-count'));
  const steps = Number(await p.getAttribute('[data-testid="demo-run"]', 'data-step'));
  await p.close();
  if (errors.length) throw new Error(`page errors during the demo: ${errors.join(' | ')}`);
  return {
    backend,
    estimate,
    stages,
    totalMinutes: stages.training / 60,
    agreementFirst: first,
    agreementLast: last,
    evals,
    examples,
    steps,
  };
}

async function main(): Promise<void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const executablePath = findChromium(process.env, isExecutableFile);
  if (!executablePath) throw new Error('no Chromium found; `npm run test:setup` installs one or prints how to');
  const server = await serveStatic(join(root, 'dist'));
  const profile = await mkdtemp(join(tmpdir(), 'wwm-demo-time-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: false, // --headless=new is among CHROMIUM_ARGS
    args: CHROMIUM_ARGS,
  });
  try {
    const t = await timeDemo(context, `${server.url}${process.env.DEMO_QUERY ? `?${process.env.DEMO_QUERY}` : ''}`);
    console.log(`backend: ${t.backend}`);
    console.log(`estimate shown: ${t.estimate}`);
    console.log(
      `stages (s from the press): ${Object.entries(t.stages)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ')}`,
    );
    console.log(`examples ${t.examples}, steps ${t.steps}, evaluations ${t.evals}`);
    console.log(`demo total: ${t.totalMinutes.toFixed(1)} min`);
    console.log(
      `teacher agreement: ${(100 * t.agreementFirst).toFixed(1)}% → ${(100 * t.agreementLast).toFixed(1)}% (${(100 * (t.agreementLast - t.agreementFirst)).toFixed(1)} points)`,
    );
  } finally {
    await context.close().catch(() => {});
    await server.close();
    await rm(profile, { recursive: true, force: true }).catch(() => {});
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
