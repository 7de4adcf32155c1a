/** Step 4: the teacher pass: top-k probabilities at every masked position, cached and resumable. */
import { useState } from 'react';
import { controlJob } from '../store/jobRunner.ts';
import { teacherPassBlocker } from '../store/jobGuards.ts';
import { isActive, useApp } from '../store/state.ts';
import { startTeacherPass } from '../store/teacherPass.ts';
import { ErrorText, NumberField, Progress, Section, SelectField } from './common.tsx';
import { formatBytes, formatCount } from './format.ts';

export function TeacherPanel() {
  const sets = useApp((s) => s.exampleSets).filter((e) => e.status === 'ready');
  const caches = useApp((s) => s.teacherCaches);
  const teacherId = useApp((s) => s.teacherId);
  const [setId, setSetId] = useState('');
  const [k, setK] = useState(128);
  const [batch, setBatch] = useState(8);
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
              ? sets.map((s) => ({ value: s.id, label: `${s.id} (${s.count} examples)` }))
              : [{ value: '', label: 'no example set yet' }]
          }
          onChange={setSetId}
        />
        <NumberField label="truncation_factor (top k)" value={k} min={1} step={1} onChange={setK} />
        <NumberField label="predict_batch_size" value={batch} min={1} step={1} onChange={setBatch} />
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
          <li key={c.id} data-testid="teacher-cache" data-status={c.status}>
            <div className="entry-head">
              <strong>{c.id}</strong> <span className={`badge ${c.status}`}>{c.status}</span> examples {c.exampleSetId}{' '}
              · k={c.k} · {formatCount(c.positions || undefined)} positions · cache {formatBytes(c.storedBytes)}
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
                {c.progress.produced !== undefined &&
                  ` (${formatCount(c.progress.produced)} computed by the last run of the pass, the rest found stored)`}
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
