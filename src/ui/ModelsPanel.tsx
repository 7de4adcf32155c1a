/** Step 2: teacher checkpoints (any format the loaders read) and the student to build. */
import { useEffect, useId, useState } from 'react';
import type { ModelInfo, StudentSpec } from '../contract/jobs.ts';
import { BERT_CONFIG_DEFAULTS } from '../core/model/config.ts';
import {
  addModelFiles,
  removeModel,
  replaceModelVocabulary,
  selectTeacher,
  setStudentSpec,
  chooseCorpusVocabulary,
} from '../store/models.ts';
import { useApp } from '../store/state.ts';
import { ErrorText, KeyValues, NumberField, Section, SelectField } from './common.tsx';
import { DropZone } from './DropZone.tsx';
import { formatBytes, formatCount } from './format.ts';

export function ModelInfoView({ info, testId }: { info: ModelInfo; testId: string }) {
  const c = info.config;
  return (
    <KeyValues
      testId={testId}
      rows={[
        ['format', info.format],
        ['layers', String(c.num_hidden_layers)],
        ['hidden', String(c.hidden_size)],
        ['heads', String(c.num_attention_heads)],
        ['intermediate', String(c.intermediate_size)],
        ['vocabulary', formatCount(info.vocabSize)],
        ['parameters', formatCount(info.parameters)],
        ['memory (float32)', formatBytes(info.memoryBytes)],
        ...(info.weightsInMemory ? [['teacher weights', info.weightsInMemory] as [string, string]] : []),
        ['MLM head', info.hasMlmHead ? 'yes' : 'no (cannot be a teacher)'],
      ]}
    />
  );
}

function parseLayers(text: string): number[] | null {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p))) return null;
  return parts.map(Number);
}

function StudentBuilder() {
  const spec = useApp((s) => s.studentSpec);
  const info = useApp((s) => s.studentInfo);
  const error = useApp((s) => s.studentError);
  const teacher = useApp((s) => s.models.find((m) => m.id === s.teacherId));
  const layersId = useId();
  const [layersText, setLayersText] = useState(spec.kind === 'layers' ? spec.layers.join(',') : '0,1,2');
  const [layersError, setLayersError] = useState<string | null>(null);
  useEffect(() => {
    if (spec.kind === 'layers') setLayersText(spec.layers.join(','));
  }, [spec]);
  const fresh: Extract<StudentSpec, { kind: 'fresh' }> =
    spec.kind === 'fresh'
      ? spec
      : {
          kind: 'fresh',
          num_hidden_layers: 3,
          hidden_size: teacher?.info?.config.hidden_size ?? BERT_CONFIG_DEFAULTS.hidden_size,
          num_attention_heads: teacher?.info?.config.num_attention_heads ?? BERT_CONFIG_DEFAULTS.num_attention_heads,
          intermediate_size: teacher?.info?.config.intermediate_size ?? BERT_CONFIG_DEFAULTS.intermediate_size,
        };
  return (
    <div className="student" data-testid="student-builder">
      <h3>Student</h3>
      <SelectField
        label="Build the student from"
        value={spec.kind}
        options={[
          { value: 'layers', label: 'layers of the teacher' },
          { value: 'fresh', label: 'a fresh config (random init)' },
        ]}
        onChange={(k) =>
          setStudentSpec(k === 'layers' ? { kind: 'layers', layers: parseLayers(layersText) ?? [0, 1, 2] } : fresh)
        }
      />
      {spec.kind === 'layers' ? (
        <div className="field">
          <label htmlFor={layersId}>Teacher layers to keep (comma-separated)</label>
          <input
            id={layersId}
            value={layersText}
            onChange={(e) => {
              setLayersText(e.target.value);
              const layers = parseLayers(e.target.value);
              setLayersError(layers ? null : 'write layer numbers separated by commas, e.g. 0,1,2');
              if (layers) setStudentSpec({ kind: 'layers', layers });
            }}
          />
          <ErrorText testId="student-layers-error" message={layersError} />
        </div>
      ) : (
        <div className="grid">
          <NumberField
            label="layers"
            value={spec.num_hidden_layers}
            min={1}
            step={1}
            onChange={(v) => setStudentSpec({ ...spec, num_hidden_layers: v })}
          />
          <NumberField
            label="hidden size"
            value={spec.hidden_size}
            min={8}
            step={8}
            onChange={(v) => setStudentSpec({ ...spec, hidden_size: v })}
          />
          <NumberField
            label="attention heads"
            value={spec.num_attention_heads}
            min={1}
            step={1}
            onChange={(v) => setStudentSpec({ ...spec, num_attention_heads: v })}
          />
          <NumberField
            label="intermediate size"
            value={spec.intermediate_size}
            min={8}
            step={8}
            onChange={(v) => setStudentSpec({ ...spec, intermediate_size: v })}
          />
        </div>
      )}
      <ErrorText testId="student-error" message={error} />
      {info && <ModelInfoView info={info} testId="student-info" />}
    </div>
  );
}

