/** Step 7: type a sentence, mask characters, compare teacher and student top-k. */
import { useId, useState } from 'react';
import type { PredictionRow } from '../contract/jobs.ts';
import { predict } from '../store/predictions.ts';
import { useApp } from '../store/state.ts';
import { ErrorText, Section, SelectField } from './common.tsx';

function TopK({ title, rows, testId }: { title: string; rows?: PredictionRow[]; testId: string }) {
  if (!rows) return null;
  return (
    <table className="topk" data-testid={testId}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">masked</th>
          <th scope="col">top predictions</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.position}>
            <th scope="row">{r.original}</th>
            <td>
              {r.top.map((t, i) => (
                <span key={i} className="tok" data-token={t.token} data-prob={t.prob}>
                  {t.token} <small>{(t.prob * 100).toFixed(1)}%</small>
                </span>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PredictionsPanel() {
  const runs = useApp((s) => s.runs).filter((r) => r.lastCheckpointStep > 0);
  const result = useApp((s) => s.predictions);
  const [text, setText] = useState('今天天气很好，我们去公园散步。');
  const [masked, setMasked] = useState<number[]>([2, 3]);
  const [runId, setRunId] = useState('');
  const textId = useId();
  const chars = [...text];
  const chosenRun = runId || runs[runs.length - 1]?.id || '';
  return (
    <Section id="predictions" title="Predictions" step={7}>
      <div className="field wide">
        <label htmlFor={textId}>Sentence</label>
        <input
          id={textId}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setMasked((m) => m.filter((i) => i < [...e.target.value].length));
          }}
        />
      </div>
      <div className="maskpick" role="group" aria-label="Characters to mask (toggle)">
        {chars.map((c, i) => (
          <button
            key={i}
            type="button"
            aria-pressed={masked.includes(i)}
            className={masked.includes(i) ? 'masked' : ''}
            onClick={() =>
              setMasked((m) => (m.includes(i) ? m.filter((x) => x !== i) : [...m, i].sort((a, b) => a - b)))
            }
          >
            {c}
          </button>
        ))}
      </div>
      <div className="grid">
        <SelectField
          label="student (run)"
          value={chosenRun}
          options={[
            { value: '', label: 'teacher only' },
            ...runs.map((r) => ({ value: r.id, label: `${r.name} (step ${r.lastCheckpointStep})` })),
          ]}
          onChange={setRunId}
        />
        <div className="actions">
          <button
            type="button"
            disabled={result.busy || masked.length === 0}
            onClick={() => void predict(text, masked, chosenRun || null)}
            data-testid="predict"
          >
            Predict masked characters
          </button>
        </div>
      </div>
      <ErrorText testId="predict-error" message={result.error} />
      <div className="two">
        <TopK title="Teacher" rows={result.teacher} testId="pred-teacher" />
        <TopK title="Student" rows={result.student} testId="pred-student" />
      </div>
    </Section>
  );
}
