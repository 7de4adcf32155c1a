/**
 * How a held-out score reads on the page: the rate with its 95% interval (computed by core,
 * src/core/run/binomialInterval.ts) and what it was measured on. Formatting only.
 */
import type { Interval } from '../core/run/binomialInterval.ts';
import { formatCount } from './format.ts';

const percent = (v: number) => `${(100 * v).toFixed(1)}`;

/** "78.7% (95% CI 70.1–85.4%)"; "—" when nothing was measured. */
export function rateText(rate: number | undefined, interval?: Interval | null): string {
  if (rate === undefined || !Number.isFinite(rate)) return '—';
  if (!interval) return `${percent(rate)}%`;
  return `${percent(rate)}% (95% CI ${percent(interval.low)}–${percent(interval.high)}%)`;
}

/** "on 96 masked positions of 24 held-out examples"; empty when the sizes were not recorded. */
export function heldOutSizeText(positions: number | undefined, examples: number | undefined): string {
  if (positions === undefined && examples === undefined) return '';
  const plural = (n: number, one: string) => `${formatCount(n)} ${one}${n === 1 ? '' : 's'}`;
  if (positions === undefined) return `on ${plural(examples!, 'example')}`;
  const onPositions = `on ${plural(positions, 'masked position')}`;
  return examples === undefined ? onPositions : `${onPositions} of ${plural(examples, 'held-out example')}`;
}
