/** Step 2: teacher checkpoints (any format the loaders read) and the student to build (from the teacher, its own checkpoint, or fresh). */
import { useEffect, useId, useState } from 'react';
import type { ModelInfo, StudentInfo, StudentSpec } from '../contract/jobs.ts';
import { BERT_CONFIG_DEFAULTS } from '../core/model/config.ts';
import {
  addModelFiles,
  refreshStudent,
  refreshWorkerMemory,
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

/** A layer list typed by the researcher: commas, checked as typed; `allowEmpty` means "all layers" (null). */
function LayersField(props: {
  label: string;
  layers: number[] | null;
  allowEmpty?: boolean;
  testId: string;
  onChange(layers: number[] | null): void;
}) {
  const id = useId();
  const [text, setText] = useState(props.layers?.join(',') ?? '');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(props.layers?.join(',') ?? ''), [props.layers]);
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        data-testid={props.testId}
        value={text}
        placeholder={props.allowEmpty ? 'all' : undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (props.allowEmpty && e.target.value.trim() === '') {
            setError(null);
            props.onChange(null);
            return;
          }
          const layers = parseLayers(e.target.value);
          setError(layers ? null : 'write layer numbers separated by commas, e.g. 0,1,2');
          if (layers) props.onChange(layers);
        }}
      />
      <ErrorText testId={`${props.testId}-error`} message={error} />
    </div>
  );
}

/** What will be trained: its source, layers, sizes, parameters, memory while training and whether its head is new. */
function StudentInfoView({ info, source }: { info: StudentInfo; source: string }) {
  const c = info.config;
  return (
    <>
      <KeyValues
        testId="student-info"
        rows={[
          ['source', source],
          ['layers', String(c.num_hidden_layers)],
          ['layers kept', info.layers ? info.layers.join(', ') : 'none (random init)'],
          ['hidden', String(c.hidden_size)],
          ['heads', String(c.num_attention_heads)],
          ['intermediate', String(c.intermediate_size)],
          ['vocabulary', formatCount(info.vocabSize)],
          ['parameters', formatCount(info.parameters)],
          ['memory (weights + Adam)', formatBytes(info.trainingBytes)],
          ['MLM head', info.newMlmHead ? 'new' : info.layers ? 'from the source' : 'new (random init)'],
        ]}
      />
      {info.layers && info.newMlmHead && (
        <p className="note" data-testid="student-new-head">
          This checkpoint has no masked-LM head: the student gets a fresh one (random init), its decoder tied to the
          word embeddings.{info.newPooler ? ' Its pooler is new too (random init).' : ''}
        </p>
      )}
    </>
  );
}

/** Each tensor worker's tf.memory(): the teacher worker holds the teacher, the training worker the student. */
function WorkerMemoryView() {
  const memory = useApp((s) => s.workerMemory);
  useEffect(() => {
    void refreshWorkerMemory();
    const timer = setInterval(() => void refreshWorkerMemory(), 5000);
    return () => clearInterval(timer);
  }, []);
  const row = (kind: 'teacher' | 'train') => {
    const m = memory[kind];
    return m ? `${formatBytes(m.numBytes)} in ${formatCount(m.numTensors)} tensors` : '…';
  };
  return (
    <div
      data-testid="worker-memory"
      data-teacher-bytes={memory.teacher?.numBytes}
      data-train-bytes={memory.train?.numBytes}
    >
      <KeyValues
        rows={[
          ['teacher worker tensors', row('teacher')],
          ['training worker tensors', row('train')],
        ]}
      />
    </div>
  );
}

