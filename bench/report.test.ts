import { describe, expect, it } from 'vitest';
import { reportMarkdown, type BenchReport } from './report.ts';
import type { SuiteResult } from './suite.ts';

function suite(backend: string, tensors10: number, tensors100: number): SuiteResult {
  const row = {
    name: 'demo-teacher-4L-128',
    mode: 'forward' as const,
    batch: 4,
    seq: 128,
    layers: 4,
    hidden: 128,
    vocab: 4446,
    maskedPositions: 20,
    reps: 3,
    msPerStep: 250,
    tokensPerSecond: 2048,
    gflopPerStep: 1,
    modelGflops: 4,
    mfu: 0.25,
  };
  const leak = {
    backend,
    examplesPerSec: 1,
    tokensPerSec: 64,
    msPerStep: 10,
    tensorsAfter10: tensors10,
    tensorsAfter100: tensors100,
    bytesAfter10: 1000,
    bytesAfter100: 1000,
    modelGflops: 1,
    matmulGflops: 2,
    mfu: 0.5,
    case: 'tiny',
    batch: 2,
    seq: 32,
    steps: 100,
  };
  return {
    backend,
    matmul: { backend, n: 1024, reps: 5, seconds: 1, gflops: 16 },
    forward: { backend, mode: 'forward', matmul: { size: 1024, reps: 4, msPerMatmul: 125, gflops: 16 }, rows: [row] },
    trainStep: null,
    trainer: null,
    leak,
    fineTune: { case: 'demo-student-3L-128', batch: 8, seq: 64, msPerStep: 500, examplesPerSec: 16 },
    skipped: ['teacher-base-12L-768 forward (--quick)'],
    errors: [],
    seconds: 10,
  };
}

function report(over: Partial<BenchReport>): BenchReport {
  return {
    date: '2026-11-26T01:00:00.000Z',
    command: 'npm run bench -- --quick',
    machine: { cpus: 'cpu', cores: 2, memoryGB: 8, node: 'v20', chromium: null, adapter: null },
    text: 'test text',
    tokenizer: null,
    examples: null,
    node: [],
    teacherPass: null,
    browser: null,
    load: null,
    errors: [],
    seconds: 12,
    ...over,
  };
}

describe('reportMarkdown', () => {
  it('prints the command, each measured section, and the MFU as a percentage', () => {
    const md = reportMarkdown(
      report({
        tokenizer: { ourCharsPerSec: 6e6, hfCharsPerSec: 1.5e6, ratio: 4, identical: true, chars: 1000 },
        node: [suite('wasm', 174, 174)],
      }),
    );
    expect(md).toContain('`npm run bench -- --quick`');
    expect(md).toContain('| 6,000,000 | 1,500,000 | **4.00×** | yes |');
    expect(md).toContain(
      '| Node | wasm | 16.00 | demo-teacher-4L-128 | forward | 4×128 | 250.0 | 2,048 | 4.00 | **25.0%** |',
    );
    expect(md).toContain('flat (no leak)');
    expect(md).toContain('| Node | wasm | demo-student-3L-128 | 8×64 | 500.0 | 16.00 |');
    expect(md).toContain('Not measured in this run: Node wasm: teacher-base-12L-768 forward (--quick).');
    expect(md).not.toContain('## IndexedDB');
  });

  it('flags a growing tensor count, non-identical tokenizer output and errors', () => {
    const md = reportMarkdown(
      report({
        tokenizer: { ourCharsPerSec: 1, hfCharsPerSec: 1, ratio: 1, identical: false, chars: 10 },
        node: [suite('cpu', 100, 190)],
        errors: ['browser: no Chromium at /nowhere'],
      }),
    );
    expect(md).toContain('**grows**');
    expect(md).toContain('**NO**');
    expect(md).toContain('- browser: no Chromium at /nowhere');
  });
});
