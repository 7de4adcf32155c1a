import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.ts';
import { varintBytes } from './protobufWriter.ts';
import { quantizeColumns, quantizeRows, transpose } from './quantize.ts';

describe('uint8 weight quantisation', () => {
  const rng = new Rng(3);
  const rows = 37;
  const cols = 11;
  const w = Float32Array.from({ length: rows * cols }, (_, i) => (i % cols === 4 ? 5 : 0.1) * rng.normal());

  it('per column: (q − zero) · scale is within half a step of every weight, 0 exactly representable', () => {
    const { q, scale, zeroPoint } = quantizeColumns(w, rows, cols);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const back = (q[r * cols + c] - zeroPoint[c]) * scale[c];
        expect(Math.abs(back - w[r * cols + c])).toBeLessThanOrEqual(scale[c] / 2 + 1e-7);
      }
    expect(scale[4]).toBeGreaterThan(20 * scale[0]); // the wide column has its own scale
    const z = quantizeColumns(Float32Array.of(0, -1, 2, 0.5), 2, 2);
    expect((z.q[0] - z.zeroPoint[0]) * z.scale[0]).toBe(0);
  });

  it('per row is per column of the transpose', () => {
    const byRow = quantizeRows(w, rows, cols);
    const byCol = quantizeColumns(transpose(w, rows, cols), cols, rows);
    expect(Array.from(byRow.scale)).toEqual(Array.from(byCol.scale));
    expect(Array.from(byRow.q)).toEqual(Array.from(transpose(byCol.q, cols, rows)));
  });

  it('an all-zero column gets scale 1, zero point 0', () => {
    const { scale, zeroPoint, q } = quantizeColumns(new Float32Array(6), 3, 2);
    expect(Array.from(scale)).toEqual([1, 1]);
    expect(Array.from(zeroPoint)).toEqual([0, 0]);
    expect(Array.from(q)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('refuses a matrix of the wrong size', () => {
    expect(() => quantizeColumns(new Float32Array(5), 2, 3)).toThrow('5 values is not 2 × 3');
  });
});

describe('protobuf varints', () => {
  it('writes int64 as protobuf does, negatives in ten bytes', () => {
    expect(varintBytes(1)).toEqual([1]);
    expect(varintBytes(300)).toEqual([0xac, 0x02]);
    expect(varintBytes(-1)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => varintBytes(2 ** 60)).toThrow('not a safe integer');
  });
});
