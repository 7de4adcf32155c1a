/**
 * Step 3: masked examples. The form edits core's create_pretraining_data options and labels each
 * field with the original scripts' flag name.
 */
import { useMemo, useState } from 'react';
import { sourcesLabel } from '../core/examples/exampleSetName.ts';
import { chosenSourceIds, examplesEstimate, isDemoCorpus, rateMissing } from '../store/estimates.ts';
import {
  buildExamples,
  removeExampleSet,
  resetExampleOptions,
  setExampleCap,
  setExampleOptions,
  toggleExampleSource,
} from '../store/examples.ts';
import { controlJob } from '../store/jobRunner.ts';
import { corpusVocabId, useApp } from '../store/state.ts';
import { CheckField, ErrorText, NumberField, Progress, Section, SelectField } from './common.tsx';
import { CostEstimate, StorageLine, timeText } from './CostEstimate.tsx';
import { setSummary } from './dataLabels.ts';
import { formatBytes, formatCount } from './format.ts';

/** The ticked corpora, and which are ticked by default. */
function Sources() {
  const corpora = useApp((s) => s.corpora).filter((c) => c.status === 'ready');
  const explicit = useApp((s) => s.exampleSources !== null);
  // a joined string: a stable value for the store's selector (a new array each time would re-render forever)
  const chosen = useApp((s) => chosenSourceIds(s).join('\n'))
    .split('\n')
    .filter(Boolean);
  if (corpora.length === 0) return null;
  const demoOnly = corpora.every(isDemoCorpus);
  return (
    <fieldset className="sources" data-testid="example-sources">
      <legend>Build from</legend>
      {corpora.map((c) => (
        <label key={c.id}>
          <input
            type="checkbox"
            data-testid="example-source"
            data-name={c.name}
            checked={chosen.includes(c.id)}
            onChange={(e) => toggleExampleSource(c.id, e.target.checked)}
          />{' '}
          {c.name}
          {isDemoCorpus(c) ? ' (demo)' : ''}
        </label>
      ))}
      {!explicit && (
        <p className="note" data-testid="example-sources-default">
          {demoOnly
            ? 'Ticked by default: every corpus (only the demo’s is loaded).'
            : 'Ticked by default: every corpus except the demo’s.'}
        </p>
      )}
    </fieldset>
  );
}

/** What "Build examples" will make and what its teacher pass will then cost. */
function ExamplesEstimateView() {
  // computed from the whole state (the estimate is a new object each time, so not a selector)
  const state = useApp();
  const e = useMemo(() => examplesEstimate(state), [state]);
  const cap = useApp((s) => s.exampleCap);
  if (e.sources.length === 0) return null;
  if (!e.estimate || !e.uncapped) {
    const failed = e.pending.filter((c) => c.tokensError);
    return (
      <p className="note" data-testid="examples-estimate-pending">
        {failed.length
          ? `No estimate: ${failed.map((c) => c.tokensError).join('; ')}`
          : `Counting the tokens of ${sourcesLabel(e.pending.map((c) => c.name))} for the estimate…`}
      </p>
    );
  }
  const est = e.estimate;
  return (
    <CostEstimate
      testId="examples-estimate"
      title={`Estimate for ${sourcesLabel(e.sources.map((c) => c.name))}`}
      warnings={e.warnings}
      rows={[
        [
          'examples',
          <span key="n" data-testid="estimate-examples" data-value={est.examples} data-spread={est.spread}>
            {est.rough ? 'roughly ' : 'about '}
            {formatCount(est.examples)}
            {est.spread > 0 &&
              ` ± ${formatCount(est.spread)} (one standard deviation: each document draws its lengths once per pass)`}
            {cap !== null && e.uncapped.examples > cap && ` (capped from ${formatCount(e.uncapped.examples)})`}
          </span>,
        ],
        ['tokens', `about ${formatCount(est.tokens)} (${formatCount(est.positions)} masked positions)`],
        ['example set', `about ${formatBytes(e.setBytes)}`],
        [
          'teacher cache',
          <span key="c" data-testid="estimate-cache-bytes" data-value={e.cacheBytes}>
            {formatBytes(e.cacheBytes)} at top-{state.teacherForm.k} × {formatCount(est.examples)} examples ×{' '}
            {formatCount(state.exampleOptions.maxPredictionsPerSeq)} slots
          </span>,
        ],
        ['storage', <StorageLine key="s" />],
        ['teacher pass', timeText(e.teacherSeconds, e.teacherRate, rateMissing(state, 'teacher'))],
      ]}
    />
  );
}

