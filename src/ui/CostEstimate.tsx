/**
 * The estimate shown before a long job starts ("Build examples", "Run the teacher pass",
 * "Start training"): what it makes, the bytes against the free storage (with the offer to make
 * storage persistent), the time at the measured rate, and warnings past the thresholds.
 * Shows only: the figures come from src/store/estimates.ts (core's arithmetic).
 */
import type { ReactNode } from 'react';
import type { CostWarning } from '../core/estimate/jobCost.ts';
import type { MeasuredRate, RateSource } from '../store/estimates.ts';
import { refreshQuota } from '../store/persistence.ts';
import { useApp } from '../store/state.ts';
import { KeyValues } from './common.tsx';
import { formatBytes, formatDuration } from './format.ts';

/** "about 2 h 5 min at 9.2 model GFLOP/s on wasm (…)", or why there is no time (`missing`, from rateMissing). */
export function timeText(seconds: number | null, rate: MeasuredRate | null, missing: string | null): string {
  if (!rate || seconds === null) return missing ?? 'unknown';
  return `about ${formatDuration(seconds)} at ${rate.gflops.toFixed(1)} model GFLOP/s on ${rate.backend} (${rateSourceText(rate.source)})`;
}

/** Where an estimate's rate comes from, in words. */
export function rateSourceText(source: RateSource): string {
  switch (source.kind) {
    case 'probe':
      return `from the backend probe: its tiny model step measured ${source.probeGflops.toFixed(2)}, and larger models run faster per FLOP; a finished job here times the next one better`;
    case 'teacherPass':
      return `as the teacher pass over ${source.label} ran: ${source.examplesPerSec.toFixed(2)} examples/s`;
    case 'run':
      return `as ${source.label} ran, evaluations included`;
  }
}

export function warningText(w: CostWarning): string {
  if (w.kind === 'time')
    return `Long job: about ${formatDuration(w.seconds)}, more than ${formatDuration(w.limitSeconds)}.`;
  return w.share > 1
    ? `Does not fit: needs ${formatBytes(w.bytes)}, more than the ${formatBytes(w.freeBytes)} of storage free.`
    : `Large: needs ${formatBytes(w.bytes)}, ${Math.round(w.share * 100)}% of the ${formatBytes(w.freeBytes)} of storage free.`;
}

/** Storage left, and a button asking the browser to keep it (the answer is shown). */
export function StorageLine() {
  const quota = useApp((s) => s.quota);
  if (!quota) return <span>storage quota unknown in this browser</span>;
  const free = Math.max(0, quota.quota - quota.usage);
  return (
    <span data-testid="estimate-storage" data-free={free} data-persisted={String(quota.persisted)}>
      {formatBytes(free)} free of {formatBytes(quota.quota)}
      {quota.persisted === true
        ? ' · persistent (the browser will not evict it)'
        : quota.persisted === false
          ? ' · not persistent: the browser may evict it'
          : ''}
      {quota.persisted !== true && (
        <button type="button" data-testid="persist-storage" onClick={() => void refreshQuota(true)}>
          Ask to keep storage
        </button>
      )}
    </span>
  );
}

export function CostEstimate(props: {
  testId: string;
  title: string;
  rows: [string, ReactNode][];
  warnings: CostWarning[];
}) {
  return (
    <div
      className={`estimate${props.warnings.length ? ' warn' : ''}`}
      data-testid={props.testId}
      data-warnings={props.warnings.map((w) => w.kind).join(',')}
    >
      <p className="estimate-title">{props.title}</p>
      <KeyValues rows={props.rows} />
      {props.warnings.map((w) => (
        <p key={w.kind} className="warning" role="alert" data-testid={`${props.testId}-warning`} data-kind={w.kind}>
          {warningText(w)}
        </p>
      ))}
    </div>
  );
}
