/** The header: each worker's tfjs backend (and why), and the storage quota. */
import { useApp } from '../store/state.ts';
import type { WorkerKind } from '../contract/jobs.ts';
import { formatBytes } from './format.ts';

const WORKERS: { kind: WorkerKind; label: string }[] = [
  { kind: 'data', label: 'data worker' },
  { kind: 'teacher', label: 'teacher worker' },
  { kind: 'train', label: 'training worker' },
];

export function Header() {
  const backends = useApp((s) => s.backends);
  const quota = useApp((s) => s.quota);
  const storageError = useApp((s) => s.storageError);
  return (
    <header className="top">
      <h1>WWM distillation workbench</h1>
      <ul className="backends" aria-label="Compute backends">
        {WORKERS.map(({ kind, label }) => {
          const r = backends[kind];
          if (!r) {
            return (
              <li key={kind} data-testid={`backend-${kind}`} data-backend="">
                {label}: starting…
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
            <li key={kind} data-testid={`backend-${kind}`} data-backend={r.backend} title={why}>
              {label}: <strong>{r.backend}</strong>
              {r.adapter ? ` (${r.adapter})` : ''}
              <small> — {why}</small>
            </li>
          );
        })}
      </ul>
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
