import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCheckpoint } from '../core/checkpoint/exportCheckpoint.ts';
import { arraysToWeights, randomArrays, tinyConfig, tinyVocab } from '../testing/checkpointFixtures.ts';
import { REPO_ROOT } from '../testing/refData.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cli-backend-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000, // a CLI that does not end (e.g. held open by a thread) fails instead of hanging
  });
}

describe('CLI tfjs backend (--tfjs_backend)', () => {
  it('forward gives the same numbers on wasm (default: every core, or TFJS_WASM_THREADS=1) and cpu, and refuses an unknown backend or thread count', async () => {
    const cfg = tinyConfig();
    const w = arraysToWeights(randomArrays(cfg, { pooler: true, mlmHead: true }, 5));
    const files = await exportCheckpoint('safetensors', w, cfg, tinyVocab(cfg.vocab_size));
    for (const t of Object.values(w)) t.dispose();
    const dir = path.join(tmp, 'ckpt');
    mkdirSync(dir);
    for (const f of files) writeFileSync(path.join(dir, f.name), f.data);

    const wasm = cli(['forward', `--init_checkpoint=${dir}`, '--input_ids=2,9,4,3']);
    expect(wasm.status, wasm.stderr).toBe(0);
    const cpu = cli(['forward', `--init_checkpoint=${dir}`, '--input_ids=2,9,4,3', '--tfjs_backend=cpu']);
    expect(cpu.status, cpu.stderr).toBe(0);
    const a = JSON.parse(wasm.stdout) as { mlm_logits: number[][] };
    const b = JSON.parse(cpu.stdout) as { mlm_logits: number[][] };
    expect(a.mlm_logits.length).toBe(4);
    a.mlm_logits.flat().forEach((v, i) => {
      expect(Math.abs(v - b.mlm_logits.flat()[i])).toBeLessThan(1e-4);
    });

    const bad = cli(['forward', `--init_checkpoint=${dir}`, '--input_ids=2', '--tfjs_backend=webgpu']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--tfjs_backend must be wasm or cpu in Node, got "webgpu"/);

    // a bad thread count is an error, not a quiet fall back to the cpu backend
    const badThreads = cli(['forward', `--init_checkpoint=${dir}`, '--input_ids=2'], { TFJS_WASM_THREADS: 'two' });
    expect(badThreads.status).toBe(1);
    expect(badThreads.stderr).toMatch(/^error: TFJS_WASM_THREADS must be a whole number of threads ≥ 1 .*got "two"/m);
    // one thread, as asked: the same numbers
    const one = cli(['forward', `--init_checkpoint=${dir}`, '--input_ids=2,9,4,3'], { TFJS_WASM_THREADS: '1' });
    expect(one.status, one.stderr).toBe(0);
    const oneLogits = (JSON.parse(one.stdout) as { mlm_logits: number[][] }).mlm_logits.flat();
    a.mlm_logits.flat().forEach((v, i) => {
      expect(Math.abs(v - oneLogits[i])).toBeLessThan(1e-5);
    });
  });
});
