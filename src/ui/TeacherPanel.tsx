/** Step 4: the teacher pass: top-k probabilities at every masked position, cached and resumable. */
import { useMemo, useState } from 'react';
import { controlJob } from '../store/jobRunner.ts';
import { rateMissing, teacherPassEstimate } from '../store/estimates.ts';
import { teacherPassBlocker } from '../store/jobGuards.ts';
import { isActive, type TeacherCacheEntry, useApp } from '../store/state.ts';
import { setTeacherForm, startTeacherPass } from '../store/teacherPass.ts';
import { ErrorText, NumberField, Progress, Section, SelectField } from './common.tsx';
import { CostEstimate, StorageLine, timeText } from './CostEstimate.tsx';
import { cacheLabel } from './dataLabels.ts';
import { formatBytes, formatCount } from './format.ts';

/** What the pass over the chosen set will store and take. */
function TeacherPassEstimateView(props: { setId: string; k: number; batch: number }) {
  const state = useApp();
  const e = useMemo(
    () => teacherPassEstimate(state, props.setId, props.k, props.batch),
    [state, props.setId, props.k, props.batch],
  );
  if (!e) return null;
  return (
    <CostEstimate
      testId="teacher-estimate"
      title="Estimate for this teacher pass"
      warnings={e.warnings}
      rows={[
        [
          'examples',
          `${formatCount(e.examples)}${e.positions !== null ? ` (about ${formatCount(e.positions)} masked positions)` : ''}`,
        ],
        [
          'teacher cache',
          <span key="c" data-testid="teacher-estimate-bytes" data-value={e.cacheBytes}>
            {formatBytes(e.cacheBytes)} (top-{props.k} probabilities and ids at every slot)
          </span>,
        ],
        ['storage', <StorageLine key="s" />],
        ['time', timeText(e.seconds, e.rate, rateMissing(state, 'teacher'))],
      ]}
    />
  );
}

/** What a cache's counts are: masked positions among the stored prediction slots (older entries recorded the slots only). */
function positionsText(c: TeacherCacheEntry): string {
  if (c.slots === undefined) return `${formatCount(c.positions || undefined)} prediction slots`;
  return `${formatCount(c.positions)} masked positions in ${formatCount(c.slots)} prediction slots`;
}

/** How the stored examples came about: computed now, or partly found stored by an earlier, stopped pass. */
function storedText(done: number, computed: number | undefined): string {
  if (computed === undefined) return '';
  if (computed >= done) return ', all computed in one go';
  if (computed === 0) return ', all found stored by an earlier pass';
  return ` (${formatCount(computed)} computed after the pass was continued, ${formatCount(done - computed)} stored before)`;
}

