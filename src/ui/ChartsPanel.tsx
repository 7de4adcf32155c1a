/** Step 6: live charts of every run's losses, learning rate, throughput and evaluations. */
import { useId, useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { EvalPoint, MetricPoint } from '../contract/jobs.ts';
import { toggleChartRun } from '../store/runs.ts';
import { type RunEntry, useApp } from '../store/state.ts';
import { chartSeries, toCsv, type SeriesPoint } from './chartData.ts';
import { CheckField, Section } from './common.tsx';
import { formatCount, formatValue } from './format.ts';
import { HeldOutScores } from './HeldOutScores.tsx';

export const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
const DASHES = ['', '6 3', '2 2', '8 3 2 3', '1 3'];
const MAX_POINTS = 1500;

export interface Line_ {
  key: string;
  name: string;
  color: string;
  dash: string;
  data: SeriesPoint[];
}

/** One line chart over steps (also used by the Evaluate panel). */
export function MetricChart(props: { title: string; lines: Line_[]; log: boolean; testId: string; dots?: boolean }) {
  const total = props.lines.reduce((n, l) => n + l.data.length, 0);
  return (
    <figure className="chart" data-testid={props.testId} data-points={total}>
      <figcaption>{props.title}</figcaption>
      {total === 0 ? (
        <p className="note">No data yet.</p>
      ) : (
        <ResponsiveContainer width="100%" height={240}>
          <LineChart margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} allowDuplicatedCategory={false} />
            <YAxis
              scale={props.log ? 'log' : 'auto'}
              domain={['auto', 'auto']}
              allowDataOverflow
              tickFormatter={(v: number) => formatValue(v, 3)}
              width={64}
            />
            <Tooltip formatter={(v) => formatValue(Number(v))} labelFormatter={(s) => `step ${s}`} />
            <Legend />
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
      )}
    </figure>
  );
}

function download(text: string, name: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function exportRows(runs: RunEntry[], metrics: Record<string, MetricPoint[]>, evals: Record<string, EvalPoint[]>) {
  const rows: Record<string, string | number | undefined>[] = [];
  for (const r of runs) {
    for (const m of metrics[r.id] ?? []) {
      rows.push({
        run: r.name,
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
      rows.push({
        run: r.name,
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
  return rows;
}

export function ChartsPanel() {
  const runs = useApp((s) => s.runs);
  const chartRunIds = useApp((s) => s.chartRunIds);
  const metrics = useApp((s) => s.metrics);
  const evals = useApp((s) => s.evals);
  const [smoothing, setSmoothing] = useState(0.6);
  const [log, setLog] = useState(false);
  const sliderId = useId();
  const shown = runs.filter((r) => chartRunIds.includes(r.id));

  const charts = useMemo(() => {
    const loss: Line_[] = [];
    const lr: Line_[] = [];
    const speed: Line_[] = [];
    const ev: Line_[] = [];
    shown.forEach((r, ri) => {
      const m = metrics[r.id] ?? [];
      const steps = m.map((p) => p.step);
      const color = COLORS[ri % COLORS.length];
      const names = new Set<string>();
      for (const p of m) for (const k of Object.keys(p.losses)) names.add(k);
      [...names]
        .sort((a, b) => (a === 'total' ? -1 : b === 'total' ? 1 : a.localeCompare(b)))
        .forEach((name, ci) => {
          loss.push({
            key: `${r.id}-${name}`,
            name: `${r.name} ${name}`,
            color,
            dash: DASHES[ci % DASHES.length],
            data: chartSeries(
              steps,
              m.map((p) => p.losses[name] ?? NaN),
              { smoothing, maxPoints: MAX_POINTS, log },
            ),
          });
        });
      lr.push({
        key: `${r.id}-lr`,
        name: `${r.name} lr`,
        color,
        dash: '',
        data: chartSeries(
          steps,
          m.map((p) => p.lr),
          { smoothing: 0, maxPoints: MAX_POINTS, log: false },
        ),
      });
      speed.push({
        key: `${r.id}-eps`,
        name: `${r.name} examples/s`,
        color,
        dash: '',
        data: chartSeries(
          steps,
          m.map((p) => p.examplesPerSec),
          { smoothing, maxPoints: MAX_POINTS, log: false },
        ),
      });
      const e = evals[r.id] ?? [];
      const es = e.map((p) => p.step);
      const opts = { smoothing: 0, maxPoints: MAX_POINTS, log: false };
      ev.push({
        key: `${r.id}-agree`,
        name: `${r.name} teacher agreement`,
        color,
        dash: '',
        data: chartSeries(
          es,
          e.map((p) => p.teacherAgreement),
          opts,
        ),
      });
      ev.push({
        key: `${r.id}-gold`,
        name: `${r.name} gold accuracy`,
        color,
        dash: '6 3',
        data: chartSeries(
          es,
          e.map((p) => p.goldAccuracy),
          opts,
        ),
      });
      ev.push({
        key: `${r.id}-top5`,
        name: `${r.name} top-5 overlap`,
        color,
        dash: '2 2',
        data: chartSeries(
          es,
          e.map((p) => p.top5Overlap),
          opts,
        ),
      });
    });
    return { loss, lr, speed, ev };
  }, [shown, metrics, evals, smoothing, log]);

  const latest = shown.map((r) => {
    const m = metrics[r.id] ?? [];
    const mean = (pts: MetricPoint[]) => (pts.length ? pts.reduce((a, p) => a + p.losses.total, 0) / pts.length : NaN);
    return {
      run: r,
      first: m[0]?.losses.total,
      last: m[m.length - 1]?.losses.total,
      n: m.length,
      firstMean: mean(m.slice(0, 5)),
      lastMean: mean(m.slice(-5)),
    };
  });

  return (
    <Section id="charts" title="Charts" step={6}>
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
        <div className="actions">
          <button
            type="button"
            disabled={shown.length === 0}
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
                  shown.map((r) => ({ run: r, metrics: metrics[r.id] ?? [], evals: evals[r.id] ?? [] })),
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
      <ul className="summary" data-testid="loss-summary">
        {latest.map(({ run, first, last, n, firstMean, lastMean }) => (
          <li
            key={run.id}
            data-testid="loss-summary-run"
            data-first={first ?? ''}
            data-last={last ?? ''}
            data-first-mean={firstMean}
            data-last-mean={lastMean}
            data-count={n}
          >
            {run.name}: {n} steps recorded · total loss {formatValue(first)} → {formatValue(last)}
          </li>
        ))}
      </ul>
      <MetricChart title="Loss (total and components)" lines={charts.loss} log={log} testId="chart-loss" />
      <div className="two">
        <MetricChart title="Learning rate" lines={charts.lr} log={false} testId="chart-lr" />
        <MetricChart title="Throughput (examples/s)" lines={charts.speed} log={false} testId="chart-speed" />
      </div>
      <MetricChart title="Evaluation (held-out)" lines={charts.ev} log={false} dots testId="chart-eval" />
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
