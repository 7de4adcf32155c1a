/**
 * What a worker tells the page about the tfjs backend it computes on (its
 * `ready` message): the backend chosen, why, every candidate's measured
 * figures (src/core/backend/probe.ts), the GPU adapter, and how wide wasm runs.
 * The choosing itself is workers/backend.ts.
 */
import type { ProbeMeasure } from '../core/backend/probe.ts';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendReport {
  /** 'none' for a worker that computes no tensors. */
  backend: BackendName | 'none';
  /** One sentence a researcher understands: why this backend. */
  reason: string;
  /** Backends that could not be used and why (did not start, failed, disagreed with cpu). */
  skipped: { backend: BackendName; why: string }[];
  /** The GPU adapter's name (vendor, architecture, description), when there is WebGPU. */
  adapter?: string;
  /** True when that adapter is a software one (SwiftShader, a fallback adapter): not a GPU. */
  softwareAdapter?: boolean;
  /** Each candidate's probe figures (measured now or cached for this browser and adapter). */
  measured?: ProbeMeasure[];
  /** How the choice was made: measured now, taken from the cache, or the user's override. */
  decidedBy?: 'probe' | 'cache' | 'override';
  /** When the figures were measured (ms since the epoch). */
  measuredAt?: number;
  /** The wasm backend's width: its threads, and why only one when so. */
  wasm?: { threads: number; isolated: boolean; note?: string };
}

/** Whether a string names a backend (for a stored or URL override). */
export function isBackendName(s: unknown): s is BackendName {
  return typeof s === 'string' && (BACKEND_NAMES as readonly string[]).includes(s);
}
