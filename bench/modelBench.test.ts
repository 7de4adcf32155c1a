import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parameterCount } from '../src/core/model/weights.ts';
import { tinyConfig } from '../src/testing/tinyBert.ts';
import { benchModel, bertForwardFlops, bertTrainStepFlops, chineseBertConfig, formatModelBench } from './modelBench.ts';

describe('model FLOPs', () => {
  it('equals 2 × encoder matrix parameters per token plus the attention products', () => {
    // An independent route: the encoder's weight matrices (parameters minus embeddings,
    // biases and LayerNorms) each cost 2 FLOPs per token; attention adds 4·S·H per token per layer.
    const cfg = chineseBertConfig(3);
    const [B, S] = [4, 128];
    const H = cfg.hidden_size;
    const L = cfg.num_hidden_layers;
    const all = parameterCount(cfg, { pooler: false, mlmHead: false });
    const embeddings = (cfg.vocab_size + cfg.max_position_embeddings + cfg.type_vocab_size + 2) * H;
    const biasesAndNorms = L * (4 * H + cfg.intermediate_size + H + 4 * H);
    const matrices = all - embeddings - biasesAndNorms;
    expect(bertForwardFlops(cfg, B, S)).toBe(2 * B * S * matrices + L * 4 * B * S * S * H);
    // The MLM head at P positions: transform H×H and decoder V×H per position.
    expect(bertForwardFlops(cfg, B, S, 20) - bertForwardFlops(cfg, B, S)).toBe(
      2 * B * 20 * (H * H + cfg.vocab_size * H),
    );
    expect(bertTrainStepFlops(cfg, B, S, 20)).toBe(3 * bertForwardFlops(cfg, B, S, 20));
    // The familiar rule of thumb: a 3-layer 768 encoder is ≈ 2 × 21M FLOPs per token.
    expect(bertForwardFlops(cfg, 1, 1) / 1e6).toBeCloseTo(42.5, 0);
  });
});

describe('benchModel on cpu (tiny)', () => {
  for (const mode of ['forward', 'train-step'] as const) {
    it(`measures ${mode} and reports MFU against the matmul throughput`, async () => {
      const before = tf.memory().numTensors;
      const cfg = tinyConfig({ max_position_embeddings: 32 });
      const r = await benchModel({
        backend: 'cpu',
        mode,
        configs: [{ name: 'tiny', cfg, batch: 2, seq: 16 }],
        maskedPositions: 3,
        matmulSize: 64,
        minSeconds: 0,
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(r.backend).toBe('cpu');
      expect(r.matmul.gflops).toBeGreaterThan(0);
      const [row] = r.rows;
      expect(row.maskedPositions).toBe(3);
      expect(row.msPerStep).toBeGreaterThan(0);
      expect(row.tokensPerSecond).toBeCloseTo((2 * 16 * 1000) / row.msPerStep, 6);
      const flops = mode === 'forward' ? bertForwardFlops(cfg, 2, 16, 3) : bertTrainStepFlops(cfg, 2, 16, 3);
      expect(row.gflopPerStep).toBeCloseTo(flops / 1e9, 12);
      expect(row.mfu).toBeCloseTo(row.modelGflops / r.matmul.gflops, 12);
      expect(formatModelBench(r)).toContain('tiny | 2x16');
    });
  }

  it('names a backend that cannot start', async () => {
    await expect(benchModel({ backend: 'nonexistent', mode: 'forward', configs: [] })).rejects.toThrow(/nonexistent/);
  });
});
