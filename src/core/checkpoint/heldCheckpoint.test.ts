import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { arraysToWeights, randomArrays, tinyConfig, tinyVocab } from '../../testing/checkpointFixtures.ts';
import { useBackend } from '../backend/useBackend.ts';
import { safetensorsBytes } from './exportSafetensors.ts';
import { disposeHeld, heldFloat32, holdCheckpoint, isFloat16 } from './heldCheckpoint.ts';
import { disposeCheckpoint, loadCheckpoint } from './loadCheckpoint.ts';

beforeAll(async () => {
  await useBackend('cpu');
});
let before = 0;
afterEach(() => expect(tf.memory().numTensors).toBe(before));

/** A Blob that records every ranged read and refuses to be read whole. */
class CountingBlob extends Blob {
  reads: number[] = [];
  constructor(private readonly data: Uint8Array<ArrayBuffer>) {
    super([data]);
  }
  override slice(start?: number, end?: number): Blob {
    const s = start ?? 0;
    const e = Math.min(end ?? this.data.length, this.data.length);
    this.reads.push(e - s);
    return new Blob([this.data.subarray(s, e)]);
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    throw new Error('the whole file was read');
  }
}

const cfg = tinyConfig({ vocab_size: 40, hidden_size: 16, intermediate_size: 24 });
const parts = { pooler: true, mlmHead: true };

async function folder(dtype: 'F16' | 'F32') {
  const weights = arraysToWeights(randomArrays(cfg, parts, 3));
  const bytes = (await safetensorsBytes(weights, cfg, dtype)) as Uint8Array<ArrayBuffer>;
  tf.dispose(Object.values(weights));
  const blob = new CountingBlob(bytes);
  const files = new Map<string, Blob>([
    ['m/model.safetensors', blob],
    ['m/config.json', new Blob([JSON.stringify(cfg)])],
    ['m/vocab.txt', new Blob([`${tinyVocab(40).join('\n')}\n`])],
  ]);
  return { files, blob, bytes };
}

describe('holdCheckpoint', () => {
  it('holds a float16 file as its float16 bits, tensor by tensor, the same weights and fingerprint as loadCheckpoint', async () => {
    const { files, blob, bytes } = await folder('F16');
    before = tf.memory().numTensors;
    const held = await holdCheckpoint(files);
    const largest = Math.max(...[...held.held.values()].map((t) => t.values.byteLength));
    // every read is a header read or one tensor: never the whole file, never more than one tensor
    expect(Math.max(...blob.reads.slice(2))).toBe(largest);
    expect(blob.reads.reduce((a, b) => a + b, 0)).toBe(bytes.length);
    // kept: the float16 bits only (each a view of its own read, no float32 copy), nothing on the backend
    expect(held.float16Tensors).toBe(held.held.size);
    expect(held.uploaded).toEqual({});
    for (const t of held.held.values()) {
      expect(isFloat16(t)).toBe(true);
      expect(t.values.buffer.byteLength).toBe(t.values.byteLength);
    }
    expect(held.heldBytes).toBe([...held.held.values()].reduce((s, t) => s + t.values.byteLength, 0));
    expect(held.heldBytes).toBeLessThan(bytes.length);
    expect(tf.memory().numTensors).toBe(before);

    const loaded = await loadCheckpoint(files);
    expect(held.fingerprint).toBe(loaded.fingerprint);
    expect(new Set(held.held.keys())).toEqual(new Set(Object.keys(loaded.weights)));
    for (const [name, t] of held.held) {
      expect(t.shape).toEqual(loaded.weights[name].shape);
      expect(heldFloat32(t)).toEqual(loaded.weights[name].dataSync());
    }
    expect(held.skipped).toEqual(loaded.skipped);
    disposeCheckpoint(loaded);
  });

  it('a float32 file: tensors uploaded as read, the word embeddings held as float32 (for blocks)', async () => {
    const { files } = await folder('F32');
    before = tf.memory().numTensors;
    const held = await holdCheckpoint(files);
    expect(held.float16Tensors).toBe(0);
    expect([...held.held.keys()]).toEqual(['bert.embeddings.word_embeddings.weight']);
    const loaded = await loadCheckpoint(files);
    const word = held.held.get('bert.embeddings.word_embeddings.weight')!;
    expect(isFloat16(word)).toBe(false);
    expect(word.values).toEqual(loaded.weights['bert.embeddings.word_embeddings.weight'].dataSync());
    expect(Object.keys(held.uploaded).length).toBe(Object.keys(loaded.weights).length - 1);
    for (const [name, t] of Object.entries(held.uploaded))
      expect(t.dataSync()).toEqual(loaded.weights[name].dataSync());
    expect(held.fingerprint).toBe(loaded.fingerprint);
    disposeCheckpoint(loaded);
    disposeHeld(held);
  });

  it('a truncated file fails naming the file and the tensor', async () => {
    const { bytes } = await folder('F16');
    before = tf.memory().numTensors;
    const cut = new Map<string, Blob>([
      ['m/model.safetensors', new Blob([bytes.subarray(0, bytes.length - 10)])],
      ['m/config.json', new Blob([JSON.stringify(cfg)])],
    ]);
    await expect(holdCheckpoint(cut)).rejects.toThrow(
      /m\/model\.safetensors: tensor ".*": data_offsets .* run past the end/,
    );
  });
});
