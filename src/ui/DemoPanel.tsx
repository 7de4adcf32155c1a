/**
 * "Try the demo": one button at the top of the page that runs the embedded
 * demo (src/store/demo.ts) and a checklist of its stages, each with the
 * progress of the entry it made (fetch, corpus, teacher, student, examples,
 * teacher pass, training with the latest teacher agreement).
 */
import { heldOutSizeText, rateText } from './scoreText.ts';
import type { ReactNode } from 'react';
import { type DemoStage, isActive, useApp } from '../store/state.ts';
import { demoPlan, runDemo } from '../store/demo.ts';
import { DEMO_EXAMPLES_PER_KB } from '../store/demoPlan.ts';
import { ErrorText, Progress } from './common.tsx';
import { formatBytes, formatCount } from './format.ts';

const STAGES: { id: DemoStage; label: string }[] = [
  { id: 'fetch', label: 'Fetch the demo files' },
  { id: 'corpus', label: 'Add the corpus' },
  { id: 'teacher', label: 'Load the teacher' },
  { id: 'student', label: 'Build a 3-layer student' },
  { id: 'examples', label: 'Build whole-word-masked examples' },
  { id: 'teacherPass', label: 'Cache the teacher outputs' },
  { id: 'training', label: 'Distil the student' },
];

type StageState = 'pending' | 'running' | 'done' | 'error' | 'reused';

