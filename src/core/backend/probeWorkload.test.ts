import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BERT_CONFIG_DEFAULTS } from '../model/config.ts';
import { useBackend } from './useBackend.ts';
import { encoderStepFlops, PROBE_MATMUL_N, PROBE_MODEL, probeWorkloads } from './probeWorkload.ts';

describe('probe workloads', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('compute the same numbers each time, with finite loss and gradient norm, and leak no tensor', async () => {
    const before = tf.memory().numTensors;
    const w = probeWorkloads();
    const m1 = await w.matmul();
    const m2 = await w.matmul();
    expect(m1.values.length).toBe(PROBE_MATMUL_N ** 2);
    expect(Array.from(m1.values)).toEqual(Array.from(m2.values));
    const s1 = await w.step();
    const s2 = await w.step();
    expect(s1.values).toHaveLength(2);
    expect(s1.values.every((v) => Number.isFinite(v))).toBe(true);
    expect(s1.values[1]).toBeGreaterThan(0); // every weight gets a gradient
    expect(s2.values).toEqual(s1.values);
    const during = tf.memory().numTensors;
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(during).toBeGreaterThan(before);
  });

  it("counts a step's model FLOPs: dense layers and attention, backward as twice forward", () => {
    // One layer, hidden 2, intermediate 4, one sequence of 3 tokens:
    // dense 2·3·(4·4 + 2·2·4) = 192; attention 2·2·1·9·2 = 72; ×3 = 792.
    const cfg = { ...BERT_CONFIG_DEFAULTS, vocab_size: 10, hidden_size: 2, intermediate_size: 4, num_hidden_layers: 1 };
    expect(encoderStepFlops(cfg, 1, 3)).toBe(792);
    expect(PROBE_MODEL.hidden_dropout_prob).toBe(0); // no randomness: backends must agree
  });
});
