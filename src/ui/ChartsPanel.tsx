/**
 * Step 6: the runs table (names, notes, configs, compare) and live charts of every run's losses,
 * learning rate, throughput and evaluations: one colour per run (kept with it), whole-number step
 * ticks, distinct axis labels, x by step or wall-clock time, a from/to zoom, and a legend with
 * each run's config and each series' minimum and last value.
 */
import { memo, useId, useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { EvalPoint, MetricPoint } from '../contract/jobs.ts';
import { toggleChartRun } from '../store/runs.ts';
import { differingFields, legendConfig, type RunRow, runCsvColumns, runRow } from '../store/runTable.ts';
import { useApp } from '../store/state.ts';
import {
  chartSeries,
  distinctLabels,
  evalXs,
  finiteMean,
  integerTicks,
  logTicks,
  metricXs,
  type SeriesPoint,
  seriesSummary,
  significant,
  toCsv,
  valueTicks,
  type XAxisMode,
} from './chartData.ts';
import { CheckField, Section } from './common.tsx';
import { formatCount, formatValue } from './format.ts';
import { HeldOutScores } from './HeldOutScores.tsx';
import { RunsTable } from './RunsTable.tsx';

const DASHES = ['', '6 3', '2 2', '8 3 2 3', '1 3'];
const MAX_POINTS = 1500;

export interface Line_ {
  key: string;
  name: string;
  color: string;
  dash: string;
  data: SeriesPoint[];
  /** the run (or evaluation) the line belongs to: the legend groups lines by it */
  groupId?: string;
  /** the group's label and config in the legend */
  groupLabel?: string;
  groupConfig?: string;
  /** the series' lowest and last raw value (in the zoomed range), for the legend */
  summary?: { min: number; last: number } | null;
}

/** The x axis of a chart: step or wall-clock seconds, and the zoomed range (null: the data's). */
export interface XAxisSpec {
  mode: XAxisMode;
  from: number | null;
  to: number | null;
}

const STEP_AXIS: XAxisSpec = { mode: 'step', from: null, to: null };

/** Seconds shown in the unit that suits the span (s, min or h). */
function timeUnit(spanSeconds: number): { unit: string; seconds: number } {
  if (spanSeconds >= 2 * 3600) return { unit: 'h', seconds: 3600 };
  if (spanSeconds >= 600) return { unit: 'min', seconds: 60 };
  return { unit: 's', seconds: 1 };
}

function extent(values: number[]): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** The ticks of both axes and their labels (each label once). */
function axes(lines: Line_[], x: XAxisSpec, log: boolean) {
  const xs = lines.flatMap((l) => l.data.map((p) => p.x));
  const ys = lines.flatMap((l) => l.data.map((p) => p.value));
  const xr = extent(xs) ?? [0, 1];
  const xlo = x.from ?? xr[0];
  const xhi = x.to ?? xr[1];
  let xTicks: number[];
  let xLabels: string[];
  if (x.mode === 'step') {
    xTicks = integerTicks(xlo, xhi);
    xLabels = xTicks.map(String);
  } else {
    const u = timeUnit(xhi - xlo);
    xTicks = valueTicks(xlo / u.seconds, xhi / u.seconds).map((t) => t * u.seconds);
    xLabels = distinctLabels(
      xTicks.map((t) => t / u.seconds),
      significant,
    ).map((l) => `${l} ${u.unit}`);
  }
  const yr = extent(ys) ?? [0, 1];
  const yTicks = log ? logTicks(yr[0], yr[1]) : valueTicks(yr[0], yr[1]);
  const yLabels = distinctLabels(yTicks, significant);
  return {
    xDomain: [Math.min(xlo, xTicks[0] ?? xlo), Math.max(xhi, xTicks[xTicks.length - 1] ?? xhi)] as [number, number],
    xTicks,
    xLabel: new Map(xTicks.map((t, i) => [t, xLabels[i]])),
    yDomain: (log ? [yr[0], yr[1]] : [yTicks[0] ?? yr[0], yTicks[yTicks.length - 1] ?? yr[1]]) as [number, number],
    yTicks,
    yLabel: new Map(yTicks.map((t, i) => [t, yLabels[i]])),
  };
}

/** A short line in the series' colour and dash, for the legend. */
function LineSample(props: { color: string; dash: string }) {
  return (
    <svg width="22" height="8" aria-hidden="true">
      <line x1="0" y1="4" x2="22" y2="4" stroke={props.color} strokeWidth="2" strokeDasharray={props.dash} />
    </svg>
  );
}

/** The legend: per run its name and config, then each of its series with its minimum and last value. */
function ChartLegend(props: { lines: Line_[] }) {
  const groups: { id: string; label?: string; config?: string; lines: Line_[] }[] = [];
  for (const l of props.lines) {
    const id = l.groupId ?? l.key;
    let g = groups.find((x) => x.id === id);
    if (!g) {
      g = { id, label: l.groupLabel, config: l.groupConfig, lines: [] };
      groups.push(g);
    }
    g.lines.push(l);
  }
  return (
    <ul className="legend" data-testid="chart-legend">
      {groups.map((g) => (
        <li key={g.id} data-testid="legend-run" data-run-id={g.id}>
          {g.label && (
            <div>
              <strong>{g.label}</strong>
              {g.config && <span className="run-config"> · {g.config}</span>}
            </div>
          )}
          {g.lines.map((l) => (
            <div
              key={l.key}
              data-testid="legend-item"
              data-color={l.color}
              data-min={l.summary?.min ?? ''}
              data-last={l.summary?.last ?? ''}
            >
              <LineSample color={l.color} dash={l.dash} />
              {l.name}
              {l.summary && (
                <span className="note">
                  {' '}
                  min {significant(l.summary.min, 4)} · last {significant(l.summary.last, 4)}
                </span>
              )}
            </div>
          ))}
        </li>
      ))}
    </ul>
  );
}

/** One line chart (also used by the Evaluate panel). */
export const MetricChart = memo(function MetricChart(props: {
  title: string;
  lines: Line_[];
  log: boolean;
  testId: string;
  dots?: boolean;
  x?: XAxisSpec;
}) {
  const x = props.x ?? STEP_AXIS;
  const total = props.lines.reduce((n, l) => n + l.data.length, 0);
  const a = axes(props.lines, x, props.log);
  return (
    <figure className="chart" data-testid={props.testId} data-points={total} data-x={x.mode}>
      <figcaption>{props.title}</figcaption>
      {total === 0 ? (
        <p className="note">No data yet.</p>
      ) : (
        <>
          <ResponsiveContainer width="100%" height={240}>
            <LineChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis
                dataKey="x"
                type="number"
                domain={a.xDomain}
                ticks={a.xTicks}
                interval={0}
                allowDataOverflow
                allowDuplicatedCategory={false}
                tickFormatter={(v: number) => a.xLabel.get(v) ?? String(v)}
              />
              <YAxis
                scale={props.log ? 'log' : 'auto'}
                domain={a.yDomain}
                ticks={a.yTicks}
                interval={0}
                allowDataOverflow
                tickFormatter={(v: number) => a.yLabel.get(v) ?? significant(v, 3)}
                width={64}
              />
              <Tooltip
                formatter={(v) => formatValue(Number(v))}
                labelFormatter={(s) => (x.mode === 'step' ? `step ${s}` : `${formatValue(Number(s), 1)} s`)}
              />
              {props.lines.map((l) => (
                <Line
                  key={l.key}
                  data={l.data}
                  dataKey="value"
                  name={l.name}
                  stroke={l.color}
                  strokeDasharray={l.dash}
                  dot={props.dots ? { r: 3 } : false}
                  isAnimationActive={false}
                  type="linear"
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
          <ChartLegend lines={props.lines} />
        </>
      )}
    </figure>
  );
});

function download(text: string, name: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** CSV rows: every metric and evaluation row carries its run's name, notes, config and data. */
function exportRows(rows: RunRow[], metrics: Record<string, MetricPoint[]>, evals: Record<string, EvalPoint[]>) {
  const out: Record<string, string | number | undefined>[] = [];
  for (const r of rows) {
    const run = runCsvColumns(r);
    for (const m of metrics[r.id] ?? []) {
      out.push({
        ...run,
        kind: 'train',
        step: m.step,
        ...Object.fromEntries(Object.entries(m.losses).map(([k, v]) => [`loss_${k}`, v])),
        lr: m.lr,
        grad_norm: m.gradNorm,
        examples_per_s: m.examplesPerSec,
        tokens_per_s: m.tokensPerSec,
        time: m.time,
      });
    }
    for (const e of evals[r.id] ?? []) {
      out.push({
        ...run,
        kind: 'eval',
        step: e.step,
        eval_loss: e.loss,
        gold_accuracy: e.goldAccuracy,
        teacher_agreement: e.teacherAgreement,
        top5_overlap: e.top5Overlap,
        teacher_agreement_low: e.teacherAgreementInterval?.low,
        teacher_agreement_high: e.teacherAgreementInterval?.high,
        gold_accuracy_low: e.goldAccuracyInterval?.low,
        gold_accuracy_high: e.goldAccuracyInterval?.high,
        held_out_positions: e.positions,
        held_out_examples: e.examples,
      });
    }
  }
  return out;
}

/** A number field of the zoom: empty means "the data's end". */
function RangeField(props: { label: string; value: number | null; onChange(v: number | null): void; testId: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="number"
        data-testid={props.testId}
        value={props.value ?? ''}
        step="any"
        onChange={(e) => props.onChange(Number.isFinite(e.target.valueAsNumber) ? e.target.valueAsNumber : null)}
      />
    </div>
  );
}

export function ChartsPanel() {
  const runs = useApp((s) => s.runs);
  const chartRunIds = useApp((s) => s.chartRunIds);
  const compareRunIds = useApp((s) => s.compareRunIds);
  const metrics = useApp((s) => s.metrics);
  const evals = useApp((s) => s.evals);
  const corpora = useApp((s) => s.corpora);
  const models = useApp((s) => s.models);
  const exampleSets = useApp((s) => s.exampleSets);
  const teacherCaches = useApp((s) => s.teacherCaches);
  const [smoothing, setSmoothing] = useState(0.6);
  const [log, setLog] = useState(false);
  const [xMode, setXMode] = useState<XAxisMode>('step');
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  const sliderId = useId();
  const computedRows = useMemo(
    () => runs.map((r) => runRow(r, { corpora, models, exampleSets, teacherCaches, metrics, evals })),
    [runs, corpora, models, exampleSets, teacherCaches, metrics, evals],
  );
  // The rows are the same while a job elsewhere reports progress (a teacher pass, a build): kept
  // as the same array then, so the charts and the table below are not drawn again every 250 ms.
  const rowsKey = JSON.stringify(computedRows);
  // biome-ignore lint/correctness/useExhaustiveDependencies: rowsKey is computedRows's content
  const rows = useMemo(() => computedRows, [rowsKey]);
  const shown = useMemo(() => rows.filter((r) => chartRunIds.includes(r.id)), [rows, chartRunIds]);
  const x: XAxisSpec = useMemo(() => ({ mode: xMode, from, to }), [xMode, from, to]);

  const charts = useMemo(() => {
    const loss: Line_[] = [];
    const lr: Line_[] = [];
    const speed: Line_[] = [];
    const ev: Line_[] = [];
    const differs = differingFields(shown);
    const inRange = (xs: number[], values: number[]) =>
      values.filter((_, i) => (from === null || xs[i] >= from) && (to === null || xs[i] <= to));
    for (const r of shown) {
      const m = metrics[r.id] ?? [];
      const xs = metricXs(m, xMode);
      const color = r.color;
      const group = { groupId: r.id, groupLabel: r.name, groupConfig: legendConfig(r, differs) };
      const series = (
        key: string,
        name: string,
        dash: string,
        values: number[],
        smooth: number,
        logScale: boolean,
      ) => ({
        key: `${r.id}-${key}`,
        name,
        color,
        dash,
        ...group,
        summary: seriesSummary(inRange(xs, values)),
        data: chartSeries(xs, values, { smoothing: smooth, maxPoints: MAX_POINTS, log: logScale, from, to }),
      });
      const names = new Set<string>();
      for (const p of m) for (const k of Object.keys(p.losses)) names.add(k);
      [...names]
        .sort((a, b) => (a === 'total' ? -1 : b === 'total' ? 1 : a.localeCompare(b)))
        .forEach((name, ci) => {
          loss.push(
            series(
              name,
              `${name} loss`,
              DASHES[ci % DASHES.length],
              m.map((p) => p.losses[name] ?? Number.NaN),
              smoothing,
              log,
            ),
          );
        });
      lr.push(
        series(
          'lr',
          'learning rate',
          '',
          m.map((p) => p.lr),
          0,
          false,
        ),
      );
      speed.push(
        series(
          'eps',
          'examples/s',
          '',
          m.map((p) => p.examplesPerSec),
          smoothing,
          false,
        ),
      );
      const e = evals[r.id] ?? [];
      const exs = evalXs(
        e.map((p) => p.step),
        m,
        xMode,
      );
      const evalSeries = (key: string, name: string, dash: string, values: number[]) => ({
        key: `${r.id}-${key}`,
        name,
        color,
        dash,
        ...group,
        summary: seriesSummary(inRange(exs, values)),
        data: chartSeries(exs, values, { smoothing: 0, maxPoints: MAX_POINTS, log: false, from, to }),
      });
      ev.push(
        evalSeries(
          'agree',
          'teacher agreement',
          '',
          e.map((p) => p.teacherAgreement),
        ),
      );
      ev.push(
        evalSeries(
          'gold',
          'gold accuracy',
          '6 3',
          e.map((p) => p.goldAccuracy),
        ),
      );
      ev.push(
        evalSeries(
          'top5',
          'top-5 overlap',
          '2 2',
          e.map((p) => p.top5Overlap),
        ),
      );
    }
    return { loss, lr, speed, ev };
  }, [shown, metrics, evals, smoothing, log, xMode, from, to]);

  const latest = shown.map((r) => {
    const m = metrics[r.id] ?? [];
    const totals = m.map((p) => p.losses.total);
    return {
      row: r,
      first: totals[0],
      last: totals[totals.length - 1],
      n: m.length,
      // never NaN: a run whose metrics are not loaded yet (just after a reload) has none
      firstMean: finiteMean(totals.slice(0, 5)),
      lastMean: finiteMean(totals.slice(-5)),
    };
  });

  return (
    <Section id="charts" title="Charts" step={6}>
      <RunsTable rows={rows} compareIds={compareRunIds} />
      <div className="controls">
        <fieldset>
          <legend>Runs shown</legend>
          {runs.length === 0 && <span className="note">No runs yet.</span>}
          {runs.map((r) => (
            <CheckField
              key={r.id}
              label={r.name}
              checked={chartRunIds.includes(r.id)}
              onChange={() => toggleChartRun(r.id)}
            />
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={sliderId}>EMA smoothing: {smoothing.toFixed(2)}</label>
          <input
            id={sliderId}
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => setSmoothing(e.target.valueAsNumber)}
          />
        </div>
        <CheckField label="log scale (losses)" checked={log} onChange={setLog} />
        <fieldset>
          <legend>x axis</legend>
          {(
            [
              ['step', 'step'],
              ['time', 'wall-clock time'],
            ] as const
          ).map(([mode, label]) => (
            <label key={mode} className="check">
              <input
                type="radio"
                name="chart-x"
                value={mode}
                data-testid={`x-${mode}`}
                checked={xMode === mode}
                onChange={() => {
                  setXMode(mode);
                  setFrom(null);
                  setTo(null);
                }}
              />{' '}
              {label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>zoom ({xMode === 'step' ? 'steps' : 'seconds'})</legend>
          <RangeField label="from" value={from} onChange={setFrom} testId="zoom-from" />
          <RangeField label="to" value={to} onChange={setTo} testId="zoom-to" />
          <button
            type="button"
            disabled={from === null && to === null}
            onClick={() => {
              setFrom(null);
              setTo(null);
            }}
          >
            Whole run
          </button>
        </fieldset>
        <div className="actions">
          <button
            type="button"
            disabled={shown.length === 0}
            data-testid="export-csv"
            onClick={() => download(toCsv(exportRows(shown, metrics, evals)), 'metrics.csv', 'text/csv')}
          >
            Export CSV
          </button>
          <button
            type="button"
            disabled={shown.length === 0}
            onClick={() =>
              download(
                JSON.stringify(
                  shown.map((r) => ({
                    run: runs.find((x) => x.id === r.id),
                    fields: r.values,
                    metrics: metrics[r.id] ?? [],
                    evals: evals[r.id] ?? [],
                  })),
                  null,
                  1,
                ),
                'metrics.json',
                'application/json',
              )
            }
          >
            Export JSON
          </button>
        </div>
      </div>
      {from !== null && to !== null && from > to && (
        <p className="error" role="alert" data-testid="zoom-error">
          The zoom's “from” ({from}) is past its “to” ({to}): nothing to show.
        </p>
      )}
      <ul className="summary" data-testid="loss-summary">
        {latest.map(({ row, first, last, n, firstMean, lastMean }) => (
          <li
            key={row.id}
            data-testid="loss-summary-run"
            data-first={first ?? ''}
            data-last={last ?? ''}
            data-first-mean={firstMean ?? undefined}
            data-last-mean={lastMean ?? undefined}
            data-count={n}
          >
            {row.name}: {n} steps recorded · total loss {formatValue(first)} → {formatValue(last)}
          </li>
        ))}
      </ul>
      <MetricChart title="Loss (total and components)" lines={charts.loss} log={log} testId="chart-loss" x={x} />
      <div className="two">
        <MetricChart title="Learning rate" lines={charts.lr} log={false} testId="chart-lr" x={x} />
        <MetricChart title="Throughput (examples/s)" lines={charts.speed} log={false} testId="chart-speed" x={x} />
      </div>
      <MetricChart title="Evaluation (held-out)" lines={charts.ev} log={false} dots testId="chart-eval" x={x} />
      <ul className="entries" aria-label="Latest evaluations">
        {shown.map((r) => {
          const last = evals[r.id]?.at(-1);
          return last ? (
            <li key={r.id} data-testid="chart-eval-latest" data-run={r.id}>
              {r.name} at step {formatCount(last.step)}: <HeldOutScores point={last} />
            </li>
          ) : null;
        })}
      </ul>
    </Section>
  );
}
