/**
 * What the live pane shows: the jobs in progress (a corpus being read, a model loading,
 * examples being built, a teacher pass, a training run, an evaluation), each with the
 * progress its worker reported, and the run whose losses the live chart draws.
 * Pure display shaping of the store's entries, so it can be tested without a page.
 */
import type { CountProgress, MetricPoint } from '../contract/jobs.ts';
import type { AppState, RunEntry } from '../store/state.ts';

export interface LiveJob {
  /** unique among the jobs shown (the entry's area and id) */
  key: string;
  /** what the job is, in the words of its panel (e.g. "Teacher pass") */
  what: string;
  /** which entry (a corpus or model name, a set or cache id, a run's name) */
  name: string;
  status: string;
  /** the section of the page that steers it */
  section: string;
  progress?: CountProgress;
}

type LiveSource = Pick<
  AppState,
  'corpora' | 'models' | 'exampleSets' | 'teacherCaches' | 'runs' | 'evaluations' | 'metrics'
>;

const active = (status: string) => status === 'running' || status === 'paused';

/**
 * A run's progress in steps. The rate is the steps per second between the first and the last
 * of its latest metric points (0 while fewer than two are known: no ETA is shown then).
 */
export function runProgress(run: RunEntry, points: MetricPoint[] | undefined): CountProgress {
  const recent = (points ?? []).slice(-20);
  const first = recent[0];
  const last = recent[recent.length - 1];
  const seconds = first && last ? (last.time - first.time) / 1000 : 0;
  const rate = seconds > 0 ? (last.step - first.step) / seconds : 0;
  return {
    done: run.step,
    total: run.config.schedule.numTrainSteps,
    rate,
    unit: 'steps',
    message: run.status === 'paused' ? 'paused' : run.message,
  };
}

/** The jobs in progress, in the order of the page's steps. */
export function liveJobs(s: LiveSource): LiveJob[] {
  const jobs: LiveJob[] = [];
  for (const c of s.corpora)
    if (c.status === 'reading')
      jobs.push({
        key: `corpus-${c.id}`,
        what: 'Reading corpus',
        name: c.name,
        status: c.status,
        section: 'corpus',
        progress: c.progress,
      });
  for (const m of s.models)
    if (m.status === 'loading')
      jobs.push({ key: `model-${m.id}`, what: 'Loading model', name: m.name, status: m.status, section: 'models' });
  for (const e of s.exampleSets)
    if (active(e.status))
      jobs.push({
        key: `examples-${e.id}`,
        what: 'Building examples',
        name: e.id,
        status: e.status,
        section: 'examples',
        progress: e.progress,
      });
  for (const c of s.teacherCaches)
    if (active(c.status))
      jobs.push({
        key: `cache-${c.id}`,
        what: 'Teacher pass',
        name: `${c.id} (top-${c.k})`,
        status: c.status,
        section: 'teacher',
        progress: c.progress,
      });
  for (const r of s.runs)
    if (active(r.status))
      jobs.push({
        key: `run-${r.id}`,
        what: 'Training',
        name: r.name,
        status: r.status,
        section: 'training',
        progress: runProgress(r, s.metrics[r.id]),
      });
  for (const e of s.evaluations)
    if (active(e.status))
      jobs.push({
        key: `eval-${e.id}`,
        what: 'Fine-tuning evaluation',
        name: `${e.modelLabel} on ${e.taskLabel}`,
        status: e.status,
        section: 'evaluate',
        progress: { done: e.step, total: e.totalSteps, rate: 0, unit: 'steps', message: e.message },
      });
  return jobs;
}

/** The run the live chart follows: the newest one training (or paused), else the newest with metrics. */
export function liveRun(s: Pick<AppState, 'runs' | 'metrics'>): RunEntry | undefined {
  const newestFirst = [...s.runs].sort((a, b) => b.createdAt - a.createdAt);
  return newestFirst.find((r) => active(r.status)) ?? newestFirst.find((r) => (s.metrics[r.id]?.length ?? 0) > 0);
}
