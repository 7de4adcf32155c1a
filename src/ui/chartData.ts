/**
 * Display-side shaping of metric histories for the charts: exponential
 * moving-average smoothing and downsampling to a bounded number of points.
 * All data stays in the store; only what is drawn is reduced.
 */

/** EMA over a series (TensorBoard's debiased smoothing); weight 0 = raw values. */
export function emaSmooth(values: number[], weight: number): number[] {
  if (weight <= 0) return values.slice();
  const out = new Array<number>(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    out[i] = last / (1 - weight ** n);
  }
  return out;
}

/**
 * Indices of at most `max` points that keep the shape of a series: the data
 * is cut into buckets and each bucket keeps its first, minimum and maximum
 * points (so spikes stay visible); the last point is always kept.
 */
export function downsampleIndices(values: number[], max: number): number[] {
  const n = values.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor(max / 3));
  const size = n / buckets;
  const keep: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start; i < end; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    for (const i of [...new Set([start, lo, hi])].sort((a, b2) => a - b2)) keep.push(i);
  }
  if (keep[keep.length - 1] !== n - 1) keep.push(n - 1);
  return keep;
}

/** One drawn point: `x` is a step or seconds since the run started, as the chart's x axis says. */
export interface SeriesPoint {
  x: number;
  value: number;
}

/**
 * A metric series ready to draw: smoothed, cut to the x range [from, to] when given,
 * downsampled, positive-only when log scale.
 */
export function chartSeries(
  xs: number[],
  values: number[],
  opts: { smoothing: number; maxPoints: number; log: boolean; from?: number | null; to?: number | null },
): SeriesPoint[] {
  const smoothed = emaSmooth(values, opts.smoothing);
  const inRange: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    if (opts.from != null && xs[i] < opts.from) continue;
    if (opts.to != null && xs[i] > opts.to) continue;
    inRange.push(i);
  }
  const kept = downsampleIndices(
    inRange.map((i) => smoothed[i]),
    opts.maxPoints,
  );
  const out: SeriesPoint[] = [];
  for (const k of kept) {
    const i = inRange[k];
    const v = smoothed[i];
    if (!Number.isFinite(v) || (opts.log && v <= 0)) continue;
    out.push({ x: xs[i], value: v });
  }
  return out;
}

/** The lowest and the last finite value of a series (what the legend shows), null when it has none. */
export function seriesSummary(values: number[]): { min: number; last: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let last: number | null = null;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    last = v;
  }
  return last === null ? null : { min, last };
}

/** The mean of the finite values, null when there are none (never NaN: it goes into data- attributes). */
export function finiteMean(values: number[]): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    sum += v;
    n++;
  }
  return n === 0 ? null : sum / n;
}

/** The "nice" step (1, 2 or 5 × 10ⁿ) that splits `span` into at most `maxTicks` intervals. */
function niceStep(span: number, maxTicks: number): number {
  const raw = span / Math.max(1, maxTicks);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

/** Ticks for a step axis: whole numbers only (never 1.75), at most `maxTicks + 1`, covering [lo, hi]. */
export function integerTicks(lo: number, hi: number, maxTicks = 8): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const a = Math.floor(Math.min(lo, hi));
  const b = Math.ceil(Math.max(lo, hi));
  if (a === b) return [a];
  const step = Math.max(1, Math.round(niceStep(b - a, maxTicks)));
  const ticks: number[] = [];
  for (let t = Math.ceil(a / step) * step; t <= b; t += step) ticks.push(t);
  return ticks;
}

/** Evenly spaced "nice" ticks covering [lo, hi] for a value axis (a single tick when lo = hi). */
export function valueTicks(lo: number, hi: number, maxTicks = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  const step = niceStep(hi - lo, maxTicks);
  const ticks: number[] = [];
  const first = Math.floor(lo / step);
  const last = Math.ceil(hi / step);
  // ticks as multiples of the step (k·step, not repeated additions: no 0.30000000000000004)
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Ticks for a log axis: 1, 2 and 5 × 10ⁿ inside [lo, hi] (lo > 0), or the value ticks when too few. */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !Number.isFinite(hi)) return [];
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of [1, 2, 5]) {
      const t = Number((m * 10 ** e).toPrecision(12));
      if (t >= lo && t <= hi) ticks.push(t);
    }
  return ticks.length >= 2 ? ticks : valueTicks(lo, hi).filter((t) => t > 0);
}

/**
 * Labels for ticks with the fewest significant digits that keep every label different (no axis
 * that reads 0.0012, 0.0012, 0.0012); each label is `format(value, digits)`.
 */
export function distinctLabels(ticks: number[], format: (v: number, digits: number) => string): string[] {
  for (let digits = 1; digits <= 12; digits++) {
    const labels = ticks.map((t) => format(t, digits));
    if (new Set(labels).size === labels.length) return labels;
  }
  return ticks.map((t) => String(t));
}

/** A number in at most `digits` significant digits, plain where readable, exponent form when tiny or huge. */
export function significant(v: number, digits: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(Math.max(0, digits - 1));
  return String(Number(v.toPrecision(digits)));
}

/** What the x axis counts: optimiser steps, or wall-clock seconds since the run's first step. */
export type XAxisMode = 'step' | 'time';

/**
 * The x value of each metric point: its step, or seconds since the run's first recorded point
 * (a resumed run's pause shows as a gap).
 */
export function metricXs(points: { step: number; time: number }[], mode: XAxisMode): number[] {
  if (mode === 'step') return points.map((p) => p.step);
  const t0 = points[0]?.time ?? 0;
  return points.map((p) => (p.time - t0) / 1000);
}

/**
 * The x value of evaluation steps in the same mode: in time mode, the time of the training point
 * at that step (or the nearest one before it; step 0 is the run's start).
 */
export function evalXs(steps: number[], points: { step: number; time: number }[], mode: XAxisMode): number[] {
  if (mode === 'step') return steps.slice();
  const t0 = points[0]?.time ?? 0;
  return steps.map((s) => {
    let t = t0;
    for (const p of points) {
      if (p.step > s) break;
      t = p.time;
    }
    return (t - t0) / 1000;
  });
}

/** Metric rows as CSV (one row per run and step; columns are the union of all fields). */
export function toCsv(rows: Record<string, string | number | undefined>[]): string {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const esc = (v: string | number | undefined) => {
    if (v === undefined) return '';
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => esc(r[c])).join(','))].join('\n') + '\n';
}
