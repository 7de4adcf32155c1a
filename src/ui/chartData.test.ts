import { describe, expect, it } from 'vitest';
import {
  chartSeries,
  distinctLabels,
  downsampleIndices,
  emaSmooth,
  evalXs,
  finiteMean,
  integerTicks,
  logTicks,
  metricXs,
  seriesSummary,
  significant,
  toCsv,
  valueTicks,
} from './chartData.ts';

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
    expect(pts.map((p) => p.x)).toEqual([1, 3]);
  });

  it('CSV has a header of all columns and quotes what needs quoting', () => {
    expect(
      toCsv([
        { a: 1, b: 'x,y' },
        { a: 2, c: 3 },
      ]),
    ).toBe('a,b,c\n1,"x,y",\n2,,3\n');
  });

  it('a range keeps only the points inside it (zoom), ends included', () => {
    const pts = chartSeries([0, 5, 10, 15, 20], [1, 2, 3, 4, 5], {
      smoothing: 0,
      maxPoints: 100,
      log: false,
      from: 5,
      to: 15,
    });
    expect(pts).toEqual([
      { x: 5, value: 2 },
      { x: 10, value: 3 },
      { x: 15, value: 4 },
    ]);
    const open = chartSeries([0, 5, 10], [1, 2, 3], { smoothing: 0, maxPoints: 100, log: false, from: null, to: 5 });
    expect(open.map((p) => p.x)).toEqual([0, 5]);
  });

  it('step ticks are whole numbers, never 1.75, and cover the range', () => {
    for (const [lo, hi] of [
      [0, 3],
      [1, 7],
      [0, 30],
      [5, 1234],
      [0.5, 2.5],
    ]) {
      const t = integerTicks(lo, hi);
      expect(t.length).toBeGreaterThan(0);
      expect(t.length).toBeLessThanOrEqual(9);
      for (const v of t) expect(Number.isInteger(v)).toBe(true);
      expect(new Set(t).size).toBe(t.length);
      expect(t[0]).toBeGreaterThanOrEqual(Math.floor(lo));
      expect(t[t.length - 1]).toBeLessThanOrEqual(Math.ceil(hi));
    }
    expect(integerTicks(0, 3)).toEqual([0, 1, 2, 3]);
    expect(integerTicks(0, 30)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(integerTicks(4, 4)).toEqual([4]);
  });

  it('value ticks are multiples of a nice step; labels keep the fewest digits that stay distinct', () => {
    expect(valueTicks(0.1, 0.35)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    const close = valueTicks(2.0001, 2.0004);
    const labels = distinctLabels(close, significant);
    expect(new Set(labels).size).toBe(close.length);
    // one digit fewer would repeat a label
    expect(new Set(close.map((t) => significant(t, labels[1].replace(/\D/g, '').length - 1))).size).toBeLessThan(
      close.length,
    );
    expect(distinctLabels([2.0001, 2.0002], significant)).toEqual(['2.0001', '2.0002']);
    expect(distinctLabels([0, 0.5, 1], significant)).toEqual(['0', '0.5', '1']);
    expect(significant(0.00012345, 3)).toBe('1.23e-4');
    expect(logTicks(0.3, 30)).toEqual([0.5, 1, 2, 5, 10, 20]);
  });

  it('the legend summary is the minimum and the last finite value; the mean of nothing is null, not NaN', () => {
    expect(seriesSummary([3, 1, 2, Number.NaN])).toEqual({ min: 1, last: 2 });
    expect(seriesSummary([])).toBeNull();
    expect(seriesSummary([Number.NaN])).toBeNull();
    expect(finiteMean([])).toBeNull();
    expect(finiteMean([1, Number.NaN, 3])).toBe(2);
  });

  it('x by wall-clock: seconds since the first point; evaluations take the time of their step', () => {
    const pts = [
      { step: 1, time: 10_000 },
      { step: 2, time: 12_000 },
      { step: 3, time: 15_500 },
    ];
    expect(metricXs(pts, 'step')).toEqual([1, 2, 3]);
    expect(metricXs(pts, 'time')).toEqual([0, 2, 5.5]);
    expect(evalXs([0, 2, 3], pts, 'time')).toEqual([0, 2, 5.5]);
    expect(evalXs([0, 2], pts, 'step')).toEqual([0, 2]);
    expect(metricXs([], 'time')).toEqual([]);
  });
});