/** A dropped vocab.txt: tokenize corpora with it, or make it a checkpoint's vocab.txt. */
function VocabularyRow({ id, size }: { id: string; size: number }) {
  const vocabularyId = useApp((s) => s.vocabularyId);
  const checkpoints = useApp((s) => s.models.filter((m) => m.kind !== 'vocabulary'));
  return (
    <div className="vocabulary" data-testid="vocabulary-row">
      <p className="note">A vocabulary of {formatCount(size)} tokens (no weights).</p>
      <label>
        <input
          type="checkbox"
          data-testid="vocabulary-for-corpora"
          checked={vocabularyId === id}
          onChange={(e) => chooseCorpusVocabulary(e.target.checked ? id : null)}
        />{' '}
        Tokenize the corpora with it (examples and previews) instead of the teacher's
      </label>
      {checkpoints.length > 0 && (
        <SelectField
          label="Use as the vocab.txt of"
          value=""
          options={[
            { value: '', label: '(choose a checkpoint)' },
            ...checkpoints.map((m) => ({ value: m.id, label: m.name })),
          ]}
          onChange={(modelId) => {
            if (modelId) void replaceModelVocabulary(id, modelId);
          }}
        />
      )}
    </div>
  );
}

export function ModelsPanel() {
  const models = useApp((s) => s.models);
  const teacherId = useApp((s) => s.teacherId);
  const dropError = useApp((s) => s.modelDropError);
  return (
    <Section id="models" title="Models" step={2}>
      <DropZone
        label="Choose checkpoint files"
        hint="Drop a teacher checkpoint folder or its files: Hugging Face (config.json, vocab.txt, model.safetensors or pytorch_model.bin), Google TF1 (bert_config.json, vocab.txt, bert_model.ckpt.*) or tfjs (model.json + shards). A vocab.txt alone is kept as a vocabulary."
        folder
        testId="model"
        onFiles={(f) => void addModelFiles(f)}
      />
      <ErrorText testId="model-drop-error" message={dropError} />
      <fieldset className="entries">
        <legend>Teacher</legend>
        {models.length === 0 && <p className="note">No checkpoint yet.</p>}
        {models.map((m) => (
          <div key={m.id} className="entry" data-testid="model-row" data-status={m.status} data-name={m.name}>
            <div className="entry-head">
              <input
                type="radio"
                name="teacher"
                id={`teacher-${m.id}`}
                checked={teacherId === m.id}
                disabled={m.status !== 'ready' || !m.info?.hasMlmHead}
                onChange={() => selectTeacher(m.id)}
              />
              <label htmlFor={`teacher-${m.id}`}>
                <strong>{m.name}</strong> ({formatBytes(m.sizeBytes)})
              </label>
              <span className={`badge ${m.status}`}>{m.status}</span>
              <button type="button" onClick={() => void removeModel(m.id)} aria-label={`Remove ${m.name}`}>
                Remove
              </button>
            </div>
            <ErrorText testId="model-error" message={m.error} />
            {m.ignored && (
              <p className="note" data-testid="model-ignored">
                Not part of the model, left out: {m.ignored.join(', ')}
              </p>
            )}
            {m.info && <ModelInfoView info={m.info} testId="model-info" />}
            {m.kind === 'vocabulary' && m.status === 'ready' && <VocabularyRow id={m.id} size={m.vocabSize ?? 0} />}
          </div>
        ))}
      </fieldset>
      {teacherId && <StudentBuilder />}
    </Section>
  );
}
