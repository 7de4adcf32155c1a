/**
 * The e2e suite's own tiny harness: named async tests run in order against
 * one browser page (the flow builds on earlier steps), each followed by a
 * screenshot in e2e/artifacts/. A failed test does not stop the ones after it
 * unless they need what it should have made.
 */
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import type { Fixtures } from './fixtures.ts';

export interface TestContext {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  url: string;
  fixtures: Fixtures;
  artifacts: string;
  /** Console errors and uncaught page errors seen so far (page and workers). */
  consoleErrors: string[];
  /** Saves a full-page screenshot named after the stage. */
  screenshot(name: string): Promise<void>;
  /** Shared values between steps of the flow. */
  shared: Record<string, unknown>;
}

export interface E2ETest {
  name: string;
  /** Names of earlier tests this one needs; it is skipped (counted as failed) when one of them failed. */
  needs?: string[];
  run(ctx: TestContext): Promise<void>;
}

export function watchConsole(page: Page, sink: string[]): void {
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') sink.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => sink.push(`page error: ${e.message}`));
}

export async function runTests(tests: E2ETest[], ctx: TestContext): Promise<{ passed: number; failed: number }> {
  const failed = new Set<string>();
  let passed = 0;
  for (const t of tests) {
    const missing = (t.needs ?? []).filter((n) => failed.has(n));
    const started = Date.now();
    if (missing.length) {
      failed.add(t.name);
      console.log(`✗ ${t.name} (skipped: needs ${missing.join(', ')})`);
      continue;
    }
    try {
      await t.run(ctx);
      passed++;
      console.log(`✓ ${t.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed.add(t.name);
      console.log(
        `✗ ${t.name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n    ${err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 6).join('\n    ') : String(err)}`,
      );
      await ctx.screenshot(`FAILED-${t.name}`).catch(() => {});
    }
  }
  return { passed, failed: failed.size };
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}
