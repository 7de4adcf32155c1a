/**
 * A tiny asynchronous key-value store: the one storage interface the engine
 * writes through (teacher-output cache, training checkpoints). Values are
 * either binary (Uint8Array) or plain JSON-compatible data. Implementations:
 * MemoryStore (tests), IndexedDbStore (browser page and workers),
 * src/cli/fsStore.ts (a directory on disk, for the CLI).
 */

export type StoredValue = Uint8Array | unknown;

export interface KeyValueStore {
  /** The value stored under key, or undefined. */
  get(key: string): Promise<StoredValue | undefined>;
  /** Stores a value (a Uint8Array or JSON-compatible data), replacing any old one. */
  set(key: string, value: StoredValue): Promise<void>;
  /** Stores several values; where the backend allows it, all or none are written. */
  setMany(entries: [string, StoredValue][]): Promise<void>;
  /** Removes a key (no error when absent). */
  del(key: string): Promise<void>;
  /** Every key, or those starting with prefix, sorted. */
  keys(prefix?: string): Promise<string[]>;
}

/** Thrown when the backend runs out of space; nothing of the failed write was stored. */
export class StorageQuotaError extends Error {
  constructor(what: string, cause?: unknown) {
    super(`storage quota exceeded while writing ${what}; nothing stored was changed`);
    this.name = 'StorageQuotaError';
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/** True for a browser's QuotaExceededError (a DOMException) or Node's ENOSPC / EDQUOT. */
export function isQuotaError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: string; code?: unknown };
  return e.name === 'QuotaExceededError' || e.code === 22 || e.code === 'ENOSPC' || e.code === 'EDQUOT';
}

/** Reads a stored value that must be binary; a clear error otherwise. */
export function expectBytes(value: StoredValue | undefined, key: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value === undefined) throw new Error(`storage: "${key}" is missing`);
  throw new Error(`storage: "${key}" holds ${typeof value}, expected binary data`);
}

function sizeOf(value: StoredValue): number {
  if (value instanceof Uint8Array) return value.byteLength;
  return JSON.stringify(value ?? null).length;
}

/**
 * An in-memory store (tests, and a fallback). Binary values are copied in and
 * out so callers cannot alias stored bytes. An optional quotaBytes makes it
 * refuse writes like a full browser store would.
 */
export class MemoryStore implements KeyValueStore {
  private readonly map = new Map<string, StoredValue>();

  constructor(private readonly options: { quotaBytes?: number } = {}) {}

  async get(key: string): Promise<StoredValue | undefined> {
    const v = this.map.get(key);
    if (v instanceof Uint8Array) return v.slice();
    return v === undefined ? undefined : structuredClone(v);
  }

  async set(key: string, value: StoredValue): Promise<void> {
    await this.setMany([[key, value]]);
  }

  async setMany(entries: [string, StoredValue][]): Promise<void> {
    if (this.options.quotaBytes !== undefined) {
      let total = 0;
      const replaced = new Set(entries.map(([k]) => k));
      for (const [k, v] of this.map) if (!replaced.has(k)) total += sizeOf(v);
      for (const [, v] of entries) total += sizeOf(v);
      if (total > this.options.quotaBytes) {
        throw new StorageQuotaError(entries.map(([k]) => `"${k}"`).join(', '));
      }
    }
    for (const [k, v] of entries) {
      this.map.set(k, v instanceof Uint8Array ? v.slice() : structuredClone(v));
    }
  }

  async del(key: string): Promise<void> {
    this.map.delete(key);
  }

  async keys(prefix = ''): Promise<string[]> {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Bytes held (binary values by length, others by JSON length). */
  bytesUsed(): number {
    let n = 0;
    for (const v of this.map.values()) n += sizeOf(v);
    return n;
  }
}

/** A view of a store in which every key carries a fixed prefix. */
export class PrefixedStore implements KeyValueStore {
  constructor(
    private readonly inner: KeyValueStore,
    private readonly prefix: string,
  ) {}

  get(key: string) {
    return this.inner.get(this.prefix + key);
  }
  set(key: string, value: StoredValue) {
    return this.inner.set(this.prefix + key, value);
  }
  setMany(entries: [string, StoredValue][]) {
    return this.inner.setMany(entries.map(([k, v]) => [this.prefix + k, v] as [string, StoredValue]));
  }
  del(key: string) {
    return this.inner.del(this.prefix + key);
  }
  async keys(prefix = '') {
    return (await this.inner.keys(this.prefix + prefix)).map((k) => k.slice(this.prefix.length));
  }
}
