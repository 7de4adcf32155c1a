import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../testing/refData.ts';

const core = path.join(REPO_ROOT, 'src', 'core');

/** Whether an import's bindings are all types (`{ type A, type B }`), so that it is erased. */
function typesOnly(bindings: string): boolean {
  const named = /^\{([^}]*)\}$/.exec(bindings.trim());
  const names = named?.[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return names !== undefined && names.length > 0 && names.every((s) => s.startsWith('type '));
}

/** The modules a file loads at run time (type-only imports are erased). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?([^;]*?)\s*from\s+'([^']+)'/gms)) {
    const [, typeOnly, bindings, spec] = m;
    if (!typeOnly && !typesOnly(bindings)) out.push(spec);
  }
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push(m[1]);
  return out;
}

/** The packages that loading these files loads, through their relative imports. */
function packagesLoadedBy(files: string[]): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (modules.has(file)) return;
    modules.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else packages.add(spec);
    }
  };
  for (const f of files) visit(f);
  return { modules, packages };
}

describe('src/core/options', () => {
  it('loads no tfjs, so the page can use the flag tables on its main thread', () => {
    const dir = path.join(core, 'options');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => path.join(dir, f));
    const { modules, packages } = packagesLoadedBy(files);
    expect(modules).toContain(path.join(core, 'distill', 'lossConfig.ts'));
    expect(modules).toContain(path.join(core, 'examples', 'createPretrainingData.ts'));
    expect([...packages].filter((p) => p.startsWith('@tensorflow'))).toEqual([]);
    // the scan itself sees tfjs where it is
    expect(packagesLoadedBy([path.join(core, 'distill', 'loss.ts')]).packages).toContain('@tensorflow/tfjs');
  });
});
