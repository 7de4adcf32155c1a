/** The teacher pass: the teacher's top-k at every masked position of an example set, into a resumable cache. */
import { teacherPassBlocker } from './jobGuards.ts';
import { runEntryJob } from './jobRunner.ts';
import { DEFAULT_TEACHER_FORM, newId, patchEntry, type TeacherForm, useApp, workerBackendName } from './state.ts';

/** Changes the Teacher pass form (saved with the page's state). */
export function setTeacherForm(p: Partial<TeacherForm>): void {
  useApp.setState((s) => ({ teacherForm: { ...s.teacherForm, ...p } }));
}

/** The saved Teacher pass form; a field missing or not a whole number ≥ 1 takes its default. */
export function restoreTeacherForm(saved: unknown): TeacherForm {
  const form = (saved ?? {}) as Partial<Record<keyof TeacherForm, unknown>>;
  const whole = (v: unknown, fallback: number) =>
    Number.isInteger(v) && (v as number) >= 1 ? (v as number) : fallback;
  return {
    k: whole(form.k, DEFAULT_TEACHER_FORM.k),
    batchSize: whole(form.batchSize, DEFAULT_TEACHER_FORM.batchSize),
  };
}

/** Runs (or continues) a teacher pass; resolves with the cache's id when it ends (check its status). */
export async function startTeacherPass(
  exampleSetId: string,
  k: number,
  batchSize: number,
  resumeId?: string,
): Promise<string> {
  const s = useApp.getState();
  const modelId = resumeId ? s.teacherCaches.find((c) => c.id === resumeId)!.modelId : s.teacherId;
  if (!modelId) throw new Error('load a teacher first');
  checkSetFitsTeacher(exampleSetId, modelId);
  const blocked = teacherPassBlocker(s, exampleSetId, modelId, resumeId);
  if (blocked) throw new Error(`the teacher pass cannot start: ${blocked}`);
  const id = resumeId ?? newId('cache');
  if (!resumeId) {
    useApp.setState((st) => ({
      teacherCaches: [
        ...st.teacherCaches,
        {
          id,
          modelId,
          exampleSetId,
          k,
          batchSize,
          status: 'running',
          positions: 0,
          storedBytes: 0,
          backend: workerBackendName(s, 'teacher'),
        },
      ],
    }));
  }
  await runEntryJob({
    area: 'teacherCaches',
    id,
    worker: 'teacher',
    job: 'teacherPass',
    input: { cacheId: id, modelId, exampleSetId, k, batchSize },
    progress: (p) => patchEntry('teacherCaches', id, { progress: p, storedBytes: p.storedBytes ?? 0 }),
    done: (out) => ({
      status: out.complete ? 'ready' : 'stopped',
      positions: out.positions,
      slots: out.slots,
      storedBytes: out.storedBytes,
      ref: out.cache,
    }),
  });
  return id;
}

/**
 * Before any work: examples built with a vocabulary larger than the teacher's hold ids past its
 * embeddings (the worker also checks every example's ids before the teacher sees it).
 */
function checkSetFitsTeacher(exampleSetId: string, teacherId: string): void {
  const s = useApp.getState();
  const set = s.exampleSets.find((e) => e.id === exampleSetId);
  if (!set || set.vocabModelId === teacherId) return;
  const sizeOf = (id: string) => {
    const m = s.models.find((x) => x.id === id);
    return { name: m?.name ?? id, size: m?.info?.vocabSize ?? m?.vocabSize };
  };
  const examples = sizeOf(set.vocabModelId);
  const teacher = sizeOf(teacherId);
  if (examples.size !== undefined && teacher.size !== undefined && examples.size > teacher.size) {
    throw new Error(
      `example set ${exampleSetId} was built with the vocabulary of ${examples.name} (${examples.size} tokens), ` +
        `larger than the teacher ${teacher.name}'s (${teacher.size}, vocab_size): its ids do not fit the teacher; ` +
        `build the examples with the teacher's vocabulary`,
    );
  }
}
