import { describe, expect, it } from 'vitest';
import { chartSeries, downsampleIndices, emaSmooth, toCsv } from './chartData.ts';

describe('chart data shaping', () => {
  it('EMA with weight 0 is the identity and a constant stays constant', () => {
    expect(emaSmooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
    for (const v of emaSmooth([5, 5, 5, 5], 0.9)) expect(v).toBeCloseTo(5, 12);
  });

  it('EMA follows the debiased recurrence', () => {
    const w = 0.5;
    const s = emaSmooth([1, 3], w);
    expect(s[0]).toBeCloseTo(1, 12);
    // last = 0.5*0.5 + 0.5*3 = 1.75 ; debias 1 - 0.25 = 0.75
    expect(s[1]).toBeCloseTo(1.75 / 0.75, 12);
  });

  it('downsampling 100k points keeps at most the budget, the ends, and the extremes', () => {
    const n = 100_000;
    const values = Array.from({ length: n }, (_, i) => Math.sin(i / 1000));
    values[54_321] = 99; // a spike
    const idx = downsampleIndices(values, 1500);
    expect(idx.length).toBeLessThanOrEqual(1501);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(n - 1);
    expect(idx).toContain(54_321);
    for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1]);
  });

  it('log scale drops non-positive values', () => {
    const pts = chartSeries([1, 2, 3], [1, 0, 2], { smoothing: 0, maxPoints: 100, log: true });
    expect(pts.map((p) => p.step)).toEqual([1, 3]);
  });

  it('CSV has a header of all columns and quotes what needs quoting', () => {
    expect(
      toCsv([
        { a: 1, b: 'x,y' },
        { a: 2, c: 3 },
      ]),
    ).toBe('a,b,c\n1,"x,y",\n2,,3\n');
  });
});
