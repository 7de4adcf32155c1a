/**
 * KeyValueStore over a directory on disk, for the CLI (core cannot import
 * node:). Each key is one file: binary values as "<key>.bin", others as
 * "<key>.json"; "/" in a key makes sub-folders. Writes go to a temporary file
 * then are renamed, so a crash never leaves a half-written value, and a full
 * disk surfaces as StorageQuotaError with the old value intact.
 */
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  isQuotaError,
  StorageQuotaError,
  type KeyValueStore,
  type StoredValue,
} from '../core/storage/keyValueStore.ts';

export class FsStore implements KeyValueStore {
  constructor(readonly dir: string) {}

  private file(key: string, ext: '.bin' | '.json'): string {
    const parts = key.split('/');
    for (const p of parts) {
      if (p === '' || p === '.' || p === '..') throw new Error(`storage key "${key}" is not usable as a file path`);
    }
    return path.join(this.dir, ...parts) + ext;
  }

  async get(key: string): Promise<StoredValue | undefined> {
    try {
      const buf = await readFile(this.file(key, '.bin'));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
    }
    const jsonPath = this.file(key, '.json');
    let text: string;
    try {
      text = await readFile(jsonPath, 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new Error(`${jsonPath}: not valid JSON (${(err as Error).message})`);
    }
  }

  async set(key: string, value: StoredValue): Promise<void> {
    const binary = value instanceof Uint8Array;
    const target = this.file(key, binary ? '.bin' : '.json');
    const other = this.file(key, binary ? '.json' : '.bin');
    const tmp = `${target}.tmp-${process.pid}`;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(tmp, binary ? value : JSON.stringify(value));
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      if (isQuotaError(err)) throw new StorageQuotaError(`"${key}" to ${target}`, err);
      throw err;
    }
    await rm(other, { force: true });
  }

  async setMany(entries: [string, StoredValue][]): Promise<void> {
    for (const [k, v] of entries) await this.set(k, v);
  }

  async del(key: string): Promise<void> {
    await rm(this.file(key, '.bin'), { force: true });
    await rm(this.file(key, '.json'), { force: true });
  }

  async keys(prefix = ''): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const name = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(path.join(dir, e.name), name);
        else if (e.name.endsWith('.bin')) out.push(name.slice(0, -4));
        else if (e.name.endsWith('.json')) out.push(name.slice(0, -5));
      }
    };
    await walk(this.dir, '');
    return out.filter((k) => k.startsWith(prefix)).sort();
  }
}
