/**
 * The check page's Web Worker (the app computes in workers too): for each
 * backend asked for, starts it with the app's own backend picker
 * (workers/backend.ts, which also points the wasm backend at the .wasm files
 * served from the page's origin) and runs backendRun.ts on it. A backend that
 * cannot start is reported as unavailable, with the picker's reason.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../../src/contract/backendReport.ts';
import { pickBackend } from '../../../workers/backend.ts';
import { runOnCurrentBackend, type BackendRun, type BackendRunOptions } from './backendRun.ts';

export interface CheckRequest {
  backends: BackendName[];
  options: BackendRunOptions;
}

export type BackendOutcome =
  | ({
      available: true;
      adapter?: string;
      /** WebGPU validation / out-of-memory errors seen during the run (an invalid pipeline's work is silently skipped). */
      gpuErrors: string[];
    } & BackendRun)
  | { available: false; backend: BackendName; why: string };

export type WorkerMessage =
  | { kind: 'log'; line: string }
  | { kind: 'outcome'; outcome: BackendOutcome }
  | { kind: 'done' }
  | { kind: 'error'; message: string };

const post = (m: WorkerMessage) => (self as unknown as Worker).postMessage(m);

self.onmessage = async (e: MessageEvent<CheckRequest>) => {
  try {
    for (const name of e.data.backends) {
      const report = await pickBackend(name);
      if (report.backend !== name) {
        const why = report.skipped.find((s) => s.backend === name)?.why ?? `the picker chose ${report.backend} instead`;
        post({ kind: 'log', line: `${name}: unavailable (${why})` });
        post({ kind: 'outcome', outcome: { available: false, backend: name, why } });
        continue;
      }
      post({
        kind: 'log',
        line: `${name}: started (${report.reason}${report.adapter ? `; adapter ${report.adapter}` : ''})`,
      });
      const gpuErrors: string[] = [];
      const device = name === 'webgpu' ? (tf.backend() as unknown as { device?: GPUDevice }).device : undefined;
      const onGpuError = (ev: GPUUncapturedErrorEvent) => gpuErrors.push(ev.error.message.split('\n')[0]);
      device?.addEventListener('uncapturederror', onGpuError);
      const run = await runOnCurrentBackend(e.data.options);
      device?.removeEventListener('uncapturederror', onGpuError);
      post({
        kind: 'log',
        line: `${name}: done in ${run.ms.toFixed(0)} ms on ${tf.getBackend()}${gpuErrors.length ? `, ${gpuErrors.length} WebGPU errors` : ''}`,
      });
      post({ kind: 'outcome', outcome: { available: true, adapter: report.adapter, gpuErrors, ...run } });
    }
    post({ kind: 'done' });
  } catch (err) {
    post({ kind: 'error', message: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) });
  }
};
