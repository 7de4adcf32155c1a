import { describe, expect, it } from 'vitest';
import type { EngineRow } from './engineBench.ts';
import { engineMarkdown } from './engineReport.ts';

const row: EngineRow = {
  backend: 'wasm',
  threads: 1,
  case: 'student-3L-768',
  what: 'student-step',
  batch: 8,
  seq: 128,
  layers: 3,
  hidden: 768,
  reps: 3,
  msPerRep: 2000,
  examplesPerSec: 4,
  gflopPerRep: 150,
  modelGflops: 75,
  perRep: {
    reads: 1,
    bytesRead: 16,
    kernelReads: 5,
    uploads: 102,
    bytesUploaded: 6994128,
    kernels: 2279,
    programs: null,
  },
  profiledKernelMs: 1800,
  profiledWallMs: 2000,
  profile: [{ kernel: 'BatchMatMul', calls: 78, ms: 1200, share: 2 / 3 }],
};

describe('engine section of the report', () => {
  it('shows throughput, model GFLOP/s, round trips, the profile and the PyTorch peer or why it was skipped', () => {
    const md = engineMarkdown({
      node: [{ backend: 'wasm', rows: [row], errors: [] }],
      browser: [
        {
          backend: 'webgpu',
          rows: [{ ...row, backend: 'webgpu', threads: undefined, perRep: { ...row.perRep, programs: 1670 } }],
          errors: ['webgpu x: failed'],
        },
      ],
      torch: [
        {
          case: 'student-3L-768',
          batch: 8,
          seq: 128,
          msPerStep: 1000,
          examplesPerSec: 8,
          modelGflops: 150,
          threads: 1,
          torch: '1.13',
        },
        { case: 'demo-student-3L-128', skipped: 'no torch' },
      ],
    }).join('\n');
    expect(md).toContain('| Node | wasm | 1 | student-step | student-3L-768 | 8×128 | 2000.0 | 4.00 | **75.00** |');
    // a browser row's thread count is not known
    expect(md).toContain(
      '| Chromium | webgpu | – | student-step | student-3L-768 | 8×128 | 2000.0 | 4.00 | **75.00** |',
    );
    expect(md).toContain(
      '| Node | wasm | student-step | student-3L-768 | **1** | 16 | 5 | 102 | 6,994,128 | 2279 | – |',
    );
    expect(md).toContain(
      '| Chromium | webgpu | student-step | student-3L-768 | **1** | 16 | 5 | 102 | 6,994,128 | 2279 | 1670 |',
    );
    expect(md).toContain('| student-3L-768 | 8×128 | 1000.0 | 8.00 | **150.00** | 1 | 1.13 |');
    expect(md).toContain('skipped: no torch');
    expect(md).toContain('BatchMatMul 1200.0 ms ×78 (67%)');
    expect(md).toContain('- error: webgpu x: failed');
  });

  it("with the native matmul peak, shows each row's share of it", () => {
    const md = engineMarkdown(
      {
        node: [{ backend: 'wasm', rows: [row], errors: [] }],
        browser: [],
        torch: [
          {
            case: 'student-3L-768',
            batch: 8,
            seq: 128,
            msPerStep: 1000,
            examplesPerSec: 8,
            modelGflops: 150,
            threads: 1,
            torch: '1.13',
          },
        ],
      },
      300,
    ).join('\n');
    expect(md).toContain('Native float32 matmul peak of this machine (ONNX section): 300.0 GFLOP/s.');
    expect(md).toContain(
      '| Node | wasm | 1 | student-step | student-3L-768 | 8×128 | 2000.0 | 4.00 | **75.00** | 25% |',
    );
    expect(md).toContain('| student-3L-768 | 8×128 | 1000.0 | 8.00 | **150.00** | 50% | 1 | 1.13 |');
  });
});

describe('engine rows on threads', () => {
  it('shows the thread count in its column, and names it with the backend in the round trips and the profile', () => {
    const md = engineMarkdown({
      node: [
        { backend: 'wasm', rows: [row], errors: [] },
        {
          backend: 'wasm',
          rows: [{ ...row, threads: 2, msPerRep: 1000, examplesPerSec: 8, modelGflops: 150 }],
          errors: [],
        },
      ],
      browser: [],
      torch: [],
    }).join('\n');
    expect(md).toContain('| Node | wasm | 1 | student-step | student-3L-768 | 8×128 | 2000.0 | 4.00 | **75.00** |');
    expect(md).toContain('| Node | wasm | 2 | student-step | student-3L-768 | 8×128 | 1000.0 | 8.00 | **150.00** |');
    expect(md).toContain('| Node | wasm ×2 | student-step | student-3L-768 | **1** |');
    expect(md).toContain('- Node wasm ×2 student-step student-3L-768: wall 2000.0 ms');
    expect(md).toContain('- Node wasm student-step student-3L-768: wall 2000.0 ms');
  });
});

describe('engine rows with the native matmul', () => {
  it('says where the matmuls ran, in the table, the round trips and the profile', () => {
    const md = engineMarkdown({
      node: [{ backend: 'wasm', rows: [{ ...row, matmul: 'onnxruntime ×2' }], errors: [] }],
      browser: [],
      torch: [],
    }).join('\n');
    expect(md).toContain('| Node | wasm (matmul: onnxruntime ×2) | 1 | student-step | student-3L-768 | 8×128 |');
    expect(md).toContain('| Node | wasm + onnxruntime ×2 matmul | student-step | student-3L-768 | **1** |');
    expect(md).toContain('- Node wasm + onnxruntime ×2 matmul student-step student-3L-768: wall 2000.0 ms');
  });
});
