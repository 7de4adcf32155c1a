/**
 * A worker thread of create_pretraining_data --max_workers: takes ExampleFileJobs one at a
 * time from the command's thread and runs each with writeExampleFile, posting its log lines,
 * then its result or its error.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { type ExampleFileJob, writeExampleFile } from './exampleFile.ts';
import type { WorkerReply } from './exampleFilePool.ts';

const port = parentPort;
if (!port) throw new Error('exampleFileWorker.ts runs only as a worker thread');

port.on('message', async (job: ExampleFileJob) => {
  const reply = (r: WorkerReply) => port.postMessage(r);
  try {
    const result = await writeExampleFile(job, (line) => reply({ kind: 'log', line }));
    reply({ kind: 'done', result, threadId });
  } catch (err) {
    reply({ kind: 'error', message: err instanceof Error ? err.message : String(err), threadId });
  }
});
