/** Step 5: the run config and Start / Pause / Resume / Stop of training runs. */
import { useState } from 'react';
import { LOSS_PRESET_TITLES, LOSS_PRESETS, type LossConfig, type LossPresetName } from '../core/distill/lossConfig.ts';
import { controlJob } from '../store/jobRunner.ts';
import { removeRun, resumeRun, setRunConfig, startRun } from '../store/runs.ts';
import { trainingBlocker } from '../store/jobGuards.ts';
import { isActive, useApp } from '../store/state.ts';
import { ErrorText, NumberField, Section, SelectField } from './common.tsx';
import { cacheLabel, runDataLabel } from './dataLabels.ts';
import { HeldOutScores } from './HeldOutScores.tsx';
import { formatCount } from './format.ts';
import { TrainingEstimate } from './TrainingEstimate.tsx';

/** How the form names the engine's loss presets (their weights are core's: src/core/distill/lossConfig.ts). */
const PRESET_LABELS: Record<LossPresetName, string> = {
  seed: 'original (CE + cosine, as run_distill.py)',
  distilbert: 'DistilBERT (5·CE + 2·MLM + cosine, T=2)',
  mlm: 'plain MLM (no teacher)',
};

type Weight = Exclude<keyof LossConfig, 'temperature'>;

const WEIGHT_LABELS: Record<Weight, string> = {
  alphaCe: 'α soft cross-entropy',
  alphaCos: 'α cosine',
  alphaKl: 'α KL (renormalised top-k)',
  alphaMissingMass: 'α missing mass',
  alphaMlm: 'α hard-label MLM',
};

