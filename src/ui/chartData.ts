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

export interface SeriesPoint {
  step: number;
  value: number;
}

/** A metric series ready to draw: smoothed, downsampled, positive-only when log scale. */
export function chartSeries(
  steps: number[],
  values: number[],
  opts: { smoothing: number; maxPoints: number; log: boolean },
): SeriesPoint[] {
  const smoothed = emaSmooth(values, opts.smoothing);
  const idx = downsampleIndices(smoothed, opts.maxPoints);
  const out: SeriesPoint[] = [];
  for (const i of idx) {
    const v = smoothed[i];
    if (!Number.isFinite(v) || (opts.log && v <= 0)) continue;
    out.push({ step: steps[i], value: v });
  }
  return out;
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
