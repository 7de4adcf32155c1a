import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../backend/useBackend.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { erf64, refEncoder, refMlmLogits, refPooler, type RefWeights } from '../../testing/bertReference64.ts';
import { randomIds, randomWeights, tinyConfig, toRefWeights } from '../../testing/tinyBert.ts';
import { Rng } from '../random/rng.ts';
import {
  bertEncoder,
  bertPooler,
  gatherPositions,
  gatherRows,
  hasMlmHead,
  mlmLogits,
  mlmLogitsAtPositions,
  type BertInputs,
} from './bert.ts';
import type { BertConfig } from './config.ts';
import { MLM_HEAD_NAMES, type Weights } from './weights.ts';

/** ‖a − e‖ / ‖e‖ and max |a − e| / max |e|: both must be under tol. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string) {
  expect(actual.length, what).toBe(expected.length);
  let diff2 = 0;
  let ref2 = 0;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = actual[i] - expected[i];
    diff2 += d * d;
    ref2 += expected[i] * expected[i];
    maxDiff = Math.max(maxDiff, Math.abs(d));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  expect(Number.isFinite(diff2), `${what}: finite`).toBe(true);
  expect(Math.sqrt(diff2 / ref2), `${what}: norm-relative error`).toBeLessThan(tol);
  expect(maxDiff / maxRef, `${what}: max-abs error relative to max |ref|`).toBeLessThan(tol);
}

const flat = (rows: Float64Array[]) => rows.flatMap((r) => Array.from(r));

// Batch 2, seq 7: the second sequence has 2 padding positions; token types 0/1.
const BATCH = 2;
const SEQ = 7;
const MASK = [
  [1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 0, 0],
];
const TYPES = [
  [0, 0, 0, 1, 1, 1, 1],
  [0, 0, 1, 1, 1, 0, 0],
];
const POSITIONS = [
  [1, 3, 6],
  [0, 2, 4],
];

function makeInputs(ids: number[][]): BertInputs {
  return {
    inputIds: tf.tensor2d(ids, undefined, 'int32'),
    tokenTypeIds: tf.tensor2d(TYPES, undefined, 'int32'),
    attentionMask: tf.tensor2d(MASK, undefined, 'int32'),
  };
}

function disposeInputs(inputs: BertInputs) {
  tf.dispose([inputs.inputIds, inputs.tokenTypeIds, inputs.attentionMask].filter((t): t is tf.Tensor2D => !!t));
}

describe('erf64 (reference helper)', () => {
  it('matches tabulated erf values to 1e-13', () => {
    const table: [number, number][] = [
      [0, 0],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.9, 0.9999589021219005],
      [3.5, 0.9999992569016276],
      [-1.5, -0.9661051464753108],
    ];
    for (const [x, v] of table) expect(Math.abs(erf64(x) - v), `erf(${x})`).toBeLessThan(1e-13);
  });
});

describe('bert forward on cpu', () => {
  let cfg: BertConfig;
  let weights: Weights;
  let ref: RefWeights;
  let ids: number[][];

  beforeAll(async () => {
    await useBackend('cpu');
    cfg = tinyConfig();
    weights = randomWeights(cfg, { pooler: true, mlmHead: true }, 7);
    ref = await toRefWeights(weights);
    ids = randomIds(new Rng(3), BATCH, SEQ, cfg.vocab_size);
  });

  it('agrees with the float64 reference: sequence output, pooler, MLM logits at positions (1e-4)', async () => {
    const inputs = makeInputs(ids);
    const positions = tf.tensor2d(POSITIONS, undefined, 'int32');
    const [seq, pooled, logits] = tf.tidy(() => {
      const s = bertEncoder(weights, cfg, inputs);
      return [s, bertPooler(weights, cfg, s), mlmLogitsAtPositions(weights, cfg, s, positions)];
    });
    expect(seq.shape).toEqual([BATCH, SEQ, cfg.hidden_size]);
    expect(pooled.shape).toEqual([BATCH, cfg.hidden_size]);
    expect(logits.shape).toEqual([BATCH, 3, cfg.vocab_size]);

    const refSeq = refEncoder(ref, cfg, ids, TYPES, MASK);
    expectClose(await seq.data(), refSeq.flatMap(flat), 1e-4, 'sequence output');
    expectClose(await pooled.data(), flat(refPooler(ref, refSeq)), 1e-4, 'pooler');
    const refLogits = POSITIONS.flatMap((ps, b) => ps.flatMap((p) => Array.from(refMlmLogits(ref, cfg, refSeq[b][p]))));
    expectClose(await logits.data(), refLogits, 1e-4, 'MLM logits at positions');
    tf.dispose([seq, pooled, logits, positions]);
    disposeInputs(inputs);
  });

  it('agrees with the reference for the tanh GELU, relu, other eps and no mask / no token types', async () => {
    for (const over of [
      { hidden_act: 'gelu_new', layer_norm_eps: 1e-5 },
      { hidden_act: 'relu', num_hidden_layers: 1 },
    ] as Partial<BertConfig>[]) {
      const c = { ...cfg, ...over };
      const inputIds = tf.tensor2d(ids, undefined, 'int32');
      const seq = tf.tidy(() => bertEncoder(weights, c, { inputIds }));
      const all = tf.tidy(() => mlmLogits(weights, c, seq));
      expect(all.shape).toEqual([BATCH, SEQ, c.vocab_size]);
      const refSeq = refEncoder(ref, c, ids);
      expectClose(await seq.data(), refSeq.flatMap(flat), 1e-4, `sequence output ${c.hidden_act}`);
      expectClose(
        await all.data(),
        refSeq.flatMap((r) => r.flatMap((h) => Array.from(refMlmLogits(ref, c, h)))),
        1e-4,
        'all logits',
      );
      tf.dispose([seq, all, inputIds]);
    }
  });

  it('padding does not change the outputs at real positions', async () => {
    const changed = ids.map((r) => r.slice());
    changed[1][5] = (changed[1][5] + 1) % cfg.vocab_size;
    changed[1][6] = (changed[1][6] + 7) % cfg.vocab_size;
    const a = makeInputs(ids);
    const b = makeInputs(changed);
    const [sa, sb] = tf.tidy(() => [bertEncoder(weights, cfg, a), bertEncoder(weights, cfg, b)]);
    const real = (t: tf.Tensor3D) => tf.tidy(() => tf.slice(t, [1, 0, 0], [1, 5, cfg.hidden_size]).dataSync());
    expectClose(real(sa), real(sb), 1e-6, 'real positions');
    tf.dispose([sa, sb]);
    disposeInputs(a);
    disposeInputs(b);
  });

  it('gatherPositions picks rows per sequence', () => {
    const x = tf.tensor3d(
      Array.from({ length: 2 * 4 * 3 }, (_, i) => i),
      [2, 4, 3],
    );
    const g = gatherPositions(
      x,
      tf.tensor2d(
        [
          [3, 0],
          [1, 1],
        ],
        undefined,
        'int32',
      ),
    );
    expect(g.arraySync()).toEqual([
      [
        [9, 10, 11],
        [0, 1, 2],
      ],
      [
        [15, 16, 17],
        [15, 16, 17],
      ],
    ]);
    expect(() => gatherPositions(x, tf.tensor2d([[1]], undefined, 'int32'))).toThrow(
      /positions must be \[batch=2, P\]/,
    );
  });

  it("gatherRows' gradients (scatter, one-hot) equal tf.gather's (repeated ids included)", () => {
    const table = tf.tensor2d(
      Array.from({ length: 15 }, (_, i) => Math.sin(i)),
      [5, 3],
    );
    const ids = tf.tensor1d([4, 1, 4, 0, 4], 'int32');
    const dy = tf.tensor2d(
      Array.from({ length: 15 }, (_, i) => Math.cos(3 * i)),
      [5, 3],
    );
    const theirs = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), dy)))(table);
    for (const how of ['scatter', 'onehot', 'auto', 'native'] as const) {
      const mine = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, ids, how), dy)))(table);
      expectClose(mine.dataSync(), theirs.dataSync(), 1e-6, `gradient ${how}`);
    }
    expect(gatherRows(table, ids, 'scatter').arraySync()).toEqual(tf.gather(table, ids).arraySync());
    // Under a tidy (as in the model), the saved ids outlive the forward pass.
    const viaTidy = tf.grad((t: tf.Tensor) =>
      tf.tidy(() =>
        tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, tf.add(ids, tf.scalar(0, 'int32')) as tf.Tensor1D, 'scatter'), dy)),
      ),
    )(table);
    expectClose(viaTidy.dataSync(), theirs.dataSync(), 1e-6, 'gradient under tidy');
  });

  it('gradients of every weight match float64 finite differences of the reference (directional)', async () => {
    const inputs = makeInputs(ids);
    const positions = tf.tensor2d(POSITIONS, undefined, 'int32');
    const rng = new Rng(11);
    const H = cfg.hidden_size;
    const V = cfg.vocab_size;
    // Loss = Σ r·seq + Σ s·pooled + Σ t·logits, with fixed random r, s, t.
    const r = Array.from({ length: BATCH * SEQ * H }, () => rng.normal());
    const s = Array.from({ length: BATCH * H }, () => rng.normal());
    const t = Array.from({ length: BATCH * 3 * V }, () => rng.normal());
    const vars: Record<string, tf.Variable> = {};
    for (const [name, w] of Object.entries(weights)) vars[name] = tf.variable(w, true, `gradcheck/${name}`);
    const { value, grads } = tf.variableGrads(() => {
      const seq = bertEncoder(vars, cfg, inputs);
      const pooled = bertPooler(vars, cfg, seq);
      const logits = mlmLogitsAtPositions(vars, cfg, seq, positions);
      return tf.addN([
        tf.sum(tf.mul(seq, tf.tensor(r, seq.shape))),
        tf.sum(tf.mul(pooled, tf.tensor(s, pooled.shape))),
        tf.sum(tf.mul(logits, tf.tensor(t, logits.shape))),
      ]) as tf.Scalar;
    }, Object.values(vars));

    const refLoss = (w: RefWeights) => {
      const seq = refEncoder(w, cfg, ids, TYPES, MASK);
      let L = 0;
      seq.flatMap(flat).forEach((v, i) => {
        L += v * r[i];
      });
      flat(refPooler(w, seq)).forEach((v, i) => {
        L += v * s[i];
      });
      POSITIONS.flatMap((ps, b) => ps.flatMap((p) => Array.from(refMlmLogits(w, cfg, seq[b][p])))).forEach((v, i) => {
        L += v * t[i];
      });
      return L;
    };
    expect(Math.abs(value.dataSync()[0] - refLoss(ref)) / Math.abs(refLoss(ref))).toBeLessThan(1e-4);

    // Three random directions, each touching every weight (variables are named by weight name).
    for (let trial = 0; trial < 3; trial++) {
      const eps = 1e-5;
      const plus: RefWeights = {};
      const minus: RefWeights = {};
      let analytic = 0;
      for (const [name, w] of Object.entries(ref)) {
        const g = grads[`gradcheck/${name}`];
        expect(g, `gradient of ${name}`).toBeDefined();
        const gd = g.dataSync();
        const p = new Float64Array(w.data.length);
        const m = new Float64Array(w.data.length);
        for (let i = 0; i < p.length; i++) {
          const u = rng.normal();
          analytic += gd[i] * u;
          p[i] = w.data[i] + eps * u;
          m[i] = w.data[i] - eps * u;
        }
        plus[name] = { shape: w.shape, data: p };
        minus[name] = { shape: w.shape, data: m };
      }
      const numeric = (refLoss(plus) - refLoss(minus)) / (2 * eps);
      expect(Math.abs(analytic - numeric) / Math.abs(numeric), `direction ${trial}`).toBeLessThan(2e-3);
    }
    tf.dispose([value, ...Object.values(grads), ...Object.values(vars), positions]);
    disposeInputs(inputs);
  });

  it('dropout: only in training, deterministic with a seed', async () => {
    const inputs = makeInputs(ids);
    const run = (opts: { training?: boolean; seed?: number }) =>
      tf.tidy(() => bertEncoder(weights, cfg, inputs, opts).dataSync());
    const evalA = run({});
    const evalB = run({ training: false, seed: 1 });
    expect(Array.from(evalA)).toEqual(Array.from(evalB));
    const t1 = run({ training: true, seed: 42 });
    const t2 = run({ training: true, seed: 42 });
    const t3 = run({ training: true, seed: 43 });
    expect(Array.from(t1)).toEqual(Array.from(t2));
    expect(Array.from(t1)).not.toEqual(Array.from(t3));
    expect(Array.from(t1)).not.toEqual(Array.from(evalA));
    // No dropout with zero rates, even in training.
    const noDrop = { ...cfg, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
    const t0 = tf.tidy(() => bertEncoder(weights, noDrop, inputs, { training: true, seed: 1 }).dataSync());
    expect(Array.from(t0)).toEqual(Array.from(evalA));
    disposeInputs(inputs);
  });

  it('leaks no tensors: forward in tidy, and a training step with variableGrads', () => {
    const inputs = makeInputs(ids);
    const positions = tf.tensor2d(POSITIONS, undefined, 'int32');
    const labels = tf.tensor2d(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      undefined,
      'int32',
    );
    const vars: Weights = {};
    for (const [name, w] of Object.entries(weights)) vars[name] = tf.variable(w, true, `leak/${name}`);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const s = bertEncoder(vars, cfg, inputs);
      mlmLogitsAtPositions(vars, cfg, s, positions).dataSync();
      bertPooler(vars, cfg, s).dataSync();
    });
    expect(tf.memory().numTensors).toBe(before);

    for (let step = 0; step < 2; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const seq = bertEncoder(vars, cfg, inputs, { training: true, seed: step });
        const logits = mlmLogitsAtPositions(vars, cfg, seq, positions);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, cfg.vocab_size), logits) as tf.Scalar;
      });
      for (const g of Object.values(grads)) expect(Number.isFinite(tf.tidy(() => g.sum().dataSync()[0]))).toBe(true);
      // A plain SGD update, so no optimizer state enters the count.
      tf.tidy(() => {
        for (const [name, g] of Object.entries(grads)) {
          const v = Object.values(vars).find((x) => (x as tf.Variable).name === name) as tf.Variable;
          v.assign(tf.sub(v, tf.mul(g, 0.01)));
        }
      });
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors, `after training step ${step}`).toBe(before);
    }
    tf.dispose([...Object.values(vars), positions, labels]);
    disposeInputs(inputs);
  });

  it('has clear errors for bad weights and inputs', () => {
    const inputIds = tf.tensor2d(ids, undefined, 'int32');
    const missing = { ...weights };
    delete missing['bert.encoder.layer.1.output.dense.weight'];
    expect(() => bertEncoder(missing, cfg, { inputIds })).toThrow(
      /"bert\.encoder\.layer\.1\.output\.dense\.weight" is missing/,
    );
    const wrong = { ...weights, 'bert.encoder.layer.0.attention.self.key.weight': tf.zeros([16, 8]) };
    expect(() => bertEncoder(wrong, cfg, { inputIds })).toThrow(
      /"bert\.encoder\.layer\.0\.attention\.self\.key\.weight" has shape \[16, 8\], the config needs \[16, 16\]/,
    );
    expect(() => bertEncoder(weights, { ...cfg, max_position_embeddings: 5 }, { inputIds })).toThrow(
      /exceeds max_position_embeddings 5/,
    );
    expect(() => bertEncoder(weights, cfg, { inputIds: tf.tensor2d(ids) })).toThrow(/inputIds must be int32/);
    expect(() =>
      bertEncoder(weights, cfg, { inputIds, attentionMask: tf.ones([2, 6], 'int32') as tf.Tensor2D }),
    ).toThrow(/attentionMask has shape \[2, 6\], inputIds has \[2, 7\]/);
    expect(() => bertEncoder(weights, { ...cfg, hidden_act: 'swish' }, { inputIds })).toThrow(
      /hidden_act "swish" is not supported/,
    );
    const headless = { ...weights };
    delete headless[MLM_HEAD_NAMES.bias];
    expect(hasMlmHead(headless)).toBe(false);
    expect(hasMlmHead(weights)).toBe(true);
    expect(() => mlmLogits(headless, cfg, tf.zeros([1, 16]))).toThrow(/no masked-LM head/);
    expect(() => mlmLogits(weights, cfg, tf.zeros([1, 8]))).toThrow(/last axis must be 16/);
  });
});