export function DemoPanel() {
  const demo = useApp((s) => s.demo);
  const corpus = useApp((s) => s.corpora.find((c) => c.id === s.demo.corpusId));
  const model = useApp((s) => s.models.find((m) => m.id === s.demo.modelId));
  const studentInfo = useApp((s) => s.studentInfo);
  const set = useApp((s) => s.exampleSets.find((e) => e.id === s.demo.exampleSetId));
  const cache = useApp((s) => s.teacherCaches.find((c) => c.id === s.demo.cacheId));
  const run = useApp((s) => s.runs.find((r) => r.id === s.demo.runId));
  const evals = useApp((s) => (s.demo.runId ? s.evals[s.demo.runId] : undefined));
  const working = demo.status === 'working';
  const trainReport = useApp((s) => s.backends.train);
  const current = demo.stage ? STAGES.findIndex((x) => x.id === demo.stage) : -1;

  const stateOf = (i: number, id: DemoStage): StageState => {
    if (demo.status === 'idle') return 'pending';
    if (i < current) return demo.reused.includes(id) ? 'reused' : 'done';
    if (i > current) return 'pending';
    if (demo.status === 'error') return 'error';
    // The last stage of a started demo: running while its run trains.
    if (demo.status === 'training')
      return !run || run.status === 'error' ? 'error' : isActive(run.status) ? 'running' : 'done';
    return 'running';
  };

  const lastEval = evals?.[evals.length - 1];
  const firstEval = evals?.[0];
  const detail = (id: DemoStage): ReactNode => {
    switch (id) {
      case 'fetch':
        return demo.fetched ? (
          <span className="progress">
            <progress
              max={Math.max(1, demo.fetched.total)}
              value={demo.fetched.done}
              aria-label="demo files downloaded"
            />
            {formatBytes(demo.fetched.done)}
            {demo.fetched.total > 0 && ` / ${formatBytes(demo.fetched.total)}`} from this page's server
          </span>
        ) : null;
      case 'corpus':
        return corpus ? (
          <>
            {corpus.name} · {formatBytes(corpus.size)}
            {corpus.stats && ` · ${formatCount(corpus.stats.documents)} documents`}
            <Progress
              progress={corpus.status === 'reading' ? corpus.progress : undefined}
              testId="demo-corpus-progress"
            />
          </>
        ) : null;
      case 'teacher':
        return model?.info
          ? `${model.info.config.num_hidden_layers} layers, hidden ${model.info.config.hidden_size}, vocabulary ${formatCount(model.info.vocabSize)}`
          : model
            ? model.status
            : null;
      case 'student':
        return studentInfo && current >= 3
          ? `${studentInfo.config.num_hidden_layers} layers, ${formatCount(studentInfo.parameters)} parameters`
          : null;
      case 'examples':
        return set ? (
          <>
            {formatCount(set.count)} examples · seq {set.options.maxSeqLength}, at most{' '}
            {set.options.maxPredictionsPerSeq} masks, whole-word
            <Progress progress={set.status === 'running' ? set.progress : undefined} testId="demo-examples-progress" />
          </>
        ) : null;
      case 'teacherPass':
        return cache ? (
          <>
            <span
              data-testid="demo-teacher-detail"
              data-k={cache.k}
              data-positions={cache.status === 'ready' && cache.slots !== undefined ? cache.positions : ''}
              data-examples={set?.count ?? ''}
            >
              top-{cache.k} probabilities
              {cache.status === 'ready' && cache.slots !== undefined
                ? ` at ${formatCount(cache.positions)} masked positions of ${formatCount(set?.count)} examples`
                : ` per masked position of ${formatCount(set?.count)} examples`}
            </span>{' '}
            · {formatBytes(cache.storedBytes)}
            <Progress progress={isActive(cache.status) ? cache.progress : undefined} testId="demo-teacher-progress" />
          </>
        ) : null;
      case 'training':
        return run ? (
          <>
            <span data-testid="demo-run" data-step={run.step} data-status={run.status}>
              {run.name}: step {formatCount(run.step)} / {formatCount(run.config.schedule.numTrainSteps)}
            </span>
            {lastEval && (
              <span
                data-testid="demo-agreement"
                data-agreement={lastEval.teacherAgreement}
                data-evals={evals?.length ?? 0}
                data-first-last={`${firstEval?.teacherAgreement ?? ''},${lastEval.teacherAgreement}`}
              >
                {' '}
                · teacher agreement {(100 * (firstEval?.teacherAgreement ?? 0)).toFixed(1)}% →{' '}
                <strong>{rateText(lastEval.teacherAgreement, lastEval.teacherAgreementInterval)}</strong> (step{' '}
                {lastEval.step}) {heldOutSizeText(lastEval.positions, lastEval.examples)}
                {lastEval.sizeWarning && (
                  <strong className="warning" data-testid="demo-held-out-warning">
                    {' '}
                    ({lastEval.sizeWarning})
                  </strong>
                )}{' '}
                · <a href="#charts">see the chart</a>
              </span>
            )}
            <ErrorText testId="demo-run-error" message={run.error} />
          </>
        ) : null;
    }
  };

  let plan: ReturnType<typeof demoPlan> | null = null;
  let planError: string | null = null;
  try {
    plan = demoPlan({ backends: { train: trainReport } }, location.search);
  } catch (err) {
    planError = err instanceof Error ? err.message : String(err);
  }

  return (
    <section
      className="demo"
      aria-labelledby="demo-title"
      data-testid="demo"
      data-status={demo.status}
      data-stage={demo.stage ?? ''}
    >
      <div className="demo-head">
        <h2 id="demo-title">New here?</h2>
        <button
          type="button"
          className="primary big"
          data-testid="try-demo"
          aria-describedby="demo-what"
          disabled={working}
          aria-busy={working}
          onClick={() => void runDemo()}
        >
          {working ? 'Running the demo…' : 'Try the demo'}
        </button>
        <p id="demo-what" className="note">
          Distils a 3-layer student from a small Chinese teacher on classical texts, all shipped with this page: nothing
          else is downloaded.
        </p>
      </div>
      {plan && (
        <p className="note" data-testid="demo-estimate" data-seconds={plan.estimateSeconds ?? ''}>
          {plan.speed
            ? `On ${plan.speed.backend} (its model step measured ${plan.speed.stepGflops.toFixed(1)} GFLOP/s here) the demo should take about ${Math.max(1, Math.round((plan.estimateSeconds ?? 0) / 60))} min`
            : trainReport
              ? 'No speed measured for the chosen backend: the demo uses its CPU size'
              : 'Measuring the backends: the estimate follows'}
          {`: about ${formatCount(Math.round(plan.settings.corpusKB * DEMO_EXAMPLES_PER_KB))} examples, ${formatCount(plan.settings.steps)} training steps of ${plan.settings.batchSize}, an evaluation every ${plan.settings.evalEvery}.`}
        </p>
      )}
      <ErrorText testId="demo-error" message={demo.status === 'error' ? demo.error : planError} />
      {demo.status !== 'idle' && (
        <ol className="demo-stages" aria-label="Demo progress">
          {STAGES.map((st, i) => {
            const state = stateOf(i, st.id);
            return (
              <li
                key={st.id}
                data-testid="demo-stage"
                data-stage={st.id}
                data-state={state}
                className={state}
                aria-current={state === 'running' ? 'step' : undefined}
              >
                <span className="mark" aria-hidden="true">
                  {state === 'done' || state === 'reused'
                    ? '✓'
                    : state === 'error'
                      ? '✗'
                      : state === 'running'
                        ? '…'
                        : '·'}
                </span>
                <span className="what">
                  {st.label}
                  {state === 'reused' && <small> (stored, reused)</small>}
                </span>
                <span className="detail">{detail(st.id)}</span>
              </li>
            );
          })}
        </ol>
      )}
      {demo.note && (
        <p className="note" role="status" data-testid="demo-note">
          {demo.note}
        </p>
      )}
    </section>
  );
}
