/**
 * What a worker tells the page about the tfjs backend it computes on (its
 * `ready` message): the backend chosen, why, and why the better ones were not.
 * The choosing itself is workers/backend.ts.
 */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export interface BackendReport {
  /** 'none' for a worker that computes no tensors. */
  backend: BackendName | 'none';
  /** One sentence a researcher understands: why this backend. */
  reason: string;
  /** The better backends that were tried and why each was not used. */
  skipped: { backend: BackendName; why: string }[];
  /** GPU adapter description when webgpu was chosen. */
  adapter?: string;
}
