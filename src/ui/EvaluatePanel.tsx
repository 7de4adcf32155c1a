/**
 * Step 9: evaluate models on downstream classification tasks by fine-tuning them: task files,
 * the model (teacher, a run's student, a fresh model as the floor), run_classifier's options,
 * Start / Pause / Stop, live loss and dev-accuracy lines, the results table with CSV and
 * Markdown downloads, and the fine-tuned model as a Hugging Face or TF1 zip.
 */
import { useMemo, useState } from 'react';
import {
  addTaskFiles,
  evaluationResults,
  exportFineTuned,
  type ModelChoice,
  removeEvaluation,
  removeTaskFile,
  resumeEvaluation,
  setEvalForm,
  startEvaluation,
} from '../store/evaluations.ts';
import { controlJob } from '../store/jobRunner.ts';
import { accuracyCell, resultsCsv, resultsMarkdown, sizeText } from '../store/results.ts';
import { isActive, type TaskFileEntry, useApp } from '../store/state.ts';
import { colorFromId } from '../store/runColors.ts';
import { chartSeries } from './chartData.ts';
import { type Line_, MetricChart } from './ChartsPanel.tsx';
import { ErrorText, NumberField, Section, SelectField } from './common.tsx';
import { DropZone } from './DropZone.tsx';
import { formatBytes, formatCount, formatValue } from './format.ts';
import { rateText } from './scoreText.ts';
import { saveBlob, saveWhenReady } from './saveBlob.ts';

function fileInfo(f: TaskFileEntry): string {
  const i = f.info;
  if (!i) return '';
  if (i.kind === 'span')
    return `span extraction (SQuAD JSON) · ${formatCount(i.examples)} questions · use the CLI run_squad`;
  if (i.kind === 'labels') return `label list · ${i.examples} labels`;
  return `${i.kind === 'pair' ? 'sentence pairs' : 'single sentences'} (${i.format}) · ${formatCount(i.examples)} examples · labels ${i.labels.join(', ')}${i.suggestedTask ? ` · looks like ${i.suggestedTask}` : ''}${i.unlabeled ? ` · ${formatCount(i.unlabeled)} unlabelled` : ''}`;
}

