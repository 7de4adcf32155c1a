/**
 * Models as the workers use them: the loaded weights of a stored checkpoint (kept once per worker, keyed by
 * model id, so repeated jobs do not reload a large teacher), and students planned and loaded from the
 * stored checkpoints.
 */
import {
  type CheckpointPlan,
  disposeCheckpoint,
  loadCheckpoint,
  type LoadedCheckpoint,
  planCheckpoint,
} from '../src/core/checkpoint/loadCheckpoint.ts';
import { type BuiltStudent, buildStudent, studentPlan } from '../src/core/model/buildStudent.ts';
import type { BertConfig } from '../src/core/model/config.ts';
import { keepsTensor, type StudentSpec, studentConfig } from '../src/core/model/student.ts';
import { checkStudentSource } from '../src/core/model/studentSource.ts';
import { getModelFiles } from '../src/contract/storageLayout.ts';
import { disposeHeld, holdCheckpoint } from '../src/core/checkpoint/heldCheckpoint.ts';
import { HeldTeacher } from '../src/core/distill/heldTeacher.ts';

let loaded: { modelId: string; ckpt: LoadedCheckpoint } | null = null;
let teacher: { modelId: string; teacher: HeldTeacher } | null = null;

/** Loads a stored checkpoint (one kept at a time per worker). */
export async function loadModel(
  modelId: string,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<LoadedCheckpoint> {
  if (loaded?.modelId === modelId) return loaded.ckpt;
  unloadTeacher();
  if (loaded) {
    disposeCheckpoint(loaded.ckpt);
    loaded = null;
  }
  const files = await getModelFiles(modelId);
  const ckpt = await loadCheckpoint(files, { onProgress: (p) => onProgress?.(p.bytesRead, p.totalBytes) });
  loaded = { modelId, ckpt };
  return ckpt;
}

/**
 * Loads a stored checkpoint as a teacher for the teacher pass (one kept at a time per worker, in
 * place of a loaded checkpoint): float16 weights stay float16 (core/distill/heldTeacher.ts).
 */
export async function loadTeacher(
  modelId: string,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<HeldTeacher> {
  if (teacher?.modelId === modelId) return teacher.teacher;
  unloadTeacher();
  unloadModel();
  const files = await getModelFiles(modelId);
  const held = await holdCheckpoint(files, { onProgress: (p) => onProgress?.(p.bytesRead, p.totalBytes) });
  try {
    teacher = { modelId, teacher: new HeldTeacher(held) };
  } catch (e) {
    disposeHeld(held);
    throw e;
  }
  return teacher.teacher;
}

function unloadTeacher(): void {
  teacher?.teacher.dispose();
  teacher = null;
}

/** Frees the loaded checkpoint of this worker (e.g. once a student was cut from it). */
export function unloadModel(): void {
  if (loaded) disposeCheckpoint(loaded.ckpt);
  loaded = null;
}

/** The student a spec describes, planned from the stored checkpoints (no weights read) and checked. */
export interface PlannedStudent {
  cfg: BertConfig;
  /** the model the student's weights come from (the teacher, or the student's own checkpoint), null when fresh */
  sourceId: string | null;
  source: CheckpointPlan | null;
  teacher: CheckpointPlan;
}

/**
 * Plans a student: its config (core's studentConfig) and, for a student from its own checkpoint,
 * core's checks against the teacher (vocabulary, positions for `exampleLength`) before any work.
 */
export async function planStudent(
  teacherId: string,
  spec: StudentSpec,
  exampleLength?: number,
): Promise<PlannedStudent> {
  const teacher = await planCheckpoint(await getModelFiles(teacherId));
  if (spec.kind === 'checkpoint') {
    if (!spec.checkpointId) throw new Error('no student checkpoint chosen: drop one in Models → Student');
    const source = await planCheckpoint(await getModelFiles(spec.checkpointId));
    checkStudentSource(
      { config: teacher.config, vocab: teacher.vocab, hasMlmHead: teacher.parts.mlmHead },
      { config: source.config, vocab: source.vocab, hasMlmHead: source.parts.mlmHead },
      exampleLength,
    );
    return { cfg: studentConfig(teacher.config, spec, source.config), sourceId: spec.checkpointId, source, teacher };
  }
  const cfg = studentConfig(teacher.config, spec);
  return spec.kind === 'layers'
    ? { cfg, sourceId: teacherId, source: teacher, teacher }
    : { cfg, sourceId: null, source: null, teacher };
}

/**
 * Loads a student's starting weights (core's buildStudent), reading of its source only the
 * tensors the student keeps; nothing stays loaded but the student.
 */
export async function loadStudent(planned: PlannedStudent, spec: StudentSpec, seed: number): Promise<BuiltStudent> {
  const plan = studentPlan(spec, planned.cfg, planned.source?.config);
  if (plan.kind === 'fresh' || !planned.sourceId) return buildStudent(plan, null, seed);
  const source = await loadCheckpoint(await getModelFiles(planned.sourceId), { keep: keepsTensor(plan.layers) });
  try {
    return buildStudent(plan, source, seed);
  } finally {
    disposeCheckpoint(source);
  }
}
