import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.ts';
import { distillLoss, lossConfig, LOSS_PRESETS, retemperProbs, type LossConfig } from './loss.ts';

/** Plain-JS reference of every component, written from the formulas, slot by slot. */
function reference(
  logits: number[][][],
  p: number[][][],
  ids: number[][][],
  w: number[][],
  gold: number[][],
  T: number,
) {
  let sw = 0;
  const acc = { ce: 0, cos: 0, kl: 0, missingMass: 0, mlm: 0 };
  for (let b = 0; b < logits.length; b++) {
    for (let s = 0; s < logits[b].length; s++) {
      const ws = w[b][s];
      sw += ws;
      const lg = logits[b][s];
      const logSoftmax = (xs: number[]) => {
        const m = Math.max(...xs);
        const z = Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0)) + m;
        return xs.map((x) => x - z);
      };
      const lsT = logSoftmax(lg.map((x) => x / T));
      const ls1 = logSoftmax(lg);
      const mass = p[b][s].reduce((a, x) => a + x, 0);
      const pw = p[b][s].map((x) => x ** (1 / T));
      const pwSum = pw.reduce((a, x) => a + x, 0);
      const pt = T === 1 ? p[b][s] : pw.map((x) => (mass * x) / pwSum);
      const logq = ids[b][s].map((id) => lsT[id]);
      const q = logq.map(Math.exp);
      acc.ce += ws * -pt.reduce((a, pk, k) => a + pk * logq[k], 0);
      const dot = pt.reduce((a, pk, k) => a + pk * q[k], 0);
      const np = Math.sqrt(pt.reduce((a, x) => a + x * x, 0));
      const nq = Math.sqrt(q.reduce((a, x) => a + x * x, 0));
      acc.cos += ws * (1 - dot / (np * nq));
      const ptSum = pt.reduce((a, x) => a + x, 0);
      const qSum = q.reduce((a, x) => a + x, 0);
      acc.kl += ws * pt.reduce((a, pk, k) => (pk > 0 ? a + (pk / ptSum) * Math.log(pk / ptSum / (q[k] / qSum)) : a), 0);
      acc.missingMass += ws * -(1 - ptSum) * Math.log(1 - qSum);
      acc.mlm += ws * -ls1[gold[b][s]];
    }
  }
  const d = sw + 1e-5;
  return { ce: acc.ce / d, cos: acc.cos / d, kl: acc.kl / d, missingMass: acc.missingMass / d, mlm: acc.mlm / d };
}

function run(
  logits: number[][][],
  p: number[][][],
  ids: number[][][],
  w: number[][],
  gold: number[][],
  cfg: LossConfig,
): Record<string, number> {
  return tf.tidy(() => {
    const out = distillLoss(
      {
        logits: tf.tensor3d(logits),
        teacherProbs: tf.tensor3d(p),
        teacherIds: tf.tensor3d(ids, undefined, 'int32'),
        weights: tf.tensor2d(w),
        goldIds: tf.tensor2d(gold, undefined, 'int32'),
      },
      cfg,
    );
    const c: Record<string, number> = {};
    for (const [k, v] of Object.entries(out.components)) c[k] = v!.dataSync()[0];
    return { total: out.total.dataSync()[0], ...c };
  });
}

