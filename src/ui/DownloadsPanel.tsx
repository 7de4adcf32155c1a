/** Step 8: the student in every format (ONNX for transformers.js included), and examples / teacher outputs as TFRecord. */
import { exportRecords, exportStudent } from '../store/downloads.ts';
import { useApp } from '../store/state.ts';
import { saveWhenReady } from './saveBlob.ts';
import { ErrorText, Section } from './common.tsx';

export function DownloadsPanel() {
  const runs = useApp((s) => s.runs).filter((r) => r.lastCheckpointStep > 0);
  const sets = useApp((s) => s.exampleSets).filter((e) => e.status === 'ready');
  const caches = useApp((s) => s.teacherCaches).filter((c) => c.status === 'ready');
  const busy = useApp((s) => s.downloadBusy);
  const error = useApp((s) => s.downloadError);
  return (
    <Section id="downloads" title="Downloads" step={8}>
      <h3>Students</h3>
      {runs.length === 0 && <p className="note">No checkpoint yet: train a run first.</p>}
      {runs.length > 0 && (
        <p className="note" data-testid="model-card-note">
          Every student zip holds README.md, its model card: the teacher, the data (sources, flags, counts), the loss,
          steps, learning rate and seed, and its held-out metrics with the number of examples they were measured on.
        </p>
      )}
      <ul className="entries">
        {runs.map((r) => (
          <li key={r.id}>
            <strong>{r.name}</strong> (step {r.lastCheckpointStep}){' '}
            <button
              type="button"
              disabled={!!busy}
              data-testid="download-hf"
              onClick={() => saveWhenReady(exportStudent(r.id, 'hf'))}
            >
              Hugging Face zip
            </button>{' '}
            <button
              type="button"
              disabled={!!busy}
              data-testid="download-hf-pytorch"
              title="pytorch_model.bin instead of model.safetensors, for loaders that do not read safetensors"
              onClick={() => saveWhenReady(exportStudent(r.id, 'hf-pytorch'))}
            >
              Hugging Face zip (pytorch_model.bin)
            </button>{' '}
            <button
              type="button"
              disabled={!!busy}
              data-testid="download-tf1"
              onClick={() => saveWhenReady(exportStudent(r.id, 'tf1'))}
            >
              TF1 checkpoint zip
            </button>{' '}
            <button
              type="button"
              disabled={!!busy}
              data-testid="download-tfjs"
              onClick={() => saveWhenReady(exportStudent(r.id, 'tfjs'))}
            >
              tfjs zip
            </button>{' '}
            <button
              type="button"
              disabled={!!busy}
              data-testid="download-onnx"
              title="onnx/model.onnx, onnx/model_quantized.onnx and tokenizer.json: the folder transformers.js loads"
              onClick={() => saveWhenReady(exportStudent(r.id, 'onnx'))}
            >
              ONNX zip (transformers.js)
            </button>
          </li>
        ))}
      </ul>
      <h3>Data for the original 2020 scripts</h3>
      <ul className="entries">
        {sets.map((s) => (
          <li key={s.id}>
            {s.id}{' '}
            <button
              type="button"
              disabled={!!busy}
              data-testid="download-examples"
              onClick={() => saveWhenReady(exportRecords('examples', s.id))}
            >
              Examples (TFRecord)
            </button>
          </li>
        ))}
        {caches.map((c) => (
          <li key={c.id}>
            {c.id}{' '}
            <button
              type="button"
              disabled={!!busy}
              data-testid="download-teacher"
              onClick={() => saveWhenReady(exportRecords('teacher', c.exampleSetId, c.id))}
            >
              Teacher outputs (TFRecord)
            </button>
          </li>
        ))}
      </ul>
      {busy && <p role="status">Preparing {busy}…</p>}
      <ErrorText testId="download-error" message={error} />
    </Section>
  );
}
