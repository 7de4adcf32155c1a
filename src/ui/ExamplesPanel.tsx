/** Step 3: masked examples, with the seed's create_pretraining_data flags as form fields. */
import { useState } from 'react';
import { buildExamples, controlJob, DEFAULT_FLAGS, removeExampleSet, setFlags, useApp } from '../store/appStore.ts';
import { CheckField, ErrorText, NumberField, Progress, Section, SelectField } from './common.tsx';
import { formatBytes, formatCount } from './format.ts';

export function ExamplesPanel() {
  const flags = useApp((s) => s.flags);
  const sets = useApp((s) => s.exampleSets);
  const ready = useApp((s) => s.corpora.some((c) => c.status === 'ready') && !!s.teacherId);
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
          value={flags.mode}
          options={[
            { value: 'seed', label: 'seed (document spans with doc_stride)' },
            { value: 'bert', label: 'bert (Google BERT sentence pairs)' },
          ]}
          onChange={(mode) => setFlags({ mode })}
        />
        <NumberField
          label="max_seq_length"
          name="max_seq_length"
          value={flags.max_seq_length}
          min={8}
          step={1}
          onChange={(v) => setFlags({ max_seq_length: v })}
        />
        <NumberField
          label="max_predictions_per_seq"
          name="max_predictions_per_seq"
          value={flags.max_predictions_per_seq}
          min={1}
          step={1}
          onChange={(v) => setFlags({ max_predictions_per_seq: v })}
        />
        <NumberField
          label="masked_lm_prob"
          name="masked_lm_prob"
          value={flags.masked_lm_prob}
          min={0}
          max={1}
          step={0.01}
          onChange={(v) => setFlags({ masked_lm_prob: v })}
        />
        <NumberField
          label="dupe_factor"
          name="dupe_factor"
          value={flags.dupe_factor}
          min={1}
          step={1}
          onChange={(v) => setFlags({ dupe_factor: v })}
        />
        <NumberField
          label="short_seq_prob"
          name="short_seq_prob"
          value={flags.short_seq_prob}
          min={0}
          max={1}
          step={0.01}
          onChange={(v) => setFlags({ short_seq_prob: v })}
        />
        <NumberField
          label="doc_stride"
          name="doc_stride"
          value={flags.doc_stride}
          min={1}
          step={1}
          onChange={(v) => setFlags({ doc_stride: v })}
        />
        <NumberField
          label="random_seed"
          name="random_seed"
          value={flags.random_seed}
          step={1}
          onChange={(v) => setFlags({ random_seed: v })}
        />
        <CheckField
          label="do_whole_word_mask"
          name="do_whole_word_mask"
          checked={flags.do_whole_word_mask}
          onChange={(v) => setFlags({ do_whole_word_mask: v })}
        />
        <CheckField
          label="do_lower_case"
          name="do_lower_case"
          checked={flags.do_lower_case}
          onChange={(v) => setFlags({ do_lower_case: v })}
        />
        <div className="actions">
          <button type="submit" disabled={!ready} data-testid="build-examples">
            Build examples
          </button>
          <button type="button" onClick={() => setFlags(DEFAULT_FLAGS)}>
            Reset to the seed's defaults
          </button>
          {!ready && <small>Needs a corpus and a teacher (its vocabulary).</small>}
        </div>
      </form>
      <ErrorText testId="examples-error" message={error} />
      <ul className="entries">
        {sets.map((s) => (
          <li key={s.id} data-testid="example-set" data-status={s.status} data-count={s.count}>
            <div className="entry-head">
              <strong>{s.id}</strong> <span className={`badge ${s.status}`}>{s.status}</span> {formatCount(s.count)}{' '}
              examples · {formatBytes(s.storedBytes)} · seq {s.flags.max_seq_length},{' '}
              {s.flags.do_whole_word_mask ? 'whole-word' : 'wordpiece'} masking
              {s.status === 'running' && (
                <button type="button" onClick={() => controlJob(s.id, 'stop')}>
                  Stop
                </button>
              )}
              <button type="button" onClick={() => void removeExampleSet(s.id)} aria-label={`Remove ${s.id}`}>
                Remove
              </button>
            </div>
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
