/**
 * The live pane: what is running now, each job with its progress, and the live loss chart of
 * the run in training (or the latest run). On a wide window it stays in view beside the steps;
 * on a narrow one it is pinned to the bottom of the window while something runs.
 */
import { memo, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { runColor } from '../store/runColors.ts';
import { useApp } from '../store/state.ts';
import { chartSeries, type SeriesPoint } from './chartData.ts';
import { Progress } from './common.tsx';
import { formatValue } from './format.ts';
import { liveJobs, liveRun } from './liveJobs.ts';

/** Light smoothing so the trend reads at a glance; the Charts step has the full controls. */
const LIVE_SMOOTHING = 0.6;
const LIVE_MAX_POINTS = 400;

/**
 * The live loss line, drawn again only when its points or colour change (not on every progress
 * report of a teacher pass or a build, which re-render the pane around it).
 */
const LiveChart = memo(function LiveChart(props: { series: SeriesPoint[]; color: string }) {
  return (
    <div className="live-plot">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={props.series} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="x" type="number" domain={['dataMin', 'dataMax']} allowDecimals={false} />
          <YAxis domain={['auto', 'auto']} tickFormatter={(v: number) => formatValue(v, 2)} width={48} />
          <Tooltip formatter={(v) => formatValue(Number(v))} labelFormatter={(s) => `step ${s}`} />
          <Line dataKey="value" name="total loss" stroke={props.color} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
});

export function LivePane() {
  const corpora = useApp((s) => s.corpora);
  const models = useApp((s) => s.models);
  const exampleSets = useApp((s) => s.exampleSets);
  const teacherCaches = useApp((s) => s.teacherCaches);
  const runs = useApp((s) => s.runs);
  const evaluations = useApp((s) => s.evaluations);
  const metrics = useApp((s) => s.metrics);
  const evals = useApp((s) => s.evals);
  const jobs = liveJobs({ corpora, models, exampleSets, teacherCaches, runs, evaluations, metrics });
  const run = liveRun({ runs, metrics });
  const points = run ? metrics[run.id] : undefined;
  const lastEval = run ? evals[run.id]?.at(-1) : undefined;
  const series = useMemo(
    () =>
      points
        ? chartSeries(
            points.map((p) => p.step),
            points.map((p) => p.losses.total ?? Number.NaN),
            { smoothing: LIVE_SMOOTHING, maxPoints: LIVE_MAX_POINTS, log: false },
          )
        : [],
    [points],
  );
  const lastLoss = points?.at(-1)?.losses.total;
  const idle = jobs.length === 0;

  return (
    <aside
      className={idle ? 'live idle' : 'live'}
      aria-labelledby="live-title"
      data-testid="live"
      data-jobs={jobs.length}
      data-run={run?.id ?? ''}
    >
      <h2 id="live-title">{idle ? 'Nothing running' : 'Running now'}</h2>
      {idle && !run && (
        <p className="note">Progress and the live loss chart show here while examples, a teacher pass or a run work.</p>
      )}
      <ul className="live-jobs" aria-live="polite">
        {jobs.map((j) => (
          <li key={j.key} data-testid="live-job" data-section={j.section} data-status={j.status}>
            <a href={`#${j.section}`}>{j.what}</a> <span className="live-name">{j.name}</span>{' '}
            {j.status === 'paused' && <span className="badge paused">paused</span>}
            <Progress progress={j.progress} testId="live-progress" />
          </li>
        ))}
      </ul>
      {run && (
        <figure className="live-chart" data-testid="live-chart" data-points={series.length} data-run={run.id}>
          <figcaption>
            {run.name}: total loss {formatValue(lastLoss)} at step {run.step}
            {lastEval &&
              ` · teacher agreement ${(100 * lastEval.teacherAgreement).toFixed(1)}% (step ${lastEval.step})`}{' '}
            · <a href="#charts">all charts</a>
          </figcaption>
          {series.length === 0 ? (
            <p className="note">The loss shows after the first step.</p>
          ) : (
            <LiveChart series={series} color={runColor(run)} />
          )}
        </figure>
      )}
    </aside>
  );
}