export function ExamplesPanel() {
  const o = useApp((s) => s.exampleOptions);
  const sets = useApp((s) => s.exampleSets);
  const ready = useApp((s) => s.corpora.some((c) => c.status === 'ready') && !!corpusVocabId(s));
  const cap = useApp((s) => s.exampleCap);
  const [error, setError] = useState<string | null>(null);
  return (
    <Section id="examples" title="Examples" step={3}>
      <form
        noValidate
        className="grid"
        aria-label="create_pretraining_data flags"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          buildExamples().catch((err: Error) => setError(err.message));
        }}
      >
        <SelectField
          label="mode"
          name="mode"
          value={o.mode}
          options={[
            { value: 'seed', label: 'original (document spans, doc_stride)' },
            { value: 'bert', label: 'Google BERT (sentence pairs)' },
          ]}
          onChange={(mode) => setExampleOptions({ mode })}
        />
        <NumberField
          label="max_seq_length"
          name="max_seq_length"
          value={o.maxSeqLength}
          min={8}
          step={1}
          onChange={(v) => setExampleOptions({ maxSeqLength: v })}
        />
        <NumberField
          label="max_predictions_per_seq"
          name="max_predictions_per_seq"
          value={o.maxPredictionsPerSeq}
          min={1}
          step={1}
          onChange={(v) => setExampleOptions({ maxPredictionsPerSeq: v })}
        />
        <NumberField
          label="masked_lm_prob"
          name="masked_lm_prob"
          value={o.maskedLmProb}
          min={0}
          max={1}
          step={0.01}
          onChange={(v) => setExampleOptions({ maskedLmProb: v })}
        />
        <NumberField
          label="dupe_factor"
          name="dupe_factor"
          value={o.dupeFactor}
          min={1}
          step={1}
          onChange={(v) => setExampleOptions({ dupeFactor: v })}
        />
        <NumberField
          label="short_seq_prob"
          name="short_seq_prob"
          value={o.shortSeqProb}
          min={0}
          max={1}
          step={0.01}
          onChange={(v) => setExampleOptions({ shortSeqProb: v })}
        />
        <NumberField
          label="doc_stride"
          name="doc_stride"
          value={o.docStride}
          min={1}
          step={1}
          onChange={(v) => setExampleOptions({ docStride: v })}
        />
        <NumberField
          label="random_seed"
          name="random_seed"
          value={o.randomSeed}
          step={1}
          onChange={(v) => setExampleOptions({ randomSeed: v })}
        />
        <CheckField
          label="do_whole_word_mask"
          name="do_whole_word_mask"
          checked={o.doWholeWordMask}
          onChange={(v) => setExampleOptions({ doWholeWordMask: v })}
        />
        <CheckField
          label="do_lower_case"
          name="do_lower_case"
          checked={o.doLowerCase}
          onChange={(v) => setExampleOptions({ doLowerCase: v })}
        />
        <div className="field">
          <label htmlFor="example-cap">max examples (empty: no cap)</label>
          <input
            id="example-cap"
            name="max_examples"
            type="number"
            min={1}
            step={1}
            placeholder="no cap"
            data-testid="example-cap"
            value={cap ?? ''}
            onChange={(e) => setExampleCap(e.target.value === '' ? null : Number(e.target.value))}
          />
        </div>
        <Sources />
        <ExamplesEstimateView />
        <div className="actions">
          <button type="submit" disabled={!ready} data-testid="build-examples">
            Build examples
          </button>
          <button type="button" onClick={resetExampleOptions}>
            Reset to the original's defaults
          </button>
          {!ready && <small>Needs a corpus and a teacher (its vocabulary).</small>}
        </div>
      </form>
      <ErrorText testId="examples-error" message={error} />
      <ul className="entries">
        {sets.map((s) => (
          <li
            key={s.id}
            data-testid="example-set"
            data-status={s.status}
            data-count={s.count}
            data-name={s.name ?? s.id}
          >
            <div className="entry-head">
              <strong>{s.name ?? s.id}</strong> <span className={`badge ${s.status}`}>{s.status}</span>{' '}
              <span data-testid="example-set-count">
                {formatCount(s.count)} examples
                {s.estimate &&
                  ` (estimated ${formatCount(s.estimate.examples)}${s.estimate.spread ? ` ± ${formatCount(s.estimate.spread)}` : ''})`}
              </span>{' '}
              · {formatBytes(s.storedBytes)}
              {s.status === 'running' && (
                <button type="button" onClick={() => controlJob(s.id, 'stop')}>
                  Stop
                </button>
              )}
              <button
                type="button"
                onClick={() => void removeExampleSet(s.id)}
                aria-label={`Remove example set ${s.name ?? s.id}`}
              >
                Remove
              </button>
            </div>
            <p className="note" data-testid="example-set-summary">
              {setSummary(s)}
            </p>
            <Progress progress={s.status === 'running' ? s.progress : undefined} testId="examples-progress" />
            <ErrorText
              testId="example-set-error"
              message={
                s.error ??
                (s.status === 'interrupted'
                  ? 'The page was closed while building; remove it and build again.'
                  : undefined)
              }
            />
          </li>
        ))}
      </ul>
    </Section>
  );
}
