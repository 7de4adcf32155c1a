import { describe, expect, it } from 'vitest';
import { PRETRAINING_DEFAULTS } from '../core/examples/createPretrainingData.ts';
import { LOSS_PRESETS } from '../core/distill/lossConfig.ts';
import {
  contentKey,
  corpusCut,
  DEMO_CPU,
  DEMO_DEFAULTS,
  DEMO_EXAMPLES_PER_KB,
  DEMO_STEP_SPEEDUP,
  demoEstimateSeconds,
  demoOptions,
  demoSettingsForSpeed,
  demoWorkFlops,
  FAST_DEMO_GFLOPS,
  demoRunConfig,
  demoSettingsFromSearch,
  demoStudentSpec,
  sameOptions,
} from './demoPlan.ts';

describe('demo settings from the URL', () => {
  it('uses the defaults without parameters', () => {
    expect(demoSettingsFromSearch('')).toEqual(DEMO_DEFAULTS);
  });
  it('reads the overrides the e2e test uses', () => {
    const s = demoSettingsFromSearch(
      '?demo_kb=1.5&demo_k=16&demo_steps=6&demo_batch=4&demo_eval=3&demo_predict_batch=8&demo_dir=other',
    );
    expect(s).toMatchObject({
      corpusKB: 1.5,
      k: 16,
      steps: 6,
      batchSize: 4,
      evalEvery: 3,
      predictBatch: 8,
      dir: 'other/',
    });
  });
  it('names the bad parameter', () => {
    expect(() => demoSettingsFromSearch('?demo_steps=0')).toThrow(/demo_steps="0".*positive whole number/);
    expect(() => demoSettingsFromSearch('?demo_k=2.5')).toThrow(/demo_k/);
    expect(() => demoSettingsFromSearch('?demo_kb=abc')).toThrow(/demo_kb="abc"/);
    expect(() => demoSettingsFromSearch('?demo_student=big')).toThrow(/demo_student="big"/);
    expect(demoSettingsFromSearch('?demo_student=fresh').student).toBe('fresh');
  });
  it('accepts only folders of the page itself', () => {
    for (const bad of ['https://evil.example/', '../up', '/abs', '//host/x', 'a/../b']) {
      expect(() => demoSettingsFromSearch(`?demo_dir=${encodeURIComponent(bad)}`)).toThrow(/demo_dir/);
    }
  });
});

describe('demo plan', () => {
  it('builds whole-word-masked examples of 64 tokens, one pass', () => {
    const f = demoOptions(PRETRAINING_DEFAULTS);
    expect(f).toMatchObject({
      doWholeWordMask: true,
      maxSeqLength: 64,
      maxPredictionsPerSeq: 10,
      dupeFactor: 1,
    });
    // core's options the form does not show travel along unchanged
    expect(f.minDocumentChars).toBe(PRETRAINING_DEFAULTS.minDocumentChars);
    expect(f.shuffleBufferSize).toBe(PRETRAINING_DEFAULTS.shuffleBufferSize);
    expect(sameOptions(f, { ...f })).toBe(true);
    expect(sameOptions(f, { ...f, dupeFactor: 2 })).toBe(false);
    expect(sameOptions(f, { ...f, shuffleBufferSize: 0 })).toBe(false);
  });
  it('runs the seed loss with the given steps and evaluation interval', () => {
    const r = demoRunConfig({ ...DEMO_DEFAULTS, steps: 6, evalEvery: 3 });
    expect(r).toMatchObject({ lossPreset: 'seed', loss: LOSS_PRESETS.seed, evalEvery: 3 });
    expect(r.schedule.numTrainSteps).toBe(6);
    expect(r.schedule.numWarmupSteps).toBeGreaterThanOrEqual(1);
    expect(r.schedule.numWarmupSteps).toBeLessThan(r.schedule.numTrainSteps);
  });
  it('keeps the teacher layers 0,1,2, or makes a fresh 3-layer student for a shallow teacher', () => {
    expect(
      demoStudentSpec({ num_hidden_layers: 4, hidden_size: 128, num_attention_heads: 2, intermediate_size: 512 }),
    ).toEqual({ kind: 'layers', layers: [0, 1, 2] });
    expect(
      demoStudentSpec({ num_hidden_layers: 2, hidden_size: 64, num_attention_heads: 2, intermediate_size: 256 }),
    ).toEqual({
      kind: 'fresh',
      num_hidden_layers: 3,
      hidden_size: 64,
      num_attention_heads: 2,
      intermediate_size: 256,
    });
    expect(
      demoStudentSpec(
        { num_hidden_layers: 4, hidden_size: 128, num_attention_heads: 2, intermediate_size: 512 },
        'fresh',
      ),
    ).toMatchObject({ kind: 'fresh', num_hidden_layers: 3, hidden_size: 128 });
    expect(() => demoStudentSpec({ num_hidden_layers: 2 })).toThrow(/config\.json/);
  });
  it('cuts the corpus at a line end within the limit', () => {
    const bytes = new TextEncoder().encode('子曰：学而时习之。\n有朋自远方来。\n不亦乐乎？\n');
    expect(corpusCut(bytes, 1000)).toBe(bytes.length);
    const cut = corpusCut(bytes, 55);
    expect(cut).toBeLessThanOrEqual(55);
    expect(bytes[cut - 1]).toBe(0x0a);
    expect(new TextDecoder().decode(bytes.subarray(0, cut))).toBe('子曰：学而时习之。\n有朋自远方来。\n');
    expect(() => corpusCut(bytes, 10)).toThrow(/no line end in its first 10 bytes/);
  });
  it('gives equal content keys only for equal files', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array([1, 2, 4]);
    expect(contentKey([a, b])).toBe(contentKey([a.slice(), b.slice()]));
    expect(contentKey([a, b])).not.toBe(contentKey([a, a]));
    expect(contentKey([a, b])).not.toBe(contentKey([b, a]));
  });
});