export function TeacherPanel() {
  const sets = useApp((s) => s.exampleSets).filter((e) => e.status === 'ready');
  const caches = useApp((s) => s.teacherCaches);
  const teacherId = useApp((s) => s.teacherId);
  const models = useApp((s) => s.models);
  const allSets = useApp((s) => s.exampleSets);
  const [setId, setSetId] = useState('');
  const { k, batchSize: batch } = useApp((s) => s.teacherForm);
  const [error, setError] = useState<string | null>(null);
  const chosen = setId || sets[sets.length - 1]?.id || '';
  const blocked = chosen
    ? teacherPassBlocker({ teacherCaches: caches, runs: [], evaluations: [] }, chosen, teacherId)
    : null;
  return (
    <Section id="teacher" title="Teacher pass" step={4}>
      <form
        noValidate
        className="grid"
        aria-label="Teacher pass settings"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          startTeacherPass(chosen, k, batch).catch((err: Error) => setError(err.message));
        }}
      >
        <SelectField
          label="example set"
          value={chosen}
          options={
            sets.length
              ? sets.map((s) => ({ value: s.id, label: `${s.name ?? s.id} (${formatCount(s.count)} examples)` }))
              : [{ value: '', label: 'no example set yet' }]
          }
          onChange={setSetId}
        />
        <NumberField
          label="truncation_factor (top k)"
          name="truncation_factor"
          value={k}
          min={1}
          step={1}
          onChange={(v) => setTeacherForm({ k: v })}
        />
        <NumberField
          label="predict_batch_size"
          name="predict_batch_size"
          value={batch}
          min={1}
          step={1}
          onChange={(v) => setTeacherForm({ batchSize: v })}
        />
        <TeacherPassEstimateView setId={chosen} k={k} batch={batch} />
        <div className="actions">
          <button
            type="submit"
            disabled={!chosen || !teacherId || blocked !== null}
            aria-describedby={blocked ? 'teacher-blocked' : undefined}
            data-testid="start-teacher"
          >
            Run the teacher pass
          </button>
          {blocked && (
            <span className="note" id="teacher-blocked" data-testid="teacher-blocked">
              {blocked}
            </span>
          )}
        </div>
      </form>
      <ErrorText testId="teacher-error" message={error} />
      <ul className="entries">
        {caches.map((c) => (
          <li key={c.id} data-testid="teacher-cache" data-status={c.status} data-stored-bytes={c.storedBytes}>
            <div className="entry-head">
              <strong data-testid="teacher-cache-name">{cacheLabel({ models, exampleSets: allSets }, c)}</strong>{' '}
              <span className={`badge ${c.status}`}>{c.status}</span>{' '}
              {formatCount(allSets.find((e) => e.id === c.exampleSetId)?.count)} examples · k={c.k} ·{' '}
              <span data-testid="teacher-cache-positions" data-positions={c.positions} data-slots={c.slots ?? ''}>
                {positionsText(c)}
              </span>{' '}
              · cache {formatBytes(c.storedBytes)}
              {c.status === 'running' && (
                <button type="button" onClick={() => controlJob(c.id, 'pause')} data-testid="pause-teacher">
                  Pause
                </button>
              )}
              {c.status === 'paused' && (
                <button type="button" onClick={() => controlJob(c.id, 'resume')} data-testid="resume-teacher">
                  Resume
                </button>
              )}
              {(c.status === 'running' || c.status === 'paused') && (
                <button type="button" onClick={() => controlJob(c.id, 'stop')} data-testid="stop-teacher">
                  Stop
                </button>
              )}
              {(c.status === 'interrupted' || c.status === 'stopped' || c.status === 'error') && (
                <ContinueButton cacheId={c.id} onError={setError} />
              )}
            </div>
            {c.status === 'stopping' && (
              <p className="note" role="status" data-testid="teacher-stopping">
                stopping after this batch…
              </p>
            )}
            <Progress progress={isActive(c.status) ? c.progress : undefined} testId="teacher-progress" />
            {!isActive(c.status) && c.progress && (
              <p
                data-testid="teacher-stored"
                data-done={c.progress.done}
                data-total={c.progress.total}
                data-computed={c.progress.produced ?? ''}
              >
                {formatCount(c.progress.done)} of {formatCount(c.progress.total)} examples stored
                {storedText(c.progress.done, c.progress.produced)}
              </p>
            )}
            <ErrorText testId="teacher-cache-error" message={c.error} />
          </li>
        ))}
      </ul>
    </Section>
  );
}

/** Continues a stopped or interrupted pass; disabled, with the reason beside it, while another pass over its set runs. */
function ContinueButton(props: { cacheId: string; onError(message: string): void }) {
  const caches = useApp((s) => s.teacherCaches);
  const c = caches.find((x) => x.id === props.cacheId);
  if (!c) return null;
  const blocked = teacherPassBlocker(
    { teacherCaches: caches, runs: [], evaluations: [] },
    c.exampleSetId,
    c.modelId,
    c.id,
  );
  return (
    <>
      <button
        type="button"
        disabled={blocked !== null}
        onClick={() =>
          startTeacherPass(c.exampleSetId, c.k, c.batchSize, c.id).catch((err: Error) => props.onError(err.message))
        }
        data-testid="continue-teacher"
      >
        Continue where it stopped
      </button>
      {blocked && (
        <span className="note" data-testid="continue-teacher-blocked">
          {blocked}
        </span>
      )}
    </>
  );
}
