/**
 * Test helper (Node only): locates ../shared/ref, the real public files that
 * tests read. A fresh clone has no ../shared; tests that need it then skip and
 * say why, so `npm test` still passes there.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REF_DIR = process.env.REF_DIR ?? path.resolve(REPO_ROOT, '../shared/ref');
export const HAS_REF = existsSync(REF_DIR);

/** Absolute path of a file under the reference folder. */
export function refPath(...parts: string[]): string {
  return path.join(REF_DIR, ...parts);
}

/**
 * `describe` that skips, with the reason in its title, when ../shared/ref is absent.
 * The body is not even run then (describe.skip would still run it to collect tests,
 * and a body that reads a reference file at that point would throw).
 */
export const describeWithRef: typeof describe = HAS_REF
  ? describe
  : (((name: string) =>
      describe(name, () => {
        it.skip(`skipped: reference data not found at ${REF_DIR}`, () => {});
      })) as unknown as typeof describe);

/** The documents of a reference corpus file, read with the project's own corpus reader. */
export async function refDocuments(...parts: string[]): Promise<string[][]> {
  const { openAsBlob } = await import('node:fs');
  const { readDocuments } = await import('../core/corpus/readCorpus.ts');
  const docs: string[][] = [];
  for await (const d of readDocuments(await openAsBlob(refPath(...parts)), { name: parts.at(-1) })) docs.push(d);
  return docs;
}
