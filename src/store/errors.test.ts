import { describe, expect, it } from 'vitest';
import { CorpusError } from '../core/corpus/corpusError.ts';
import { StorageQuotaError } from '../core/storage/keyValueStore.ts';
import { describeError } from './errors.ts';

describe('describeError', () => {
  it('keeps the file name and byte offset the engine reported, without repeating them', () => {
    const msg = describeError(new CorpusError('a.txt', 12, 'not valid UTF-8'));
    expect(msg).toBe('a.txt: not valid UTF-8 at byte 12');
  });

  it('names the file when the error does not', () => {
    expect(describeError(new Error('truncated'), 'model.safetensors')).toBe('model.safetensors: truncated');
  });

  it('says what to do when storage is full', () => {
    const msg = describeError(new StorageQuotaError('"x"'));
    expect(msg).toMatch(/storage quota exceeded/);
    expect(msg).toMatch(/storage is full/);
    expect(msg).toMatch(/nothing stored was lost/);
  });

  it('copes with non-Error values', () => {
    expect(describeError('boom')).toBe('boom');
  });
});
