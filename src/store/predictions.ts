/** Predictions: the teacher's and a run's student's top 5 at masked characters of a sentence. */
import { describeError } from './errors.ts';
import { runSpec } from './runs.ts';
import { useApp } from './state.ts';
import { callWorker } from './workerClient.ts';

const set = useApp.setState;
const get = useApp.getState;

export async function predict(text: string, maskChars: number[], runId: string | null): Promise<void> {
  const { teacherId } = get();
  if (!teacherId) {
    set({ predictions: { busy: false, error: 'load a teacher first' } });
    return;
  }
  set({ predictions: { busy: true } });
  try {
    const teacher = await callWorker('teacher', 'predict', {
      model: { kind: 'files', modelId: teacherId },
      vocabModelId: teacherId,
      text,
      maskChars,
      topK: 5,
    }).result;
    const run = get().runs.find((r) => r.id === runId);
    const student = run
      ? await callWorker('train', 'predict', {
          model: { kind: 'run', run: runSpec(run) },
          vocabModelId: teacherId,
          text,
          maskChars,
          topK: 5,
        }).result
      : undefined;
    set({ predictions: { busy: false, teacher, student } });
  } catch (err) {
    set({ predictions: { busy: false, error: describeError(err) } });
  }
}
