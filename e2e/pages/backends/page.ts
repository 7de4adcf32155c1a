/**
 * The check page's entry: exposes `window.runBackendCheck(request)`, which
 * e2e/backends.e2e.ts calls through Playwright. It starts the check in a
 * module Web Worker (as the app runs its models) and resolves with every
 * backend's outcome; progress lines go to the console and the page.
 */
import type { BackendOutcome, CheckRequest, WorkerMessage } from './worker.ts';

const logEl = document.getElementById('log');
function log(line: string): void {
  console.log(`[backends] ${line}`);
  if (logEl) logEl.textContent += line + '\n';
}

function runBackendCheck(request: CheckRequest): Promise<BackendOutcome[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'backend-check' });
    const outcomes: BackendOutcome[] = [];
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`the check worker failed: ${e.message || 'could not load'}`));
    };
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      if (m.kind === 'log') log(m.line);
      else if (m.kind === 'outcome') outcomes.push(m.outcome);
      else {
        worker.terminate();
        if (m.kind === 'done') resolve(outcomes);
        else reject(new Error(`the check worker threw: ${m.message}`));
      }
    };
    worker.postMessage(request);
  });
}

Object.assign(window, { runBackendCheck, backendCheckReady: true });
log('ready');
