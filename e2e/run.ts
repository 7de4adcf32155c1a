/**
 * The e2e runner (`npm run test:e2e`, after `vite build`): serves dist/ with a
 * strict CSP, starts the system Chromium that `findChromium` finds (CHROMIUM_PATH,
 * /usr/bin/chromium, or one on PATH; never downloaded: `npm run test:setup`
 * installs Debian's package when there is none) with WebGPU enabled (SwiftShader
 * where there is no GPU), runs the workbench tests and then the demo tests in
 * order (E2E_ONLY=<name> picks one list of `lists` below) and prints
 * `e2e: N passed, M failed`.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, ChromiumPathError, findChromium, isExecutableFile } from './chromium.ts';
import { makeFixtures } from './fixtures.ts';
import { runTests, watchConsole, type TestContext } from './harness.ts';
import { serveStatic } from './server.ts';
import { workbenchTests } from './workbench.e2e.ts';
import { demoTests } from './demo.e2e.ts';
import { backendTests } from './backends.e2e.ts';
import { reloadTests } from './reload.e2e.ts';
import { evaluateTests } from './evaluate.e2e.ts';
import { runsTests } from './runs.e2e.ts';
import { transformersJsTests } from './transformersjs.e2e.ts';
import { layoutTests } from './layout.e2e.ts';
import { estimateTests } from './estimates.e2e.ts';
import { runControlTests } from './runControl.e2e.ts';
import { studentTests } from './student.e2e.ts';
import { backendChoiceTests, otherOrigin, setBackendOverride } from './backendChoice.e2e.ts';
import { bigTeacherTests } from './bigteacher.e2e.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  if (!existsSync(join(root, 'dist', 'index.html'))) {
    console.error('e2e: dist/ is missing; run `vite build` first (npm run test:e2e does)');
    return 2;
  }
  let executablePath: string | null;
  try {
    executablePath = findChromium(process.env, isExecutableFile);
  } catch (err) {
    if (!(err instanceof ChromiumPathError)) throw err;
    console.error(`e2e: ${err.message}`);
    return 2;
  }
  if (executablePath === null) {
    console.error('e2e: no Chromium found; `npm run test:setup` installs one or prints how to');
    return 2;
  }
  const artifacts = join(root, 'e2e', 'artifacts');
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'wwm-e2e-'));
  const userDataDir = join(work, 'profile');
  const fixtures = await makeFixtures(join(work, 'fixtures'));
  const server = await serveStatic(join(root, 'dist'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: false, // --headless=new is passed below, as is
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const browser = context.browser();
  let result = { passed: 0, failed: 1 };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    watchConsole(page, consoleErrors);
    let shot = 0;
    const ctx: TestContext = {
      browser: browser!,
      context,
      page,
      url: server.url,
      fixtures,
      artifacts,
      consoleErrors,
      shared: { work, dist: join(root, 'dist') },
      screenshot: async (name) => {
        shot++;
        await page.screenshot({
          path: join(artifacts, `${String(shot).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '_')}.png`),
          fullPage: true,
        });
      },
    };
    // E2E_ONLY=demo runs the demo tests alone (on a fresh profile), for a quick check.
    const only = process.env.E2E_ONLY;
    const lists = {
      choice: backendChoiceTests,
      workbench: workbenchTests,
      evaluate: evaluateTests,
      demo: demoTests,
      reload: reloadTests,
      backends: backendTests,
      transformersjs: transformersJsTests,
      runs: runsTests,
      layout: layoutTests,
      bigteacher: bigTeacherTests,
      estimates: estimateTests,
      runcontrol: runControlTests,
      student: studentTests,
    };
    if (only && !(only in lists)) throw new Error(`E2E_ONLY=${only}: not a list (${Object.keys(lists).join(', ')})`);
    // the whole suite runs the lists in this order (the backend choice first, on a fresh profile)
    const tests = only ? lists[only as keyof typeof lists] : Object.values(lists).flat();
    // The flow tests exercise the webgpu path on purpose: run alone, they get the header's
    // override directly (the full suite sets it through the header in backendChoice.e2e.ts).
    if (only && only !== 'choice' && only !== 'backends' && only !== 'transformersjs' && only !== 'runs')
      await setBackendOverride(page, [server.url, otherOrigin(server.url)], 'webgpu');
    result = await runTests(tests, ctx);
  } finally {
    await context.close().catch(() => {});
    await server.close();
    await rm(work, { recursive: true, force: true }).catch(() => {});
  }
  console.log(`e2e: ${result.passed} passed, ${result.failed} failed`);
  return result.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    console.log('e2e: 0 passed, 1 failed');
    process.exit(1);
  },
);