function StudentBuilder() {
  const spec = useApp((s) => s.studentSpec);
  const info = useApp((s) => s.studentInfo);
  const error = useApp((s) => s.studentError);
  const teacher = useApp((s) => s.models.find((m) => m.id === s.teacherId));
  const models = useApp((s) => s.models);
  const exampleLengths = useApp((s) =>
    s.exampleSets
      .filter((e) => e.status === 'ready')
      .map((e) => e.options.maxSeqLength)
      .join(','),
  );
  // after a reload, and when examples of another length are built: size and check the student again
  // biome-ignore lint/correctness/useExhaustiveDependencies: exampleLengths is the trigger
  useEffect(() => {
    void refreshStudent();
  }, [exampleLengths]);
  const candidates = models.filter((m) => m.kind !== 'vocabulary' && m.id !== teacher?.id && m.status === 'ready');
  const studentModel = spec.kind === 'checkpoint' ? models.find((m) => m.id === spec.checkpointId) : undefined;
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
  const [lastLayers, setLastLayers] = useState(spec.kind === 'layers' ? spec.layers : [0, 1, 2]);
  const source =
    spec.kind === 'layers'
      ? `the teacher, ${teacher?.name ?? ''}`
      : spec.kind === 'checkpoint'
        ? `its own checkpoint, ${studentModel?.name ?? '(removed)'} (${info?.format ?? ''})`
        : 'a fresh config (random init)';
  return (
    <div className="student" data-testid="student-builder" data-kind={spec.kind}>
      <h3>Student</h3>
      <SelectField
        label="Build the student from"
        value={spec.kind}
        options={[
          { value: 'layers', label: 'layers of the teacher' },
          { value: 'checkpoint', label: 'a checkpoint of its own' },
          { value: 'fresh', label: 'a fresh config (random init)' },
        ]}
        onChange={(k) => {
          if (k === 'layers') void setStudentSpec({ kind: 'layers', layers: lastLayers });
          else if (k === 'fresh') void setStudentSpec(fresh);
          else if (candidates[0])
            void setStudentSpec({ kind: 'checkpoint', checkpointId: candidates[0].id, layers: null });
          else
            useApp.setState({
              studentSpec: { kind: 'checkpoint', checkpointId: '', layers: null },
              studentInfo: null,
              studentError: "drop the student's checkpoint below",
            });
        }}
      />
      {spec.kind === 'layers' && (
        <LayersField
          label="Teacher layers to keep (comma-separated)"
          layers={spec.layers}
          testId="student-layers"
          onChange={(layers) => {
            if (!layers) return;
            setLastLayers(layers);
            void setStudentSpec({ kind: 'layers', layers });
          }}
        />
      )}
      {spec.kind === 'checkpoint' && (
        <div className="student-checkpoint">
          <DropZone
            label="Choose the student's checkpoint"
            hint="Drop the student's own pretrained checkpoint (any format the teacher's may have, e.g. RoBERTa-wwm-ext base for a large teacher). Its hidden size and layers may differ from the teacher's; its vocab.txt must be the teacher's."
            folder
            testId="student-model"
            onFiles={(f) => void addModelFiles(f, undefined, 'student')}
          />
          {candidates.length > 0 && (
            <SelectField
              label="Student checkpoint"
              value={spec.checkpointId}
              options={[
                ...(spec.checkpointId ? [] : [{ value: '', label: '(choose a checkpoint)' }]),
                ...candidates.map((m) => ({ value: m.id, label: m.name })),
              ]}
              onChange={(id) => {
                if (id) void setStudentSpec({ ...spec, checkpointId: id });
              }}
            />
          )}
          <LayersField
            label="Layers of the student's checkpoint to keep (comma-separated; empty: all)"
            layers={spec.layers}
            allowEmpty
            testId="student-checkpoint-layers"
            onChange={(layers) => void setStudentSpec({ ...spec, layers })}
          />
        </div>
      )}
      {spec.kind === 'fresh' && (
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
      {info && !error && <StudentInfoView info={info} source={source} />}
      <WorkerMemoryView />
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
  const studentId = useApp((s) => (s.studentSpec.kind === 'checkpoint' ? s.studentSpec.checkpointId : null));
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
              {studentId === m.id && (
                <span className="badge" data-testid="student-badge">
                  student
                </span>
              )}
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
