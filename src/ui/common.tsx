/** Small building blocks shared by the panels: sections, labelled fields, errors, progress. */
import { useId, type ReactNode } from 'react';
import type { CountProgress } from '../contract/jobs.ts';
import { formatBytes, formatCount, formatDuration, formatShort } from './format.ts';

export function Section(props: { id: string; title: string; step?: number; children: ReactNode }) {
  return (
    <section className="panel" id={props.id} aria-labelledby={`${props.id}-title`} data-testid={`section-${props.id}`}>
      <h2 id={`${props.id}-title`}>
        {props.step !== undefined && <span className="step">{props.step}</span>}
        {props.title}
      </h2>
      {props.children}
    </section>
  );
}

/** An error shown next to what caused it; announced to screen readers. */
export function ErrorText(props: { testId: string; message: string | null | undefined }) {
  if (!props.message) return null;
  return (
    <p className="error" role="alert" data-testid={props.testId}>
      {props.message}
    </p>
  );
}

export function NumberField(props: {
  label: string;
  value: number;
  onChange(v: number): void;
  step?: number;
  min?: number;
  max?: number;
  name?: string;
  hint?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="number"
        value={Number.isFinite(props.value) ? props.value : ''}
        step={props.step ?? 'any'}
        min={props.min}
        max={props.max}
        onChange={(e) => {
          const v = e.target.valueAsNumber;
          if (Number.isFinite(v)) props.onChange(v);
        }}
      />
      {props.hint && <small>{props.hint}</small>}
    </div>
  );
}

export function CheckField(props: { label: string; checked: boolean; onChange(v: boolean): void; name?: string }) {
  const id = useId();
  return (
    <div className="field check">
      <input
        id={id}
        name={props.name}
        type="checkbox"
        checked={props.checked}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <label htmlFor={id}>{props.label}</label>
    </div>
  );
}

export function SelectField<T extends string>(props: {
  label: string;
  value: T;
  options: { value: T; label: string }[];
  onChange(v: T): void;
  name?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} name={props.name} value={props.value} onChange={(e) => props.onChange(e.target.value as T)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A progress bar with count, throughput and ETA, all as the worker measured them. */
export function Progress(props: { progress: CountProgress | undefined; testId: string }) {
  const p = props.progress;
  if (!p) return null;
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const eta = p.rate > 0 && p.total > 0 ? (p.total - p.done) / p.rate : NaN;
  return (
    <div className="progress" data-testid={props.testId} data-done={p.done} data-total={p.total} data-unit={p.unit}>
      <progress max={1} value={fraction} aria-label={`${p.unit} progress`} />
      <span>
        {formatCount(p.done)}
        {p.total > 0 && ` / ${formatCount(p.total)}`} {p.unit} · {formatShort(p.rate)} {p.unit}/s
        {Number.isFinite(eta) && ` · ETA ${formatDuration(eta)}`}
        {p.storedBytes !== undefined && ` · stored ${formatBytes(p.storedBytes)}`}
        {p.message && ` · ${p.message}`}
      </span>
    </div>
  );
}

export function KeyValues(props: { rows: [string, ReactNode][]; testId?: string }) {
  return (
    <dl className="kv" data-testid={props.testId}>
      {props.rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
