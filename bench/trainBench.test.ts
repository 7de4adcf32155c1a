import { describe, expect, it } from 'vitest';
import { parseBertConfig } from '../src/core/model/config.ts';
import { benchTeacherPass, benchTrainStep } from './trainBench.ts';

const cfg = parseBertConfig({
  vocab_size: 200,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 32,
});

describe('train bench (tiny, cpu)', () => {
  it('reports throughput, MFU and flat tensor counts', async () => {
    const r = await benchTrainStep({
      backend: 'cpu',
      cfg,
      batch: 2,
      seq: 16,
      steps: 12,
      maskedPositions: 3,
      k: 16,
      matmulSize: 128,
    });
    expect(r.examplesPerSec).toBeGreaterThan(0);
    expect(r.tokensPerSec).toBeGreaterThan(r.examplesPerSec);
    expect(r.mfu).toBeGreaterThan(0);
    expect(r.tensorsAfter10).toBeGreaterThan(0);
    expect(Number.isNaN(r.tensorsAfter100)).toBe(true);
    const t = await benchTeacherPass({ backend: 'cpu', cfg, batch: 2, seq: 16, batches: 2, maskedPositions: 3, k: 16 });
    expect(t.bytesPerExample).toBeGreaterThan(3 * 16 * 4);
    expect(t.cacheWriteMBps).toBeGreaterThan(0);
  });
});
