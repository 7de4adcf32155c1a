/**
 * WebGPU's buffer limits and how the teacher pass splits its work to stay inside them.
 *
 * On webgpu every tfjs tensor is one GPUBuffer, and every kernel binds its inputs and output as
 * storage buffers, so no tensor may be larger than the device's maxStorageBufferBindingSize
 * (nor its maxBufferSize). tfjs-backend-webgpu asks the adapter for both limits, so they are
 * the adapter's own (the spec's defaults are 128 MiB and 256 MiB). A large teacher meets them in:
 *   - the word embeddings [vocab, hidden] (21128 × 1024 × 4 = 86.5 MB): kept as row blocks;
 *   - the masked-LM logits [rows, vocab] (rows = examples × prediction slots): computed in
 *     vocabulary chunks, the softmax and top-k merged across chunks;
 *   - the attention scores [examples, heads, seq, seq] and the feed-forward [examples·seq,
 *     intermediate]: the batch runs in sub-batches of fewer examples.
 * A weight of an encoder layer (at most [intermediate, hidden]) cannot be split: if one is over
 * the limit the pass cannot run, and says so.
 */
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from '../model/config.ts';

const F32 = 4;

export interface BufferLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** The most bytes one tensor may take: the smaller of the two limits. */
export function tensorByteLimit(limits: BufferLimits): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}

/** The current backend's buffer limits: webgpu's device limits; null on backends without such limits. */
export function backendBufferLimits(): BufferLimits | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const device = (tf.backend() as unknown as { device?: { limits?: BufferLimits } }).device;
  const l = device?.limits;
  if (!l) return null;
  return { maxStorageBufferBindingSize: Number(l.maxStorageBufferBindingSize), maxBufferSize: Number(l.maxBufferSize) };
}

/** How one teacher batch is split so that no tensor exceeds `limitBytes`. */
export interface TeacherSplit {
  /** examples per sub-batch (≤ the batch) */
  examplesPerChunk: number;
  /** rows of the word-embedding table per stored block */
  vocabBlockRows: number;
  /** vocabulary entries per logits chunk (≤ vocabBlockRows; a chunk never spans two blocks) */
  vocabChunk: number;
  /** sub-batches of one batch */
  subBatches: number;
  /** logits chunks of one sub-batch */
  vocabChunks: number;
}

export interface TeacherShape {
  /** examples in one batch */
  batch: number;
  /** sequence length */
  seq: number;
  /** prediction slots per example */
  slots: number;
}

/**
 * The split of a teacher batch for a tensor byte limit (Infinity: no limit, no split).
 * Throws, naming the tensor, when something cannot be split small enough.
 */
export function planTeacherSplit(cfg: BertConfig, shape: TeacherShape, limitBytes: number): TeacherSplit {
  const H = cfg.hidden_size;
  const I = cfg.intermediate_size;
  const V = cfg.vocab_size;
  const heads = cfg.num_attention_heads;
  const { batch, seq, slots } = shape;
  if (!(limitBytes > 0)) throw new Error(`teacher split: the buffer limit must be positive, got ${limitBytes}`);
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const limitText = `the device's buffer limit (${limitBytes} bytes, ${mb(limitBytes)})`;
  // weights of one layer, and the position embeddings, are used whole
  const unsplittable: [string, number][] = [
    [`an encoder layer's feed-forward weight [${I}, ${H}]`, I * H * F32],
    [`an attention weight [${H}, ${H}]`, H * H * F32],
    [`the position embeddings [${cfg.max_position_embeddings}, ${H}]`, cfg.max_position_embeddings * H * F32],
  ];
  for (const [what, bytes] of unsplittable) {
    if (bytes > limitBytes)
      throw new Error(
        `teacher split: ${what} takes ${bytes} bytes (${mb(bytes)}), over ${limitText}; it cannot be split`,
      );
  }
  // per example: attention scores [heads, seq, seq] and the feed-forward activation [seq, intermediate]
  const perExample = Math.max(heads * seq * seq, seq * I, seq * H) * F32;
  if (perExample > limitBytes) {
    throw new Error(
      `teacher split: one example's attention scores [${heads}, ${seq}, ${seq}] or feed-forward [${seq}, ${I}] take ${perExample} bytes (${mb(perExample)}), over ${limitText}; use shorter sequences`,
    );
  }
  const examplesPerChunk = Math.max(1, Math.min(batch, Math.floor(limitBytes / perExample)));
  const rows = examplesPerChunk * slots;
  const vocabBlockRows = Math.min(V, Math.floor(limitBytes / (H * F32)));
  const vocabChunk = Math.min(vocabBlockRows, Math.floor(limitBytes / (Math.max(rows, 1) * F32)));
  if (vocabChunk < 1) {
    throw new Error(
      `teacher split: one vocabulary entry's logits for ${rows} prediction rows take ${rows * F32} bytes, over ${limitText}`,
    );
  }
  // every chunk is a slice of one block: full blocks, then the last (shorter) block
  const fullBlocks = Math.floor(V / vocabBlockRows);
  const lastBlock = V - fullBlocks * vocabBlockRows;
  const vocabChunks = fullBlocks * Math.ceil(vocabBlockRows / vocabChunk) + Math.ceil(lastBlock / vocabChunk);
  return {
    examplesPerChunk,
    vocabBlockRows,
    vocabChunk,
    subBatches: Math.ceil(batch / examplesPerChunk),
    vocabChunks,
  };
}
