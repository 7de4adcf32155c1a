/** Model actions: store and inspect dropped checkpoints, choose the teacher, and the student built from it. */
import type { StudentSpec } from '../contract/jobs.ts';
import { fileKey, storeOf } from '../contract/storageLayout.ts';
import { previewCorpus } from './corpora.ts';
import { describeError } from './errors.ts';
import { refreshQuota } from './persistence.ts';
import { newId, patchEntry, useApp } from './state.ts';
import { callWorker } from './workerClient.ts';

const set = useApp.setState;
const get = useApp.getState;

/** Stores a model's files and inspects them; returns the new entry's id (check its status), null for no files. */
export async function addModelFiles(files: File[], displayName?: string): Promise<string | null> {
  set({ modelDropError: null });
  if (files.length === 0) return null;
  const id = newId('model');
  const folder = (files[0] as File & { webkitRelativePath?: string }).webkitRelativePath?.split('/')[0];
  const name = displayName || folder || files.map((f) => f.name).join(', ');
  set((s) => ({
    models: [
      ...s.models,
      {
        id,
        name,
        files: files.map((f) => f.name),
        sizeBytes: files.reduce((n, f) => n + f.size, 0),
        status: 'loading',
      },
    ],
  }));
  try {
    await storeOf('files').setMany(files.map((f) => [fileKey.model(id, f.name), f]));
  } catch (err) {
    patchEntry('models', id, { status: 'error', error: `could not be stored: ${describeError(err)}` });
    return id;
  }
  try {
    const info = await callWorker('teacher', 'inspectModel', { modelId: id }).result;
    patchEntry('models', id, { status: 'ready', info });
    if (!get().teacherId && info.hasMlmHead) selectTeacher(id);
  } catch (err) {
    patchEntry('models', id, { status: 'error', error: describeError(err) });
  }
  void refreshQuota();
  return id;
}

/** Makes a model the teacher: its student is sized again and the corpus previews use its vocabulary. */
export function selectTeacher(id: string): void {
  set({ teacherId: id });
  void refreshStudent();
  for (const c of get().corpora) if (c.status === 'ready') void previewCorpus(c.id);
}

export async function removeModel(id: string): Promise<void> {
  set((s) => ({ models: s.models.filter((m) => m.id !== id), teacherId: s.teacherId === id ? null : s.teacherId }));
  const files = storeOf('files');
  for (const k of await files.keys(fileKey.modelPrefix(id))) await files.del(k);
}

/** Sets the student spec; the returned promise settles once the student's info (or error) is shown. */
export function setStudentSpec(spec: StudentSpec): Promise<void> {
  set({ studentSpec: spec });
  return refreshStudent();
}

async function refreshStudent(): Promise<void> {
  const { teacherId, studentSpec } = get();
  if (!teacherId) return;
  try {
    const info = await callWorker('teacher', 'studentInfo', { teacherId, spec: studentSpec }).result;
    set({ studentInfo: info, studentError: null });
  } catch (err) {
    set({ studentInfo: null, studentError: describeError(err) });
  }
}
