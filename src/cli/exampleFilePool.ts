/**
 * create_pretraining_data's --max_workers: runs ExampleFileJobs on up to N Node worker threads
 * at once, each thread building one job's examples (exampleFileWorker.ts); with N = 1 the jobs
 * run one after another in this thread. Each job has its own inputs, outputs and random seed,
 * so the files written do not depend on N. A failed job does not stop the others: every job
 * runs to its end, then the failures are reported together.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ExampleFileJob, type ExampleFileResult, type JobLog, writeExampleFile } from './exampleFile.ts';

/** What a worker thread posts back. */
export type WorkerReply =
  | { kind: 'log'; line: string }
  | { kind: 'done'; result: ExampleFileResult; threadId: number }
  | { kind: 'error'; message: string; threadId: number };

export interface JobOutcome {
  job: ExampleFileJob;
  /** The thread that ran it (0: the command's own thread). */
  threadId: number;
  result?: ExampleFileResult;
  error?: string;
}

/**
 * The worker's entry is TypeScript, loaded through tsx as the CLI itself is: the thread first
 * registers tsx's loader (its ESM API), then imports exampleFileWorker.ts.
 */
function startWorker(): Worker {
  // tsx's ESM entry of its API, as its package.json exports it to `import`
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json');
  const exportsMap = JSON.parse(readFileSync(tsxPackage, 'utf8')).exports['./esm/api'];
  const tsxApi = pathToFileURL(path.join(path.dirname(tsxPackage), exportsMap.import.default)).href;
  const entry = new URL('./exampleFileWorker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true });
}

/** Runs one job on a worker; `crashed` when the thread itself died (it is then replaced). */
function runOnWorker(worker: Worker, job: ExampleFileJob, log: JobLog): Promise<JobOutcome & { crashed?: boolean }> {
  return new Promise((resolve) => {
    const finish = (o: JobOutcome & { crashed?: boolean }) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      resolve(o);
    };
    const onMessage = (r: WorkerReply) => {
      if (r.kind === 'log') log(r.line);
      else if (r.kind === 'done') finish({ job, threadId: r.threadId, result: r.result });
      else finish({ job, threadId: r.threadId, error: r.message });
    };
    const onError = (err: Error) =>
      finish({ job, threadId: worker.threadId, error: `worker thread failed: ${err.message}`, crashed: true });
    const onExit = (code: number) =>
      finish({ job, threadId: worker.threadId, error: `worker thread exited with code ${code}`, crashed: true });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(job);
  });
}

/** Runs every job, at most `maxWorkers` at a time; `onDone` hears of each as it ends. */
export async function runExampleJobs(
  jobs: readonly ExampleFileJob[],
  maxWorkers: number,
  log: JobLog,
  onDone: (o: JobOutcome) => void,
): Promise<JobOutcome[]> {
  const outcomes: JobOutcome[] = [];
  if (maxWorkers <= 1 || jobs.length <= 1) {
    for (const job of jobs) {
      let o: JobOutcome;
      try {
        o = { job, threadId: 0, result: await writeExampleFile(job, log) };
      } catch (err) {
        o = { job, threadId: 0, error: err instanceof Error ? err.message : String(err) };
      }
      outcomes.push(o);
      onDone(o);
    }
    return outcomes;
  }
  let next = 0;
  const lane = async () => {
    let worker = startWorker();
    try {
      while (next < jobs.length) {
        const job = jobs[next++];
        const { crashed, ...o } = await runOnWorker(worker, job, log);
        outcomes.push(o);
        onDone(o);
        if (crashed) worker = startWorker();
      }
    } finally {
      await worker.terminate();
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxWorkers, jobs.length) }, lane));
  // in the jobs' order, whatever order they ended in
  return jobs.map((job) => outcomes.find((o) => o.job === job) as JobOutcome);
}
