/**
 * How sure a held-out rate is: the Wilson score interval of a proportion (successes of trials).
 * Unlike "p ± z·√(p(1−p)/n)", it stays inside [0, 1] and does not collapse to a point at 0% or
 * 100%: 1 of 1 agreeing gives 21%–100%, not 100% ± 0.
 *
 *   centre = (p + z²/2n) / (1 + z²/n)
 *   half   = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²)
 */

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/** The Wilson interval of `successes` out of `trials` (null for no trials). */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Interval | null {
  if (!Number.isInteger(trials) || trials < 0) throw new Error(`trials must be a whole number ≥ 0, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new Error(`successes must be a whole number in [0, ${trials}], got ${successes}`);
  }
  if (trials === 0) return null;
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // at 0 and n the bound is exactly 0 or 1 (rounding would leave 1e-17)
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === n ? 1 : Math.min(1, centre + half),
  };
}
