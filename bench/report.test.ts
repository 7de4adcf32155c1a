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

  it('the large teacher: the Node rows with the batch-time peak and wasm heap, the Chromium rows beside them', () => {
    const md = reportMarkdown(
      report({
        largeTeacher: [
          {
            dtype: 'F16',
            backend: 'wasm',
            fileMB: 623,
            loadSeconds: 16.3,
            loadPeakRatio: 1.28,
            loadArrayBuffersRatio: 1.12,
            weights: 'float16 kept, widened per layer: 577 MB held as float16, 89 MB float32 (embeddings, head)',
            batch: 4,
            seq: 128,
            batches: 2,
            secondsPerBatch: 50,
            examplesPerSec: 0.08,
            runPeakRatio: 1.28,
            batchPeakRatio: 1.17,
            runArrayBuffersRatio: 1.12,
            backendHeapMB: 153.4,
            heldMB: 577,
            residentMB: 89,
          },
        ],
        largeTeacherBrowser: [
          {
            backend: 'webgpu',
            workerBackend: 'webgpu',
            fileMB: 623,
            run: '1 example × seq 64, 5 masked slots, top-16, one batch of ≤ 1',
            examples: 1,
            seq: 64,
            k: 16,
            batchSize: 1,
            storeSeconds: 2,
            loadSeconds: 20.5,
            passSeconds: 200,
            examplesPerSec: 0.005,
            workerTensorPeakMB: 88.6,
            workerTensorPeakRatio: 0.14,
            loadPeakRatio: 1.2,
            runPeakRatio: 1.5,
            weights: 'float16 kept, widened per layer: 577 MB held as float16, 89 MB float32 (embeddings, head)',
          },
        ],
      }),
    );
    expect(md).toContain('| 16.3 | **1.28** | 1.12 | 50.0 | **0.08** | **1.17** | 1.28 | 153.4 |');
    expect(md).toContain("## The original's teacher size in Chromium");
    expect(md).toContain(
      '| webgpu | 1 example × seq 64, 5 masked slots, top-16, one batch of ≤ 1 | 623.0 | 2.0 | **20.5** | 200.0 | **0.005** | 88.6 (0.14) | **1.20** | 1.50 |',
    );
  });

  it('an older report without the batch-time peak prints a dash there', () => {
    const old = {
      dtype: 'F32',
      backend: 'wasm',
      fileMB: 1246,
      loadSeconds: 30,
      loadPeakRatio: 1.11,
      loadArrayBuffersRatio: 1,
      weights: 'float32 as in the file: 1246 MB on the backend',
      batch: 4,
      seq: 128,
      batches: 1,
      secondsPerBatch: 200,
      examplesPerSec: 0.02,
      runPeakRatio: 1.16,
    } as unknown as NonNullable<BenchReport['largeTeacher']>[number];
    expect(reportMarkdown(report({ largeTeacher: [old] }))).toContain('| **0.02** | **–** | 1.16 | – |');
  });
});