describe('demo size from the measured speed', () => {
  it('runs the CPU size when the backend is slow or unmeasured, the full size on a fast one', () => {
    expect(demoSettingsForSpeed(null)).toEqual(DEMO_CPU);
    expect(demoSettingsForSpeed({ backend: 'wasm', stepGflops: 1.4 })).toEqual(DEMO_CPU);
    expect(demoSettingsForSpeed({ backend: 'webgpu', stepGflops: FAST_DEMO_GFLOPS })).toEqual(DEMO_DEFAULTS);
    // The CPU size is smaller in every way that costs time.
    expect(DEMO_CPU.corpusKB).toBeLessThan(DEMO_DEFAULTS.corpusKB);
    expect(DEMO_CPU.steps * DEMO_CPU.batchSize).toBeLessThan(DEMO_DEFAULTS.steps * DEMO_DEFAULTS.batchSize);
  });

  it('URL parameters still override the size chosen for the speed', () => {
    const s = demoSettingsFromSearch('?demo_steps=7', DEMO_CPU);
    expect(s).toEqual({ ...DEMO_CPU, steps: 7 });
  });

  it('counts the demo work by stage from the shipped teacher shape', () => {
    // One layer of hidden 128 over 64 tokens: dense 2·64·(4·128² + 2·128·512) = 25,165,824;
    // attention 2·2·64²·128 = 2,097,152; MLM head at 10 masks: 2·10·(128² + 128·4446) = 11,709,440.
    const layer = 25_165_824 + 2_097_152;
    const head = 11_709_440;
    const s = { ...DEMO_CPU, corpusKB: 1, steps: 10, batchSize: 2, evalEvery: 5 };
    const w = demoWorkFlops(s);
    expect(w.teacherPass).toBe(DEMO_EXAMPLES_PER_KB * (4 * layer + head));
    expect(w.training).toBe(10 * 2 * 3 * (3 * layer + head));
    expect(w.evaluation).toBe(3 * 1 * (3 * layer + head)); // 3 evaluations (steps 0, 5, 10) of 1 held-out example
  });

  it('estimates seconds as the work over the measured throughput (scaled to the demo model) plus a fixed start-up', () => {
    const speed = { backend: 'wasm', stepGflops: 2 };
    const w = demoWorkFlops(DEMO_CPU);
    const total = w.teacherPass + w.training + w.evaluation;
    expect(demoEstimateSeconds(DEMO_CPU, speed)).toBeCloseTo(30 + total / (2e9 * DEMO_STEP_SPEEDUP), 6);
    expect(demoEstimateSeconds(DEMO_CPU, { ...speed, stepGflops: 4 })).toBeLessThan(
      demoEstimateSeconds(DEMO_CPU, speed),
    );
  });
});
