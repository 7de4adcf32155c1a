/**
 * Model actions: store and inspect dropped checkpoints, choose the teacher and the student (layers of
 * the teacher, a checkpoint of its own, or a fresh config), and ask the tensor workers their memory.
 */
import type { StudentSpec } from '../contract/jobs.ts';
import { fileKey, storeOf } from '../contract/storageLayout.ts';
import { chooseModelFolder, isLoneVocabulary } from '../core/checkpoint/modelFolder.ts';
import { previewCorpus } from './corpora.ts';
import { describeError } from './errors.ts';
import { refreshQuota } from './persistence.ts';
import { newId, patchEntry, useApp } from './state.ts';
import { callWorker, isWorkerIdle } from './workerClient.ts';

const set = useApp.setState;
const get = useApp.getState;

/** The path a dropped file had inside what was dropped (a folder drop or pick), else its name. */
function droppedPath(f: File): string {
  return (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
}

/**
 * Stores a model's files and inspects them; returns the new entry's id (check its status), null for
 * no files. Of a dropped folder only the model's own folder is kept (chooseModelFolder: not, e.g.,
 * sentence-transformers' 1_Pooling/config.json); a vocab.txt dropped alone is a vocabulary.
 */
export async function addModelFiles(
  files: File[],
  displayName?: string,
  role: 'teacher' | 'student' = 'teacher',
): Promise<string | null> {
  set({ modelDropError: null });
  if (files.length === 0) return null;
  const { keep, ignored, folder } = chooseModelFolder(files, droppedPath);
  const vocabulary = isLoneVocabulary(keep.map(droppedPath));
  const id = newId(vocabulary ? 'vocab' : 'model');
  const name = displayName || folder || keep.map((f) => f.name).join(', ');
  set((s) => ({
    models: [
      ...s.models,
      {
        id,
        name,
        files: keep.map((f) => f.name),
        sizeBytes: keep.reduce((n, f) => n + f.size, 0),
        status: 'loading',
        kind: vocabulary ? 'vocabulary' : 'checkpoint',
        ...(ignored.length ? { ignored } : {}),
      },
    ],
  }));
  try {
    // a vocabulary is stored as vocab.txt, the name the workers read a model's vocabulary from
    await storeOf('files').setMany(keep.map((f) => [fileKey.model(id, vocabulary ? 'vocab.txt' : f.name), f]));
  } catch (err) {
    patchEntry('models', id, { status: 'error', error: `could not be stored: ${describeError(err)}` });
    return id;
  }
  try {
    if (vocabulary) {
      const { vocabSize } = await callWorker('data', 'inspectVocabulary', { modelId: id }).result;
      patchEntry('models', id, { status: 'ready', vocabSize });
    } else {
      const info = await callWorker('teacher', 'inspectModel', { modelId: id }).result;
      patchEntry('models', id, { status: 'ready', info });
      if (role === 'student') await setStudentSpec({ kind: 'checkpoint', checkpointId: id, layers: null });
      else if (!get().teacherId && info.hasMlmHead) selectTeacher(id);
    }
  } catch (err) {
    patchEntry('models', id, { status: 'error', error: describeError(err) });
  }
  void refreshQuota();
  return id;
}

/** Tokenizes corpora with a dropped vocabulary (null: with the teacher's again). */
export function chooseCorpusVocabulary(id: string | null): void {
  set({ vocabularyId: id });
  for (const c of get().corpora) if (c.status === 'ready') void previewCorpus(c.id);
}

/**
 * Replaces a checkpoint's vocab.txt with a dropped vocabulary and inspects it again (its size
 * must match the checkpoint's vocab_size: the inspection says so otherwise).
 */
export async function replaceModelVocabulary(vocabularyId: string, modelId: string): Promise<void> {
  const files = storeOf('files');
  const vocab = await files.get(fileKey.model(vocabularyId, 'vocab.txt'));
  if (!(vocab instanceof Blob)) {
    patchEntry('models', vocabularyId, {
      status: 'error',
      error: 'its vocab.txt is missing from storage; drop it again',
    });
    return;
  }
  await files.set(fileKey.model(modelId, 'vocab.txt'), vocab);
  const model = get().models.find((m) => m.id === modelId);
  patchEntry('models', modelId, {
    status: 'loading',
    error: undefined,
    files: [...new Set([...(model?.files ?? []), 'vocab.txt'])],
  });
  try {
    const info = await callWorker('teacher', 'inspectModel', { modelId }).result;
    patchEntry('models', modelId, { status: 'ready', info });
    if (!get().teacherId && info.hasMlmHead) selectTeacher(modelId);
  } catch (err) {
    patchEntry('models', modelId, { status: 'error', error: describeError(err) });
  }
}

/** Makes a model the teacher: its student is sized again and the corpus previews use its vocabulary. */
export function selectTeacher(id: string): void {
  set({ teacherId: id });
  void refreshStudent();
  for (const c of get().corpora) if (c.status === 'ready') void previewCorpus(c.id);
}

export async function removeModel(id: string): Promise<void> {
  const spec = get().studentSpec;
  if (spec.kind === 'checkpoint' && spec.checkpointId === id)
    void setStudentSpec({ kind: 'layers', layers: [0, 1, 2] });
  set((s) => ({
    models: s.models.filter((m) => m.id !== id),
    teacherId: s.teacherId === id ? null : s.teacherId,
    vocabularyId: s.vocabularyId === id ? null : s.vocabularyId,
  }));
  const files = storeOf('files');
  for (const k of await files.keys(fileKey.modelPrefix(id))) await files.del(k);
}

/** Sets the student spec; the returned promise settles once the student's info (or error) is shown. */
export function setStudentSpec(spec: StudentSpec): Promise<void> {
  set({ studentSpec: spec });
  return refreshStudent();
}

/** The longest examples built so far (max_seq_length), which the student's position embeddings must cover. */
function exampleLength(): number | undefined {
  const lengths = get()
    .exampleSets.filter((e) => e.status === 'ready')
    .map((e) => e.options.maxSeqLength);
  return lengths.length ? Math.max(...lengths) : undefined;
}

/** Sizes and checks the student again (the teacher worker plans it from the stored checkpoints, reading no weights). */
export async function refreshStudent(): Promise<void> {
  const { teacherId, studentSpec } = get();
  if (!teacherId) return;
  try {
    const info = await callWorker('teacher', 'studentInfo', {
      teacherId,
      spec: studentSpec,
      exampleLength: exampleLength(),
    }).result;
    // a later choice may have replaced the spec meanwhile: only its own answer is shown
    if (get().studentSpec === studentSpec) set({ studentInfo: info, studentError: null });
  } catch (err) {
    if (get().studentSpec === studentSpec) set({ studentInfo: null, studentError: describeError(err) });
  }
}

let memoryAsked = false;

/**
 * Asks each idle tensor worker for its tf.memory() (one question at a time): a worker not started yet
 * is not started by this, and a busy one keeps its last figure until its job ends. The Models step shows them.
 */
export async function refreshWorkerMemory(): Promise<void> {
  if (memoryAsked) return;
  memoryAsked = true;
  try {
    await Promise.all(
      (['teacher', 'train'] as const).filter(isWorkerIdle).map(async (kind) => {
        try {
          const m = await callWorker(kind, 'tensorMemory', {}).result;
          set((s) => ({ workerMemory: { ...s.workerMemory, [kind]: m } }));
        } catch {
          // a worker that is restarting answers next time
        }
      }),
    );
  } finally {
    memoryAsked = false;
  }
}
