/**
 * The header: each worker's tfjs backend and why, the probe's measured
 * figures for every candidate (GFLOP/s), the GPU adapter (saying plainly when
 * it is a software one), how wide wasm runs, a backend override that persists
 * across reloads, and the storage quota.
 */
import { useState } from 'react';
import { BACKEND_NAMES, type BackendName, type BackendReport } from '../contract/backendReport.ts';
import type { WorkerKind } from '../contract/jobs.ts';
import { formatGflops } from '../core/backend/probe.ts';
import { useApp } from '../store/state.ts';
import { backendOverride, setBackendOverride } from '../store/workerClient.ts';
import { formatBytes } from './format.ts';

const WORKERS: { kind: WorkerKind; label: string }[] = [
  { kind: 'data', label: 'data worker' },
  { kind: 'teacher', label: 'teacher worker' },
  { kind: 'train', label: 'training worker' },
];

/** The report with the probe's figures: the training worker's, else the teacher worker's. */
function measuredReport(backends: ReturnType<typeof useApp.getState>['backends']): BackendReport | undefined {
  for (const kind of ['train', 'teacher'] as WorkerKind[]) {
    const r = backends[kind];
    if (r && !('error' in r) && r.measured?.length) return r;
  }
  return undefined;
}

function wasmNote(r: BackendReport): string {
  if (!r.wasm) return '';
  return r.wasm.isolated
    ? `wasm: ${r.wasm.threads} thread${r.wasm.threads === 1 ? '' : 's'} (cross-origin isolated)`
    : `wasm: 1 thread — ${r.wasm.note ?? 'the page is not cross-origin isolated'}`;
}

function BackendChoice() {
  const [override, setOverride] = useState<BackendName | ''>(() => backendOverride() ?? '');
  const [note, setNote] = useState<string | null>(null);
  return (
    <label className="backend-choice">
      Backend:{' '}
      <select
        data-testid="backend-override"
        value={override}
        onChange={(e) => {
          const v = e.target.value as BackendName | '';
          setOverride(v);
          const restarted = setBackendOverride(v || null);
          const busy = (['teacher', 'train'] as WorkerKind[]).filter((k) => !restarted.includes(k));
          setNote(
            busy.length
              ? `the ${busy.join(' and ')} worker keeps its backend until its job ends; reload to switch it`
              : null,
          );
        }}
      >
        <option value="">fastest measured (automatic)</option>
        {BACKEND_NAMES.map((b) => (
          <option key={b} value={b}>
            {b} (override)
          </option>
        ))}
      </select>
      {note && <small> — {note}</small>}
    </label>
  );
}

export function Header() {
  const backends = useApp((s) => s.backends);
  const quota = useApp((s) => s.quota);
  const storageError = useApp((s) => s.storageError);
  const probe = measuredReport(backends);
  const gpuReport = (['train', 'teacher'] as WorkerKind[])
    .map((k) => backends[k])
    .find((r): r is BackendReport => !!r && !('error' in r) && r.backend !== 'none');
  return (
    <header className="top">
      <h1>WWM distillation workbench</h1>
      <ul className="backends" aria-label="Compute backends">
        {WORKERS.map(({ kind, label }) => {
          const r = backends[kind];
          if (!r) {
            return (
              <li key={kind} data-testid={`backend-${kind}`} data-backend="">
                {label}: starting{kind === 'data' ? '' : ' (measuring the backends the first time)'}…
              </li>
            );
          }
          if ('error' in r) {
            return (
              <li key={kind} className="bad" data-testid={`backend-${kind}`} data-backend="error" role="alert">
                {label}: {r.error}
              </li>
            );
          }
          const why = [r.reason, ...r.skipped.map((s) => `${s.backend}: ${s.why}`)].join('; ');
          return (
            <li
              key={kind}
              data-testid={`backend-${kind}`}
              data-backend={r.backend}
              data-decided-by={r.decidedBy ?? ''}
              title={why}
            >
              {label}: <strong>{r.backend}</strong>
              {r.backend === 'wasm' && r.wasm ? ` (${r.wasm.threads} thread${r.wasm.threads === 1 ? '' : 's'})` : ''}
              <small> — {r.reason}</small>
            </li>
          );
        })}
      </ul>
      {gpuReport && (
        <p className="adapter" data-testid="gpu-adapter" data-software={gpuReport.softwareAdapter ? 'yes' : 'no'}>
          GPU adapter: {gpuReport.adapter ?? 'none (no WebGPU here)'}
          {gpuReport.softwareAdapter && (
            <strong className="warn">
              {' '}
              — a software adapter (the CPU pretending to be a GPU), not a real GPU: WebGPU here is slow
            </strong>
          )}
          {gpuReport.wasm && <span data-testid="wasm-width"> · {wasmNote(gpuReport)}</span>}
        </p>
      )}
      {probe?.measured && (
        <table className="probe" data-testid="probe-table" aria-label="Measured backend speed">
          <caption>
            Measured on this browser{probe.measuredAt ? ` (${new Date(probe.measuredAt).toLocaleString()})` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">backend</th>
              <th scope="col">matmul GFLOP/s</th>
              <th scope="col">model step</th>
              <th scope="col">probe took</th>
              <th scope="col">vs cpu</th>
            </tr>
          </thead>
          <tbody>
            {probe.measured.map((m) => (
              <tr
                key={m.backend}
                data-testid="probe-row"
                data-backend={m.backend}
                data-ok={m.ok ? 'yes' : 'no'}
                data-gflops={m.matmulGflops ?? ''}
                data-step-ms={m.stepMs ?? ''}
                className={m.backend === probe.backend ? 'chosen' : undefined}
              >
                <th scope="row">
                  {m.backend}
                  {m.backend === probe.backend ? ' ✓' : ''}
                </th>
                <td>{formatGflops(m.matmulGflops)}</td>
                <td>
                  {m.stepMs !== undefined ? `${m.stepMs.toFixed(1)} ms (${formatGflops(m.stepGflops)} GFLOP/s)` : '—'}
                </td>
                <td>{m.probeMs !== undefined ? `${(m.probeMs / 1000).toFixed(1)} s` : '—'}</td>
                <td>{m.ok ? 'agrees' : m.why}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <BackendChoice />
      <p className="quota" data-testid="quota">
        {quota
          ? `Storage: ${formatBytes(quota.usage)} used of ${formatBytes(quota.quota)}${
              quota.persisted === true
                ? ' · persistent'
                : quota.persisted === false
                  ? ' · not persistent (the browser may evict it)'
                  : ''
            }`
          : 'Storage: —'}
      </p>
      {storageError && (
        <p className="error" role="alert" data-testid="storage-error">
          {storageError}
        </p>
      )}
    </header>
  );
}
