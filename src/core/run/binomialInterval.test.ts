import { describe, expect, it } from 'vitest';
import { wilsonInterval, Z_95 } from './binomialInterval.ts';

describe('the Wilson 95% interval', () => {
  it('matches the table value and the score test solved numerically', () => {
    // 50 of 100: 40.38%–59.62% (the usual table value)
    const half = wilsonInterval(50, 100)!;
    expect(half.low).toBeCloseTo(0.4038, 4);
    expect(half.high).toBeCloseTo(0.5962, 4);
    // 81 of 263 and 20 of 24: the roots of the score test |p̂ − p| = z·√(p(1−p)/n), solved by
    // bisection outside this project: 25.529%–36.621% and 64.147%–93.321%
    const a = wilsonInterval(81, 263)!;
    expect(a.low).toBeCloseTo(0.2552885, 6);
    expect(a.high).toBeCloseTo(0.3662096, 6);
    const b = wilsonInterval(20, 24)!;
    expect(b.low).toBeCloseTo(0.6414693, 6);
    expect(b.high).toBeCloseTo(0.9332132, 6);
  });

  it('does not collapse at 0% or 100%: one agreeing example of one says almost nothing', () => {
    const one = wilsonInterval(1, 1)!;
    expect(one.high).toBe(1);
    // with p = 1 the lower bound is n / (n + z²)
    expect(one.low).toBeCloseTo(1 / (1 + Z_95 * Z_95), 12);
    expect(one.low).toBeLessThan(0.21);
    const none = wilsonInterval(0, 96)!;
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(Z_95 ** 2 / (96 + Z_95 ** 2), 12);
  });

  it('narrows as trials grow, always containing the observed rate', () => {
    let width = 1;
    for (const n of [10, 30, 100, 1000, 10000]) {
      const k = Math.round(0.787 * n);
      const i = wilsonInterval(k, n)!;
      expect(i.low).toBeLessThanOrEqual(k / n);
      expect(i.high).toBeGreaterThanOrEqual(k / n);
      expect(i.high - i.low).toBeLessThan(width);
      width = i.high - i.low;
    }
    expect(width).toBeLessThan(0.02);
  });

  it('has no interval without trials and refuses impossible counts', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(5, 4)).toThrow('successes must be a whole number in [0, 4], got 5');
    expect(() => wilsonInterval(1.5, 4)).toThrow('successes must be a whole number in [0, 4], got 1.5');
    expect(() => wilsonInterval(0, -1)).toThrow('trials must be a whole number ≥ 0, got -1');
  });
});
