import { describe, expect, it } from 'vitest';
import { MemoryStore, PrefixedStore, StorageQuotaError, expectBytes, isQuotaError } from './keyValueStore.ts';

describe('MemoryStore', () => {
  it('stores binary and JSON values, copies bytes, lists keys by prefix', async () => {
    const s = new MemoryStore();
    const bytes = new Uint8Array([1, 2, 3]);
    await s.set('a/1', bytes);
    bytes[0] = 9; // the store kept its own copy
    await s.setMany([
      ['a/2', { x: 1 }],
      ['b/1', 'text'],
    ]);
    expect(expectBytes(await s.get('a/1'), 'a/1')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await s.get('a/2')).toEqual({ x: 1 });
    expect(await s.keys('a/')).toEqual(['a/1', 'a/2']);
    expect(await s.keys()).toEqual(['a/1', 'a/2', 'b/1']);
    await s.del('a/1');
    expect(await s.get('a/1')).toBeUndefined();
    const p = new PrefixedStore(s, 'b/');
    expect(await p.keys()).toEqual(['1']);
    expect(await p.get('1')).toBe('text');
  });

  it('refuses a write past its quota with a clear error, keeping the old values', async () => {
    const s = new MemoryStore({ quotaBytes: 10 });
    await s.set('k', new Uint8Array(8));
    const err = await s.setMany([['k2', new Uint8Array(8)]]).catch((e) => e);
    expect(err).toBeInstanceOf(StorageQuotaError);
    expect(err.message).toMatch(/storage quota exceeded while writing "k2"; nothing stored was changed/);
    expect(await s.keys()).toEqual(['k']);
    // replacing a value counts only the new size
    await s.set('k', new Uint8Array(10));
    expect(s.bytesUsed()).toBe(10);
  });

  it('recognises browser and node quota errors', () => {
    expect(isQuotaError({ name: 'QuotaExceededError' })).toBe(true);
    expect(isQuotaError({ code: 'ENOSPC' })).toBe(true);
    expect(isQuotaError(new Error('x'))).toBe(false);
    expect(() => expectBytes({ a: 1 }, 'key1')).toThrow(/"key1" holds object/);
  });
});

describe('IndexedDbStore outside a browser', () => {
  it('says clearly that IndexedDB is missing', async () => {
    const { IndexedDbStore, storeForKind } = await import('./indexedDbStore.ts');
    expect(() => new IndexedDbStore('db', 'teacher-outputs')).toThrow(
      /IndexedDB is not available here \(database "db", store "teacher-outputs"\)/,
    );
    expect(() => storeForKind('checkpoints')).toThrow(/wwm-distill-checkpoints/);
  });
});
