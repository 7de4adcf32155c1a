/**
 * Step 3: masked examples. The form edits core's create_pretraining_data options and labels each
 * field with the original scripts' flag name.
 */
import { useState } from 'react';
import { buildExamples, removeExampleSet, resetExampleOptions, setExampleOptions } from '../store/examples.ts';
import { controlJob } from '../store/jobRunner.ts';
import { corpusVocabId, useApp } from '../store/state.ts';
import { CheckField, ErrorText, NumberField, Progress, Section, SelectField } from './common.tsx';
import { formatBytes, formatCount } from './format.ts';

export function ExamplesPanel() {
  const o = useApp((s) => s.exampleOptions);
  const sets = useApp((s) => s.exampleSets);
  const ready = useApp((s) => s.corpora.some((c) => c.status === 'ready') && !!corpusVocabId(s));
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
          <li key={s.id} data-testid="example-set" data-status={s.status} data-count={s.count}>
            <div className="entry-head">
              <strong>{s.id}</strong> <span className={`badge ${s.status}`}>{s.status}</span> {formatCount(s.count)}{' '}
              examples · {formatBytes(s.storedBytes)} · seq {s.options.maxSeqLength},{' '}
              {s.options.doWholeWordMask ? 'whole-word' : 'wordpiece'} masking
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
