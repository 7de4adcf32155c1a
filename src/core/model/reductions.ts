/**
 * Sum and mean over axes, with the same forward as tf.sum / tf.mean and a
 * gradient that uploads nothing. tfjs's own gradients of Sum and Mean multiply
 * dy by `tf.ones(x.shape)`, a tensor made on the CPU and uploaded at every
 * backward pass: on a GPU that is a full-size upload per LayerNorm and per loss
 * reduction, every step. Here the ones are made on the backend (tf.fill, a
 * kernel), and the gradient is tfjs's own product dy·1, the mean's the same
 * division by the count: the same numbers. (tf.broadcastTo would avoid the
 * product but runs as a Tile kernel, several times slower on wasm than this.)
 */
import * as tf from '@tensorflow/tfjs';

function reduceWithGrad(
  x: tf.Tensor,
  axis: number | number[] | undefined,
  keepDims: boolean,
  mean: boolean,
): tf.Tensor {
  const axes = (axis === undefined ? [...x.shape.keys()] : Array.isArray(axis) ? axis : [axis]).map((a) =>
    a < 0 ? a + x.rank : a,
  );
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const expandedShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const op = tf.customGrad((input: tf.Tensor | tf.GradSaveFunc) => {
    const t = input as tf.Tensor;
    return {
      value: mean ? tf.mean(t, axes, keepDims) : tf.sum(t, axes, keepDims),
      gradFunc: (dy: tf.Tensor) => {
        const spread = tf.mul(tf.reshape(dy, expandedShape), tf.fill(t.shape, 1, 'float32'));
        return mean ? tf.div(spread, count) : spread;
      },
    };
  });
  return op(x);
}

/** tf.sum with an upload-free gradient. */
export function sum(x: tf.Tensor, axis?: number | number[], keepDims = false): tf.Tensor {
  return reduceWithGrad(x, axis, keepDims, false);
}

/** tf.mean with an upload-free gradient. */
export function mean(x: tf.Tensor, axis?: number | number[], keepDims = false): tf.Tensor {
  return reduceWithGrad(x, axis, keepDims, true);
}