const pct = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(2)}%`;

export function EvaluatePanel() {
  const taskFiles = useApp((s) => s.taskFiles);
  const dropError = useApp((s) => s.taskDropError);
  const form = useApp((s) => s.evalForm);
  const evaluations = useApp((s) => s.evaluations);
  const evalError = useApp((s) => s.evalError);
  const runs = useApp((s) => s.runs);
  const teacher = useApp((s) => s.models.find((m) => m.id === s.teacherId));
  const metrics = useApp((s) => s.metrics);
  const busy = useApp((s) => s.evalDownloadBusy);

  const usable = taskFiles.filter(
    (f) => f.status === 'ready' && (f.info?.kind === 'pair' || f.info?.kind === 'single'),
  );
  const [trainId, setTrainId] = useState('');
  const [devId, setDevId] = useState('');
  const [model, setModel] = useState<ModelChoice>('teacher');
  const pick = (chosen: string, re: RegExp) =>
    usable.find((f) => f.id === chosen)?.id ?? usable.find((f) => re.test(f.name))?.id ?? usable[0]?.id ?? '';
  const train = pick(trainId, /train/i);
  const dev = pick(devId, /dev|val/i);
  const chosenTrain = usable.find((f) => f.id === train);
  const models: { value: ModelChoice; label: string }[] = [
    { value: 'teacher', label: teacher ? `teacher ${teacher.name}` : 'teacher (load one in Models)' },
    ...runs
      .filter((r) => r.lastCheckpointStep > 0)
      .map((r) => ({
        value: `run:${r.id}` as ModelChoice,
        label: `student of ${r.name} (step ${r.lastCheckpointStep})`,
      })),
    { value: 'fresh', label: "fresh random model of the student's config (floor)" },
  ];
  const o = form.options;
  const setOpt = (p: Partial<typeof o>) => setEvalForm({ options: { ...o, ...p } });

  const charts = useMemo(() => {
    const loss: Line_[] = [];
    const acc: Line_[] = [];
    evaluations.forEach((e) => {
      const m = metrics[e.id] ?? [];
      const color = colorFromId(e.id);
      const name = `${e.modelLabel} · ${e.taskLabel}`;
      loss.push({
        key: `${e.id}-loss`,
        name,
        color,
        dash: '',
        data: chartSeries(
          m.map((p) => p.step),
          m.map((p) => p.losses.total),
          { smoothing: 0.6, maxPoints: 1500, log: false },
        ),
      });
      acc.push({
        key: `${e.id}-acc`,
        name,
        color,
        dash: '',
        data: chartSeries(
          e.dev.map((p) => p.step),
          e.dev.map((p) => p.accuracy),
          { smoothing: 0, maxPoints: 1500, log: false },
        ),
      });
    });
    return { loss, acc };
  }, [evaluations, metrics]);

  const rows = evaluationResults(evaluations);
  const interrupted = evaluations.filter((e) => e.status === 'interrupted');

  return (
    <Section id="evaluate" title="Evaluate" step={9}>
      <p className="note">
        Fine-tunes a model on a downstream task and scores it on the task's dev set, as Google BERT's run_classifier
        does: sentence-pair classification (LCQMC .tsv, AFQMC / OCNLI / CMNLI JSON lines) and single-sentence
        classification (TNEWS). CMRC 2018: use the CLI run_squad.
      </p>
      <DropZone
        label="Choose task files"
        hint="Drop a task's train and dev files here (their format is told from their content)."
        accept=".tsv,.txt,.json,.jsonl"
        testId="task"
        onFiles={(f) => void addTaskFiles(f)}
      />
      <ErrorText testId="task-drop-error" message={dropError} />
      <ul className="entries">
        {taskFiles.map((f) => (
          <li key={f.id} data-testid="task-file" data-name={f.name} data-status={f.status}>
            <div className="entry-head">
              <strong>{f.name}</strong> <span className={`badge ${f.status}`}>{f.status}</span> {formatBytes(f.size)}{' '}
              <button type="button" aria-label={`Remove ${f.name}`} onClick={() => void removeTaskFile(f.id)}>
                Remove
              </button>
            </div>
            {f.info && (
              <p className="note" data-testid="task-file-info">
                {fileInfo(f)}
              </p>
            )}
            <ErrorText testId="task-file-error" message={f.error} />
          </li>
        ))}
      </ul>
      {interrupted.map((e) => (
        <div key={e.id} className="banner" role="status" data-testid="eval-resume-offer">
          Fine-tuning {e.modelLabel} on {e.taskLabel} was running when the page closed (last checkpoint at step{' '}
          {e.lastCheckpointStep}).{' '}
          <button type="button" data-testid="resume-eval" onClick={() => void resumeEvaluation(e.id)}>
            Resume
          </button>
        </div>
      ))}
      <form
        noValidate
        className="grid"
        aria-label="Fine-tuning options"
        onSubmit={(ev) => {
          ev.preventDefault();
          void startEvaluation(train, dev, model);
        }}
      >
        <SelectField
          label="train file"
          value={train}
          options={
            usable.length
              ? usable.map((f) => ({ value: f.id, label: f.name }))
              : [{ value: '', label: 'drop a classification task file' }]
          }
          onChange={setTrainId}
        />
        <SelectField
          label="dev file"
          value={dev}
          options={
            usable.length
              ? usable.map((f) => ({ value: f.id, label: f.name }))
              : [{ value: '', label: 'drop a classification task file' }]
          }
          onChange={setDevId}
        />
        <SelectField<ModelChoice> label="model to fine-tune" value={model} options={models} onChange={setModel} />
        <NumberField
          label="fine-tune max_seq_length"
          name="max_seq_length"
          value={o.maxSeqLength}
          min={8}
          step={1}
          onChange={(v) => setOpt({ maxSeqLength: v })}
        />
        <NumberField
          label="fine-tune learning_rate"
          name="learning_rate"
          value={o.learningRate}
          min={0}
          step={0.00001}
          onChange={(v) => setOpt({ learningRate: v })}
        />
        <NumberField
          label="fine-tune num_train_epochs"
          name="num_train_epochs"
          value={o.numTrainEpochs}
          min={0.1}
          step={0.5}
          onChange={(v) => setOpt({ numTrainEpochs: v })}
        />
        <NumberField
          label="fine-tune train_batch_size"
          name="train_batch_size"
          value={o.trainBatchSize}
          min={1}
          step={1}
          onChange={(v) => setOpt({ trainBatchSize: v })}
        />
        <NumberField
          label="fine-tune eval_batch_size"
          name="eval_batch_size"
          value={o.evalBatchSize}
          min={1}
          step={1}
          onChange={(v) => setOpt({ evalBatchSize: v })}
        />
        <NumberField
          label="fine-tune warmup_proportion"
          name="warmup_proportion"
          value={o.warmupProportion}
          min={0}
          max={1}
          step={0.05}
          onChange={(v) => setOpt({ warmupProportion: v })}
        />
        <NumberField
          label="fine-tune evaluate every (steps)"
          name="eval_every"
          value={form.evalEvery}
          min={0}
          step={1}
          onChange={(v) => setEvalForm({ evalEvery: v })}
        />
        <NumberField
          label="fine-tune checkpoint every (steps)"
          name="save_checkpoints_steps"
          value={form.checkpointEvery}
          min={0}
          step={1}
          onChange={(v) => setEvalForm({ checkpointEvery: v })}
        />
        <div className="actions">
          <button type="submit" disabled={!train || !dev} data-testid="start-eval">
            Start fine-tuning
          </button>
        </div>
      </form>
      {chosenTrain?.info && (
        <p className="note" data-testid="eval-task-choice">
          Task: {fileInfo(chosenTrain)}
        </p>
      )}
      <ErrorText testId="eval-error" message={evalError} />
      <ul className="entries">
        {evaluations.map((e) => (
          <li
            key={e.id}
            data-testid="evaluation"
            data-status={e.status}
            data-step={e.step}
            data-total={e.totalSteps}
            data-checkpoint={e.lastCheckpointStep}
          >
            <div className="entry-head">
              <strong>
                {e.modelLabel} · {e.taskLabel}
              </strong>{' '}
              <span className={`badge ${e.status}`}>{e.status}</span> step {formatCount(e.step)} /{' '}
              {e.totalSteps ? formatCount(e.totalSteps) : '—'} · last checkpoint {formatCount(e.lastCheckpointStep)} ·
              dev accuracy{' '}
              <span data-testid="eval-dev-accuracy" data-examples={e.dev.at(-1)?.examples ?? ''}>
                {rateText(e.dev.at(-1)?.accuracy, e.dev.at(-1)?.accuracyInterval)}
                {e.dev.at(-1)?.examples !== undefined && ` on ${formatCount(e.dev.at(-1)!.examples)} dev examples`}
              </span>
              {e.status === 'running' && (
                <button type="button" data-testid="pause-eval" onClick={() => controlJob(e.id, 'pause')}>
                  Pause
                </button>
              )}
              {e.status === 'paused' && (
                <button type="button" data-testid="resume-paused-eval" onClick={() => controlJob(e.id, 'resume')}>
                  Resume
                </button>
              )}
              {(e.status === 'running' || e.status === 'paused') && (
                <button type="button" data-testid="stop-eval" onClick={() => controlJob(e.id, 'stop')}>
                  Stop
                </button>
              )}
              {(e.status === 'stopped' || e.status === 'error') && (
                <button type="button" onClick={() => void resumeEvaluation(e.id)}>
                  Continue from last checkpoint
                </button>
              )}
              {e.lastCheckpointStep > 0 && !isActive(e.status) && (
                <>
                  <button
                    type="button"
                    disabled={!!busy}
                    data-testid="download-eval-hf"
                    onClick={() => saveWhenReady(exportFineTuned(e.id, 'hf'))}
                  >
                    Hugging Face zip
                  </button>
                  <button
                    type="button"
                    disabled={!!busy}
                    data-testid="download-eval-tf1"
                    onClick={() => saveWhenReady(exportFineTuned(e.id, 'tf1'))}
                  >
                    TF1 checkpoint zip
                  </button>
                  <button
                    type="button"
                    disabled={!!busy}
                    data-testid="download-eval-onnx"
                    onClick={() => saveWhenReady(exportFineTuned(e.id, 'onnx'))}
                  >
                    ONNX zip (transformers.js)
                  </button>
                </>
              )}
              {!isActive(e.status) && (
                <button type="button" onClick={() => void removeEvaluation(e.id)} aria-label={`Remove ${e.id}`}>
                  Remove
                </button>
              )}
            </div>
            {e.message && <p className="note">{e.message}</p>}
            <ErrorText testId="evaluation-error" message={e.error} />
          </li>
        ))}
      </ul>
      {busy && <p role="status">Preparing the fine-tuned model…</p>}
      <div className="two">
        <MetricChart title="Fine-tuning loss" lines={charts.loss} log={false} testId="chart-eval-loss" />
        <MetricChart title="Dev accuracy" lines={charts.acc} log={false} dots testId="chart-eval-accuracy" />
      </div>
      <h3>Results</h3>
      {rows.length === 0 ? (
        <p className="note">No finished evaluation yet.</p>
      ) : (
        <table className="results" data-testid="results-table">
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Model</th>
              <th scope="col">Dev accuracy</th>
              <th scope="col">Best (step)</th>
              <th scope="col">Teacher</th>
              <th scope="col">Retention</th>
              <th scope="col">Parameters</th>
              <th scope="col">Size (F32)</th>
              <th scope="col">Inference ex/s</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={r.id}
                data-testid="result-row"
                data-role={r.role}
                data-accuracy={r.accuracy}
                data-retention={r.retention ?? ''}
                data-rate={r.inferenceExamplesPerSec}
              >
                <td>{r.task}</td>
                <td>{r.model}</td>
                <td data-testid="result-accuracy" data-examples={r.devExamples}>
                  {accuracyCell(r)}
                  {r.sizeWarning && (
                    <strong className="warning" data-testid="result-size-warning">
                      {' '}
                      ({r.sizeWarning})
                    </strong>
                  )}
                </td>
                <td>
                  {pct(r.bestAccuracy)} ({r.bestStep})
                </td>
                <td>{pct(r.teacherAccuracy)}</td>
                <td>{r.retention === null ? '—' : `${r.retention.toFixed(1)}%`}</td>
                <td>{formatCount(r.parameters)}</td>
                <td>{sizeText(r.sizeBytes)}</td>
                <td>{formatValue(r.inferenceExamplesPerSec, 1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        <button
          type="button"
          disabled={rows.length === 0}
          data-testid="export-results-csv"
          onClick={() => saveBlob(new Blob([resultsCsv(rows)], { type: 'text/csv' }), 'results.csv')}
        >
          Results as CSV
        </button>
        <button
          type="button"
          disabled={rows.length === 0}
          data-testid="export-results-md"
          onClick={() => saveBlob(new Blob([resultsMarkdown(rows)], { type: 'text/markdown' }), 'results.md')}
        >
          Results as Markdown
        </button>
      </div>
    </Section>
  );
}