export function TrainingPanel() {
  const cfg = useApp((s) => s.runConfig);
  const caches = useApp((s) => s.teacherCaches).filter((c) => c.status === 'ready');
  const runs = useApp((s) => s.runs);
  const models = useApp((s) => s.models);
  const exampleSets = useApp((s) => s.exampleSets);
  const teacherCaches = useApp((s) => s.teacherCaches);
  const data = { models, exampleSets, teacherCaches };
  const [cacheId, setCacheId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const chosen = cacheId || caches[caches.length - 1]?.id || '';
  const interrupted = runs.filter((r) => r.status === 'interrupted');
  const evaluations = useApp((s) => s.evaluations);
  const evals = useApp((s) => s.evals);
  const blocked = trainingBlocker({ teacherCaches: [], runs, evaluations });
  const resume = (id: string) => resumeRun(id).catch((err: Error) => setError(err.message));
  return (
    <Section id="training" title="Training" step={5}>
      {interrupted.map((r) => (
        <div key={r.id} className="banner" role="status" data-testid="resume-offer">
          {r.name} was training when the page closed (last checkpoint at step {r.lastCheckpointStep}).{' '}
          <button type="button" data-testid="resume-run" disabled={blocked !== null} onClick={() => void resume(r.id)}>
            Resume {r.name}
          </button>
          {blocked && <span className="note"> {blocked}</span>}
        </div>
      ))}
      <form
        noValidate
        className="grid"
        aria-label="Run config"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          startRun(chosen).catch((err: Error) => setError(err.message));
        }}
      >
        <SelectField
          label="teacher cache"
          value={chosen}
          options={
            caches.length
              ? caches.map((c) => ({ value: c.id, label: cacheLabel(data, c) }))
              : [{ value: '', label: 'no finished teacher pass yet' }]
          }
          onChange={setCacheId}
        />
        <SelectField
          label="loss preset"
          name="loss"
          value={cfg.lossPreset}
          options={(Object.keys(LOSS_PRESETS) as LossPresetName[]).map((value) => ({
            value,
            label: PRESET_LABELS[value],
          }))}
          onChange={(preset) => setRunConfig({ lossPreset: preset, loss: LOSS_PRESETS[preset] })}
        />
        {(Object.keys(WEIGHT_LABELS) as Weight[]).map((k) => (
          <NumberField
            key={k}
            label={WEIGHT_LABELS[k]}
            name={k}
            value={cfg.loss[k]}
            min={0}
            step={0.1}
            onChange={(v) => setRunConfig({ loss: { ...cfg.loss, [k]: v } })}
          />
        ))}
        <NumberField
          label="temperature"
          name="temperature"
          value={cfg.loss.temperature}
          min={0.1}
          step={0.1}
          onChange={(v) => setRunConfig({ loss: { ...cfg.loss, temperature: v } })}
        />
        <NumberField
          label="learning rate"
          name="learning_rate"
          value={cfg.schedule.learningRate}
          min={0}
          step={0.00001}
          onChange={(v) => setRunConfig({ schedule: { ...cfg.schedule, learningRate: v } })}
        />
        <NumberField
          label="warmup steps"
          name="num_warmup_steps"
          value={cfg.schedule.numWarmupSteps}
          min={0}
          step={1}
          onChange={(v) => setRunConfig({ schedule: { ...cfg.schedule, numWarmupSteps: v } })}
        />
        <NumberField
          label="training steps"
          name="num_train_steps"
          value={cfg.schedule.numTrainSteps}
          min={1}
          step={1}
          onChange={(v) => setRunConfig({ schedule: { ...cfg.schedule, numTrainSteps: v } })}
        />
        <NumberField
          label="batch size"
          name="train_batch_size"
          value={cfg.batchSize}
          min={1}
          step={1}
          onChange={(v) => setRunConfig({ batchSize: v })}
        />
        <NumberField
          label="gradient accumulation"
          name="accumulation"
          value={cfg.gradientAccumulationSteps}
          min={1}
          step={1}
          onChange={(v) => setRunConfig({ gradientAccumulationSteps: v })}
        />
        <NumberField
          label="evaluate every (steps)"
          name="eval_every"
          value={cfg.evalEvery}
          min={1}
          step={1}
          onChange={(v) => setRunConfig({ evalEvery: v })}
        />
        <NumberField
          label="checkpoint every (steps)"
          name="save_checkpoints_steps"
          value={cfg.checkpointEvery}
          min={1}
          step={1}
          onChange={(v) => setRunConfig({ checkpointEvery: v })}
        />
        <NumberField
          label="random seed"
          name="seed"
          value={cfg.seed}
          step={1}
          onChange={(v) => setRunConfig({ seed: v })}
        />
        <TrainingEstimate cacheId={chosen} />
        <div className="actions">
          <button
            type="submit"
            disabled={!chosen || blocked !== null}
            aria-describedby={blocked ? 'training-blocked' : undefined}
            data-testid="start-run"
          >
            Start training
          </button>
          {blocked && (
            <span className="note" id="training-blocked" data-testid="training-blocked">
              {blocked}
            </span>
          )}
        </div>
      </form>
      <ErrorText testId="training-error" message={error} />
      <ul className="entries">
        {runs.map((r) => (
          <li
            key={r.id}
            data-testid="run"
            data-status={r.status}
            data-step={r.step}
            data-checkpoint={r.lastCheckpointStep}
          >
            <div className="entry-head">
              <strong>{r.name}</strong> <span className={`badge ${r.status}`}>{r.status}</span> step{' '}
              {formatCount(r.step)} / {formatCount(r.config.schedule.numTrainSteps)} · last checkpoint{' '}
              {formatCount(r.lastCheckpointStep)} · loss{' '}
              {LOSS_PRESET_TITLES[r.config.lossPreset] ?? r.config.lossPreset}
              {r.status === 'running' && (
                <button type="button" data-testid="pause-run" onClick={() => controlJob(r.id, 'pause')}>
                  Pause
                </button>
              )}
              {r.status === 'paused' && (
                <button type="button" data-testid="resume-paused-run" onClick={() => controlJob(r.id, 'resume')}>
                  Resume
                </button>
              )}
              {(r.status === 'running' || r.status === 'paused') && (
                <button type="button" data-testid="stop-run" onClick={() => controlJob(r.id, 'stop')}>
                  Stop
                </button>
              )}
              {(r.status === 'stopped' || r.status === 'error') && (
                <button
                  type="button"
                  data-testid="continue-run"
                  disabled={blocked !== null}
                  title={blocked ?? undefined}
                  onClick={() => void resume(r.id)}
                >
                  Continue from last checkpoint
                </button>
              )}
              {!isActive(r.status) && (
                <button type="button" onClick={() => void removeRun(r.id)} aria-label={`Remove ${r.name}`}>
                  Remove
                </button>
              )}
            </div>
            <p className="note" data-testid="run-data">
              {runDataLabel(data, r)}
            </p>
            {r.status === 'stopping' && (
              <p className="note" role="status" data-testid="run-stopping">
                stopping after this step…
              </p>
            )}
            {r.message && <p className="note">{r.message}</p>}
            {evals[r.id]?.length ? (
              <p className="note" data-testid="run-last-eval">
                last evaluation (step {formatCount(evals[r.id].at(-1)!.step)}, {evals[r.id].length} in all):{' '}
                <HeldOutScores point={evals[r.id].at(-1)!} />
              </p>
            ) : null}
            <ErrorText testId="run-error" message={r.error} />
          </li>
        ))}
      </ul>
    </Section>
  );
}
