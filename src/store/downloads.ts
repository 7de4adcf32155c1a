/**
 * Files to download: a run's student in a checkpoint format (with its model card, README.md), an example set or
 * teacher outputs as TFRecord. The workers make the file; these actions show
 * what is being prepared and any error, and hand the file back for the page to
 * save (src/ui/saveBlob.ts: the store touches no DOM).
 */
import type { StudentExportFormat } from '../contract/jobs.ts';
import { describeError } from './errors.ts';
import { runSpec } from './runs.ts';
import { runCardFacts } from './runTable.ts';
import { useApp } from './state.ts';
import { callWorker } from './workerClient.ts';

const set = useApp.setState;
const get = useApp.getState;

export interface DownloadFile {
  blob: Blob;
  name: string;
}

/** Shows `what` as being prepared while `make` runs; its error is shown, and null returned. */
async function preparing(what: string, make: () => Promise<DownloadFile>): Promise<DownloadFile | null> {
  set({ downloadBusy: what, downloadError: null });
  try {
    return await make();
  } catch (err) {
    set({ downloadError: describeError(err) });
    return null;
  } finally {
    set({ downloadBusy: null });
  }
}

/** A run's student at its last checkpoint, zipped in a format (null when it failed: see downloadError). */
export async function exportStudent(runId: string, format: StudentExportFormat): Promise<DownloadFile | null> {
  const run = get().runs.find((r) => r.id === runId);
  if (!run) return null;
  return preparing(
    `student-${format}`,
    () => callWorker('train', 'exportStudent', { run: runSpec(run), format, card: runCardFacts(run, get()) }).result,
  );
}

/** An example set, or a teacher pass's outputs for it, as one TFRecord file (null when it failed). */
export async function exportRecords(
  what: 'examples' | 'teacher',
  exampleSetId: string,
  cacheId?: string,
): Promise<DownloadFile | null> {
  return preparing(what, () => {
    const cache = get().teacherCaches.find((c) => c.id === cacheId)?.ref;
    return callWorker(what === 'examples' ? 'data' : 'teacher', 'exportRecords', { what, exampleSetId, cache }).result;
  });
}
