import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countRoundTrips } from '../backend/roundTrips.ts';
import { useBackend } from '../backend/useBackend.ts';
import { mean, sum } from './reductions.ts';

describe('sum and mean with an upload-free gradient', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  const x = () =>
    tf.tensor3d(
      Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 3),
      [2, 3, 4],
    );
  const cases: [string, number | number[] | undefined, boolean][] = [
    ['last axis, kept', -1, true],
    ['last axis', -1, false],
    ['two axes', [0, 2], false],
    ['everything', undefined, false],
  ];

  for (const [what, axis, keepDims] of cases) {
    it(`equals tf.sum / tf.mean exactly, value and gradient (${what})`, () => {
      const input = x();
      const weight = tf.randomNormal(tf.sum(input, axis, keepDims).shape, 0, 1, 'float32', 3);
      for (const [ours, theirs] of [
        [sum, tf.sum],
        [mean, tf.mean],
      ] as const) {
        const f = (r: typeof ours | typeof theirs) => (t: tf.Tensor) => tf.sum(tf.mul(r(t, axis, keepDims), weight));
        expect(Array.from(ours(input, axis, keepDims).dataSync())).toEqual(
          Array.from(theirs(input, axis, keepDims).dataSync()),
        );
        expect(Array.from(tf.grad(f(ours))(input).dataSync())).toEqual(
          Array.from(tf.grad(f(theirs))(input).dataSync()),
        );
      }
      tf.dispose([input, weight]);
    });
  }

  it("uploads nothing in the backward pass, where tf.mean's gradient uploads a tensor of ones", async () => {
    const input = tf.variable(x());
    const backward = (r: typeof mean) => () => {
      const { value, grads } = tf.variableGrads(() => sum(tf.square(r(input, -1, true))) as tf.Scalar, [input]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    const ours = await countRoundTrips(backward(mean));
    const theirs = await countRoundTrips(backward((t, a, k) => tf.mean(t, a, k)));
    // theirs: a [2, 3, 4] tensor of ones besides the scalars
    expect(theirs.counts.bytesUploaded - 4 * (theirs.counts.uploads - 1)).toBe(24 * 4);
    // ours: scalars only (the count the mean divides by, tf.square's 2)
    expect(ours.counts.uploads).toBeGreaterThan(0);
    expect(ours.counts.bytesUploaded).toBe(4 * ours.counts.uploads);
    input.dispose();
  });
});
