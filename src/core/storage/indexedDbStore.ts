/**
 * KeyValueStore over IndexedDB (idb-keyval), one object store per kind of data
 * (e.g. "teacher-outputs", "checkpoints"). Works in the page and in Web
 * Workers (IndexedDB exists in both; no DOM is used). Uint8Arrays are stored
 * as structured-clone binary, not as JSON. A full disk surfaces as
 * StorageQuotaError; a failed write is one aborted transaction, so nothing of
 * it is stored.
 *
 * idb-keyval opens each database with exactly one object store, so each kind
 * gets its own database: use storeForKind(kind) rather than sharing a dbName.
 */
import { createStore, del, get, keys, setMany, type UseStore } from 'idb-keyval';
import { isQuotaError, StorageQuotaError, type KeyValueStore, type StoredValue } from './keyValueStore.ts';

export class IndexedDbStore implements KeyValueStore {
  private readonly store: UseStore;

  constructor(
    readonly dbName: string,
    readonly storeName: string,
  ) {
    if (typeof indexedDB === 'undefined') {
      throw new Error(`IndexedDB is not available here (database "${dbName}", store "${storeName}")`);
    }
    this.store = createStore(dbName, storeName);
  }

  get(key: string): Promise<StoredValue | undefined> {
    return get(key, this.store);
  }

  set(key: string, value: StoredValue): Promise<void> {
    return this.setMany([[key, value]]);
  }

  async setMany(entries: [string, StoredValue][]): Promise<void> {
    try {
      await setMany(entries, this.store);
    } catch (err) {
      if (isQuotaError(err)) {
        throw new StorageQuotaError(
          `${entries.map(([k]) => `"${k}"`).join(', ')} to IndexedDB "${this.dbName}/${this.storeName}"`,
          err,
        );
      }
      throw err;
    }
  }

  del(key: string): Promise<void> {
    return del(key, this.store);
  }

  async keys(prefix = ''): Promise<string[]> {
    const all = await keys<IDBValidKey>(this.store);
    return all.filter((k): k is string => typeof k === 'string' && k.startsWith(prefix)).sort();
  }
}

/** The project's store for one kind of data, in its own database "wwm-distill-<kind>". */
export function storeForKind(kind: string): IndexedDbStore {
  return new IndexedDbStore(`wwm-distill-${kind}`, kind);
}