describe('distillation loss', () => {
  it('seed preset on a hand-computed case: uniform student, p = [1/2, 1/4, 1/8]', () => {
    // V = 5 and zero logits: q = 1/5 at every id. One real slot, one padding slot (weight 0, garbage values).
    const logits = [
      [
        [0, 0, 0, 0, 0],
        [9, -3, 4, 1, 0],
      ],
    ];
    const p = [
      [
        [0.5, 0.25, 0.125],
        [0.9, 0.05, 0.01],
      ],
    ];
    const ids = [
      [
        [3, 0, 1],
        [1, 2, 3],
      ],
    ];
    const w = [[1, 0]];
    const r = run(logits, p, ids, w, [[3, 1]], LOSS_PRESETS.seed);
    // ce = −(0.875)·ln(1/5) = 0.875·ln 5
    const ce = (0.875 * Math.log(5)) / (1 + 1e-5);
    // cos(p, q): p·q = 0.875/5 = 0.175; |p| = √0.328125; |q| = √3/5
    const cos = (1 - 0.175 / (Math.sqrt(0.328125) * (Math.sqrt(3) / 5))) / (1 + 1e-5);
    expect(r.ce).toBeCloseTo(ce, 5);
    expect(r.cos).toBeCloseTo(cos, 5);
    expect(r.ce).toBeCloseTo(1.408244, 5); // the number written out: 0.875 × 1.6094379 / 1.00001
    expect(r.cos).toBeCloseTo(0.118082, 5);
    expect(r.total).toBeCloseTo(ce + cos, 5);
    expect(Object.keys(r).sort()).toEqual(['ce', 'cos', 'total']);
  });

  it('every component matches the plain-JS reference on random data, at T = 1 and T = 2', () => {
    const rng = new Rng(7);
    const B = 2,
      P = 3,
      V = 11,
      K = 4;
    const logits = [...Array(B)].map(() => [...Array(P)].map(() => [...Array(V)].map(() => rng.normal() * 2)));
    const ids = [...Array(B)].map(() => [...Array(P)].map(() => rng.shuffle([...Array(V).keys()]).slice(0, K)));
    const p = [...Array(B)].map(() =>
      [...Array(P)].map(() => {
        const raw = [...Array(K)].map(() => rng.random() + 0.01);
        const z = raw.reduce((a, x) => a + x, 0) / (0.6 + 0.3 * rng.random()); // top-K mass below 1
        return raw.map((x) => x / z).sort((a, b) => b - a);
      }),
    );
    const w = [
      [1, 1, 0],
      [1, 0, 0],
    ];
    const gold = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    for (const T of [1, 2]) {
      const cfg: LossConfig = {
        alphaCe: 0.5,
        alphaCos: 1.5,
        alphaKl: 2,
        alphaMissingMass: 0.7,
        alphaMlm: 3,
        temperature: T,
      };
      const r = run(logits, p, ids, w, gold, cfg);
      const ref = reference(logits, p, ids, w, gold, T);
      for (const k of ['ce', 'cos', 'kl', 'missingMass', 'mlm'] as const) expect(r[k]).toBeCloseTo(ref[k], 4);
      const total =
        0.5 * T * T * ref.ce + 1.5 * ref.cos + 2 * T * T * ref.kl + 0.7 * T * T * ref.missingMass + 3 * ref.mlm;
      expect(r.total).toBeCloseTo(total, 3);
    }
  });

  it('re-tempering keeps the top-K mass and is the identity at T = 1', () => {
    const p = tf.tensor3d([[[0.6, 0.2, 0.1]]]);
    expect(retemperProbs(p, 1)).toBe(p);
    const t2 = retemperProbs(p, 2).dataSync();
    const s = Math.sqrt(0.6) + Math.sqrt(0.2) + Math.sqrt(0.1);
    expect(t2[0]).toBeCloseTo((0.9 * Math.sqrt(0.6)) / s, 6);
    expect(t2[0] + t2[1] + t2[2]).toBeCloseTo(0.9, 6);
    p.dispose();
  });

  it('the mlm preset needs no teacher; teacher presets say so when outputs are missing', () => {
    const r = tf.tidy(
      () =>
        distillLoss(
          {
            logits: tf.zeros([1, 1, 4]) as tf.Tensor3D,
            weights: tf.ones([1, 1]) as tf.Tensor2D,
            goldIds: tf.tensor2d([[2]], undefined, 'int32'),
          },
          LOSS_PRESETS.mlm,
        ).total.dataSync()[0],
    );
    expect(r).toBeCloseTo(Math.log(4) / (1 + 1e-5), 5);
    expect(() =>
      tf.tidy(
        () =>
          distillLoss(
            { logits: tf.zeros([1, 1, 4]) as tf.Tensor3D, weights: tf.ones([1, 1]) as tf.Tensor2D },
            LOSS_PRESETS.seed,
          ).total,
      ),
    ).toThrow(/needs the teacher outputs/);
    expect(() => lossConfig('seed', { temperature: 0 })).toThrow(/temperature must be > 0/);
    expect(() => lossConfig('nope' as 'seed')).toThrow(/unknown loss preset "nope"/);
    expect(lossConfig('distilbert')).toMatchObject({ alphaCe: 5, alphaMlm: 2, alphaCos: 1, temperature: 2 });
  });

  it('has a finite gradient that moves q toward p', () => {
    const logits = tf.variable(tf.zeros([1, 1, 6]));
    const p = tf.tensor3d([[[0.7, 0.2]]]);
    const ids = tf.tensor3d([[[4, 1]]], undefined, 'int32');
    const w = tf.tensor2d([[1]]);
    const { grads } = tf.variableGrads(
      () =>
        distillLoss(
          { logits: logits as unknown as tf.Tensor3D, teacherProbs: p, teacherIds: ids, weights: w },
          LOSS_PRESETS.seed,
        ).total,
      [logits],
    );
    const g = Object.values(grads)[0].dataSync();
    expect(g.every(Number.isFinite)).toBe(true);
    expect(g[4]).toBeLessThan(0); // descending raises the teacher's top id
    expect(g[4]).toBeLessThan(g[1]);
    tf.dispose([logits, p, ids, w, ...Object.values(grads)]);
  });
});
