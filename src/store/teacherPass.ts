/** The teacher pass: the teacher's top-k at every masked position of an example set, into a resumable cache. */
import { runEntryJob } from './jobRunner.ts';
import { newId, patchEntry, useApp } from './state.ts';

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
  const id = resumeId ?? newId('cache');
  if (!resumeId) {
    useApp.setState((st) => ({
      teacherCaches: [
        ...st.teacherCaches,
        { id, modelId, exampleSetId, k, batchSize, status: 'running', positions: 0, storedBytes: 0 },
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
      storedBytes: out.storedBytes,
      ref: out.cache,
    }),
  });
  return id;
}
