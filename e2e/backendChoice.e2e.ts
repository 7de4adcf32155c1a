/**
 * The backend chosen by measurement, on the built page (runs first, on a fresh profile):
 * the tensor workers probe webgpu, webgl, wasm and cpu; on a machine without a GPU the
 * software WebGPU adapter (SwiftShader) must lose to wasm and wasm be chosen; the header shows
 * each candidate's measured GFLOP/s, the adapter (called software) and wasm's threads (the page
 * is cross-origin isolated). Then the header's override switches the workers to webgpu and
 * persists across a reload; that override is what keeps the later tests on the webgpu path.
 * Last, the same page served without COOP/COEP says wasm falls back to one thread.
 */
import type { Page } from 'playwright-core';
import { assert, type E2ETest } from './harness.ts';
import { serveStatic } from './server.ts';

/** localStorage key of the header's override (src/store/workerClient.ts). */
const OVERRIDE_KEY = 'wwm.backendOverride';

/** Sets the backend override on each origin's storage (the page must be served there), as the header's choice would. */
export async function setBackendOverride(page: Page, origins: string[], backend: string | null): Promise<void> {
  for (const origin of origins) {
    await page.goto(origin);
    await page.evaluate(([key, value]) => (value ? localStorage.setItem(key, value) : localStorage.removeItem(key)), [
      OVERRIDE_KEY,
      backend,
    ] as const);
  }
}

/** The same server under its other name (a separate origin with its own storage), as reload.e2e.ts uses it. */
export const otherOrigin = (url: string) => url.replace('127.0.0.1', 'localhost');

interface ProbeRow {
  backend: string;
  ok: boolean;
  gflops: number;
  text: string;
}

async function probeRows(page: Page): Promise<ProbeRow[]> {
  return page.$$eval('[data-testid="probe-row"]', (rows) =>
    rows.map((r) => ({
      backend: r.getAttribute('data-backend') ?? '',
      ok: r.getAttribute('data-ok') === 'yes',
      gflops: Number(r.getAttribute('data-gflops')),
      text: (r.textContent ?? '').trim(),
    })),
  );
}

const ready = (w: string) => `[data-testid="backend-${w}"][data-backend]:not([data-backend=""])`;

export const backendChoiceTests: E2ETest[] = [
  {
    name: 'backend choice: measured on a fresh profile, SwiftShader WebGPU loses to wasm and wasm is chosen',
    async run(ctx) {
      const p = ctx.page;
      const response = await p.goto(ctx.url);
      const h = response?.headers() ?? {};
      assert(
        h['cross-origin-opener-policy'] === 'same-origin' && h['cross-origin-embedder-policy'] === 'require-corp',
        `the page is served with COOP/COEP: ${h['cross-origin-opener-policy']} / ${h['cross-origin-embedder-policy']}`,
      );
      assert(await p.evaluate(() => crossOriginIsolated), 'the page is cross-origin isolated');
      const t0 = Date.now();
      await p.waitForSelector(ready('teacher'), { timeout: 180_000 });
      await p.waitForSelector(ready('train'), { timeout: 60_000 });
      console.log(`    the probe and both workers' start took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      for (const w of ['teacher', 'train']) {
        const b = await p.getAttribute(`[data-testid="backend-${w}"]`, 'data-backend');
        assert(b === 'wasm', `the ${w} worker chose wasm, reported ${b}`);
      }
      // The teacher worker measured; the training worker, started after it, found its decision cached.
      assert(
        (await p.getAttribute('[data-testid="backend-teacher"]', 'data-decided-by')) === 'probe',
        'the teacher worker measured',
      );
      assert(
        (await p.getAttribute('[data-testid="backend-train"]', 'data-decided-by')) === 'cache',
        'the training worker reused the cached decision',
      );
      const rows = await probeRows(p);
      console.log(`    measured: ${rows.map((r) => `${r.backend} ${r.gflops.toPrecision(3)} GFLOP/s`).join(', ')}`);
      const by = Object.fromEntries(rows.map((r) => [r.backend, r]));
      assert(
        ['cpu', 'webgpu', 'webgl', 'wasm'].every((b) => by[b]),
        `a row per candidate: ${rows.map((r) => r.backend)}`,
      );
      assert(by.wasm.ok && by.wasm.gflops > 0, `wasm measured and agrees with cpu: ${by.wasm.text}`);
      assert(by.cpu.ok && by.cpu.gflops > 0, `cpu measured: ${by.cpu.text}`);
      assert(by.webgpu.gflops > 0, `webgpu measured: ${by.webgpu.text}`);
      assert(
        by.webgpu.gflops < by.wasm.gflops,
        `SwiftShader WebGPU is slower than wasm: ${by.webgpu.gflops} vs ${by.wasm.gflops}`,
      );
      assert(/GFLOP\/s/.test((await p.getByTestId('probe-table').textContent()) ?? ''), 'the table shows GFLOP/s');
      const adapter = (await p.getByTestId('gpu-adapter').textContent()) ?? '';
      assert(
        (await p.getAttribute('[data-testid="gpu-adapter"]', 'data-software')) === 'yes' &&
          /swiftshader/i.test(adapter) &&
          /software adapter/.test(adapter),
        `the header names the adapter and says it is software: ${adapter}`,
      );
      const cores = await p.evaluate(() => navigator.hardwareConcurrency);
      const width = (await p.getByTestId('wasm-width').textContent()) ?? '';
      assert(
        width.includes(`wasm: ${cores} thread`) && /cross-origin isolated/.test(width),
        `wasm runs on all ${cores} cores: ${width}`,
      );
      assert(ctx.consoleErrors.length === 0, `no console errors: ${ctx.consoleErrors.join(' | ')}`);
      await ctx.screenshot('backend-probe');
    },
  },
  {
    name: 'backend choice: the header override switches the workers to webgpu and persists across a reload',
    needs: ['backend choice: measured on a fresh profile, SwiftShader WebGPU loses to wasm and wasm is chosen'],
    async run(ctx) {
      const p = ctx.page;
      await p.getByTestId('backend-override').selectOption('webgpu');
      for (const w of ['teacher', 'train']) {
        await p.waitForSelector(`[data-testid="backend-${w}"][data-backend="webgpu"][data-decided-by="override"]`, {
          timeout: 60_000,
        });
      }
      // The measured figures stay on show next to the override.
      assert((await probeRows(p)).length === 4, 'the probe table is still shown');
      await p.reload();
      await p.waitForSelector('[data-testid="backend-train"][data-backend="webgpu"][data-decided-by="override"]', {
        timeout: 60_000,
      });
      assert(
        (await p.getByTestId('backend-override').inputValue()) === 'webgpu',
        'the header shows the persisted override',
      );
      // The later tests exercise the webgpu path on purpose: the other origin (reload.e2e.ts) too.
      await setBackendOverride(p, [otherOrigin(ctx.url)], 'webgpu');
      await ctx.screenshot('backend-override');
    },
  },
  {
    name: 'backend choice: without cross-origin isolation the header says wasm falls back to one thread',
    async run(ctx) {
      const server = await serveStatic(ctx.shared.dist as string, { isolated: false });
      try {
        const p = ctx.page;
        // cpu, so that this origin starts without probing.
        await setBackendOverride(p, [server.url], 'cpu');
        await p.goto(server.url);
        assert(!(await p.evaluate(() => crossOriginIsolated)), 'this server does not isolate the page');
        await p.waitForSelector('[data-testid="wasm-width"]', { timeout: 60_000 });
        const width = (await p.getByTestId('wasm-width').textContent()) ?? '';
        assert(
          /wasm: 1 thread/.test(width) && /not cross-origin isolated/.test(width),
          `the header says wasm runs on one thread and why: ${width}`,
        );
        await ctx.screenshot('backend-not-isolated');
        await p.goto(ctx.url);
      } finally {
        await server.close();
      }
    },
  },
];
