/**
 * The teacher pass for a teacher of any size: the model of src/core/model/bert.ts run from a
 * held checkpoint (checkpoint/heldCheckpoint.ts), with the same outputs as computeTeacherOutputs
 * (the softmax over the full vocabulary at T = 1, truncated to its top k).
 *
 * Memory: a float16 teacher keeps its encoder layers as float16 and, for each batch, widens them
 * to float32 tensors half a layer at a time (the attention weights, then the feed-forward ones),
 * straight into the backend's memory where it allows (tfjs-wasm), each half run over the whole
 * batch and disposed before the next ("float16 kept, widened per layer"). So at the batch's peak
 * the backend holds one half-layer's weights (and any packed copy of them the matmul kernel keeps), and one
 * half-layer's activations for one sub-batch of at most SUB_BATCH_TOKENS tokens, beside the
 * resident tensors. A float32 teacher's tensors were uploaded
 * as they were read. The embeddings and the masked-LM head stay resident as float32 in both cases.
 *
 * Buffer limits (webgpu, see backend/bufferLimits.ts): the word embeddings are stored as row
 * blocks, the batch runs in sub-batches, and the logits are made one vocabulary chunk at a time:
 * each chunk gives its rows' maximum, Σ exp(logit − maximum) and top k; the chunks' sums give
 * the log-normaliser, and the top k of all chunks' candidates, exp(logit − log-normaliser), are
 * the top k probabilities of the full softmax.
 */
import * as tf from '@tensorflow/tfjs';
import { backendBufferLimits, planTeacherSplit, type TeacherSplit, tensorByteLimit } from '../backend/bufferLimits.ts';
import { tensorFilledInPlace } from '../backend/tensorFilledInPlace.ts';
import { type HeldCheckpoint, isFloat16, widenToTensors } from '../checkpoint/heldCheckpoint.ts';
import type { CheckpointPlan } from '../checkpoint/loadCheckpoint.ts';
import { widenFloat16Into } from '../checkpoint/tensorRecord.ts';
import type { MaskedExample } from '../examples/maskedExample.ts';
import {
  attentionBlock,
  attentionMaskAdd,
  checkInputs,
  Dropout,
  dense,
  embeddings,
  feedForwardBlock,
  gatherPositions,
  layerHalves,
  mlmTransform,
} from '../model/bert.ts';
import { EMBEDDING_NAMES, MLM_HEAD_NAMES, type Weights } from '../model/weights.ts';
import { type BatchTensors, disposeBatch, toBatchTensors } from './batch.ts';
import { DEFAULT_TRUNCATION_FACTOR, type TeacherOutputBatch, readTopK } from './teacherOutputs.ts';

const MB = 2 ** 20;

/**
 * Tokens per sub-batch by default: the activations a half-layer keeps until it returns grow with
 * them (hidden 1024, intermediate 4096: about 180 KB a token in the feed-forward half), while the
 * layer's weights are widened once per batch whatever the sub-batches. 128 tokens keep them near
 * a quarter of a float16 large teacher's half-layer weights; an example longer than this is one
 * sub-batch on its own.
 */
export const SUB_BATCH_TOKENS = 128;

export interface HeldTeacherOptions {
  /** Largest tensor in bytes; default: the backend's buffer limits (webgpu), else none. */
  limitBytes?: number;
  /** Tokens per sub-batch at most (whole examples, at least one); default SUB_BATCH_TOKENS. */
  subBatchTokens?: number;
}

interface WordBlock {
  start: number;
  rows: number;
  table: tf.Tensor2D;
}

export class HeldTeacher {
  /** 'float16': layers kept as float16 and widened per layer; 'float32': uploaded whole. */
  readonly weightsKept: 'float16' | 'float32';
  readonly limitBytes: number;
  readonly subBatchTokens: number;
  private readonly resident: Weights = {};
  private readonly blocks: WordBlock[] = [];
  private residentBytes = 0;
  /** The split of the last batch run. */
  lastSplit: TeacherSplit | null = null;

  /** Takes over the held checkpoint: what it uploads is dropped from `ckpt.held`. */
  constructor(
    readonly ckpt: HeldCheckpoint,
    opts: HeldTeacherOptions = {},
  ) {
    if (!ckpt.parts.mlmHead)
      throw new Error(
        `${ckpt.weightFiles[0] ?? 'the checkpoint'}: no masked-LM head (cls.predictions.*): it cannot be a teacher`,
      );
    const limits = backendBufferLimits();
    this.limitBytes = opts.limitBytes ?? (limits ? tensorByteLimit(limits) : Number.POSITIVE_INFINITY);
    this.subBatchTokens = opts.subBatchTokens ?? SUB_BATCH_TOKENS;
    if (!(this.subBatchTokens >= 1))
      throw new Error(`held teacher: subBatchTokens must be at least 1, got ${opts.subBatchTokens}`);
    const cfg = ckpt.config;
    // checks that the layers fit the limit before anything is uploaded
    const split = planTeacherSplit(cfg, { batch: 1, seq: 1, slots: 1 }, this.limitBytes);
    this.weightsKept = ckpt.float16Tensors > 0 ? 'float16' : 'float32';
    try {
      const { word, ...otherEmbeddings } = EMBEDDING_NAMES;
      const layerOf = (name: string) => /^bert\.encoder\.layer\.\d+\./.test(name);
      const needed = new Set<string>([word, ...Object.values(otherEmbeddings), ...Object.values(MLM_HEAD_NAMES)]);
      for (const [name, t] of Object.entries(ckpt.uploaded)) {
        if (!needed.has(name) && !layerOf(name)) {
          t.dispose(); // the pooler, a task head: not the teacher's
          continue;
        }
        this.resident[name] = t;
        this.residentBytes += t.size * 4;
      }
      ckpt.uploaded = {};
      for (const name of [...ckpt.held.keys()]) if (!needed.has(name) && !layerOf(name)) ckpt.held.delete(name);
      // always needed: widened once (a float16 teacher's embeddings and head)
      const always = [...Object.values(otherEmbeddings), ...Object.values(MLM_HEAD_NAMES)].filter((n) =>
        ckpt.held.has(n),
      );
      for (const [name, t] of Object.entries(widenToTensors(ckpt.held, always))) {
        this.resident[name] = t;
        this.residentBytes += t.size * 4;
        ckpt.held.delete(name);
      }
      const table = ckpt.held.get(word);
      if (!table) throw new Error(`held checkpoint: tensor "${word}" is not held`);
      const H = cfg.hidden_size;
      for (let start = 0; start < cfg.vocab_size; start += split.vocabBlockRows) {
        const rows = Math.min(split.vocabBlockRows, cfg.vocab_size - start);
        // widened a block at a time, straight into the backend's memory where it allows
        const block = isFloat16(table)
          ? (tensorFilledInPlace([rows, H], (out) =>
              widenFloat16Into((table.values as Uint16Array).subarray(start * H, (start + rows) * H), out),
            ) as tf.Tensor2D)
          : tf.tensor2d((table.values as Float32Array).subarray(start * H, (start + rows) * H), [rows, H], 'float32');
        this.blocks.push({ start, rows, table: block });
        this.residentBytes += rows * H * 4;
      }
      ckpt.held.delete(word);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Bytes still held outside the backend (float16 layers), and float32 bytes on the backend. */
  memory(): { heldBytes: number; residentBytes: number } {
    let heldBytes = 0;
    for (const t of this.ckpt.held.values()) heldBytes += t.values.byteLength;
    return { heldBytes, residentBytes: this.residentBytes };
  }

  /** What happened to the weights, in words for the page and the CLI. */
  describe(): string {
    const { heldBytes, residentBytes } = this.memory();
    return teacherWeightsText(this.weightsKept, heldBytes, residentBytes);
  }

  /**
   * Runs `step` with the named weights: resident ones (uploaded when read) as they are, float16
   * ones widened now and disposed as soon as `step` returns, so only one half-layer's float32
   * copy exists at a time.
   */
  private withWeights(names: string[], step: (weights: Weights) => void): void {
    const widened = widenToTensors(
      this.ckpt.held,
      names.filter((n) => !this.resident[n]),
    );
    try {
      const weights: Weights = { ...widened };
      for (const n of names) weights[n] ??= this.resident[n];
      step(weights);
    } finally {
      tf.dispose(Object.values(widened));
    }
  }

  /** Word embeddings of ids [n] from the row blocks: each id's row from the block holding it. */
  private wordRows(ids: tf.Tensor1D): tf.Tensor2D {
    if (this.blocks.length === 1) return tf.gather(this.blocks[0].table, ids);
    return tf.tidy(() => {
      let sum: tf.Tensor | null = null;
      for (const b of this.blocks) {
        const local = tf.sub(ids, tf.scalar(b.start, 'int32'));
        const inside = tf.cast(tf.logicalAnd(tf.greaterEqual(local, 0), tf.less(local, b.rows)), 'float32');
        // clamped with int32 minimum/maximum: tfjs-wasm's ClipByValue does not clamp int32 ids
        const clamped = tf.maximum(tf.minimum(local, tf.scalar(b.rows - 1, 'int32')), tf.scalar(0, 'int32'));
        const rows = tf.mul(tf.gather(b.table, clamped), tf.expandDims(inside, 1));
        sum = sum ? tf.add(sum, rows) : rows;
      }
      return sum as tf.Tensor2D;
    });
  }

  /** [rows, 2k]: the top k probabilities of the full-vocabulary softmax and their ids (as float32). */
  private topK(transformed: tf.Tensor2D, k: number, vocabChunk: number): tf.Tensor2D {
    return tf.tidy(() => {
      const bias = this.resident[MLM_HEAD_NAMES.bias];
      const maxes: tf.Tensor[] = [];
      const sums: tf.Tensor[] = [];
      const values: tf.Tensor[] = [];
      const ids: tf.Tensor[] = [];
      for (const b of this.blocks) {
        for (let off = 0; off < b.rows; off += vocabChunk) {
          const n = Math.min(vocabChunk, b.rows - off);
          const start = b.start + off;
          const table = n === b.rows ? b.table : tf.slice(b.table, [off, 0], [n, -1]);
          const logits = dense(transformed, table, tf.slice(bias, [start], [n])); // [rows, n]
          const max = tf.max(logits, 1, true);
          maxes.push(max);
          sums.push(tf.sum(tf.exp(tf.sub(logits, max)), 1, true));
          const top = tf.topk(logits, Math.min(k, n), true);
          values.push(top.values);
          ids.push(tf.add(top.indices, tf.scalar(start, 'int32')));
        }
      }
      const chunkMax = tf.concat(maxes, 1);
      const max = tf.max(chunkMax, 1, true);
      const logNorm = tf.add(max, tf.log(tf.sum(tf.mul(tf.concat(sums, 1), tf.exp(tf.sub(chunkMax, max))), 1, true)));
      const best = tf.topk(tf.concat(values, 1), k, true);
      const probs = tf.exp(tf.sub(best.values, logNorm));
      // each row's ids at its best positions, as one flat gather (tfjs-wasm's batched gather, batchDims 1,
      // reads out of bounds): row r's position j is element r·C + j of the flattened [rows, C] ids
      const allIds = tf.concat(ids, 1) as tf.Tensor2D;
      const [rows, C] = allIds.shape;
      const rowStart = tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(C, 'int32')).reshape([rows, 1]);
      const flatIds: tf.Tensor = tf.reshape(allIds, [rows * C]);
      const bestIds: tf.Tensor = tf.gather(flatIds, tf.add(best.indices, rowStart));
      return tf.concat([probs, tf.cast(bestIds, 'float32')], 1) as tf.Tensor2D;
    });
  }

  /** The teacher's top k at every prediction slot of the examples. */
  async computeOutputs(examples: MaskedExample[], k = DEFAULT_TRUNCATION_FACTOR): Promise<TeacherOutputBatch> {
    if (examples.length === 0) throw new Error('teacher outputs: no examples');
    const cfg = this.ckpt.config;
    const V = cfg.vocab_size;
    if (k > V) throw new Error(`teacher outputs: truncation_factor ${k} is larger than the vocabulary (${V})`);
    if (V > 2 ** 24) throw new Error(`teacher outputs: a vocabulary of ${V} ids does not fit float32 exactly`);
    const seq = examples[0].inputIds.length;
    const slots = examples[0].maskedLmPositions.length;
    const limited = planTeacherSplit(cfg, { batch: examples.length, seq, slots }, this.limitBytes);
    // the buffer limit's sub-batches, smaller still when they would pass subBatchTokens
    const perChunk = Math.min(limited.examplesPerChunk, Math.max(1, Math.floor(this.subBatchTokens / seq)));
    const split = { ...limited, examplesPerChunk: perChunk, subBatches: Math.ceil(examples.length / perChunk) };
    this.lastSplit = split;
    const subs: { batch: BatchTensors; n: number; x: tf.Tensor2D; maskAdd: tf.Tensor4D | null }[] = [];
    const drop = new Dropout(false, undefined);
    let packed: tf.Tensor2D | null = null;
    try {
      for (let s = 0; s < examples.length; s += split.examplesPerChunk) {
        const part = examples.slice(s, s + split.examplesPerChunk);
        const batch = toBatchTensors(
          part.map((example) => ({ example })),
          false,
        );
        const inputs = { inputIds: batch.inputIds, tokenTypeIds: batch.segmentIds, attentionMask: batch.inputMask };
        const [n] = checkInputs(cfg, inputs);
        const x = tf.tidy(() =>
          embeddings(
            this.resident,
            cfg,
            inputs,
            n,
            seq,
            drop,
            this.wordRows(tf.reshape(batch.inputIds, [-1]) as tf.Tensor1D),
          ),
        );
        subs.push({ batch, n, x, maskAdd: tf.tidy(() => attentionMaskAdd(inputs, n, seq) as tf.Tensor4D) }); // the batch always has a mask
      }
      // each layer in its two halves (encoderLayer = feedForwardBlock ∘ attentionBlock), each half's
      // weights widened, run over every sub-batch, and freed: the activations of one half at a time
      for (let i = 0; i < cfg.num_hidden_layers; i++) {
        const halves = layerHalves(i);
        this.withWeights(halves.attention, (w) => {
          for (const sub of subs) {
            const y = tf.tidy(() => attentionBlock(w, cfg, i, sub.x, sub.maskAdd, sub.n, seq, drop));
            sub.x.dispose();
            sub.x = y;
          }
        });
        this.withWeights(halves.feedForward, (w) => {
          for (const sub of subs) {
            const y = tf.tidy(() => feedForwardBlock(w, cfg, i, sub.x, drop));
            sub.x.dispose();
            sub.x = y;
          }
        });
      }
      const parts = subs.map((sub) =>
        tf.tidy(() => {
          const hidden = gatherPositions(
            tf.reshape(sub.x, [sub.n, seq, cfg.hidden_size]) as tf.Tensor3D,
            sub.batch.positions,
          );
          const transformed = mlmTransform(
            this.resident,
            cfg,
            tf.reshape(hidden, [-1, cfg.hidden_size]) as tf.Tensor2D,
          );
          return this.topK(transformed, k, split.vocabChunk);
        }),
      );
      packed = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
      if (parts.length > 1) tf.dispose(parts);
    } finally {
      for (const sub of subs) {
        disposeBatch(sub.batch);
        sub.x.dispose();
        sub.maskAdd?.dispose();
      }
    }
    return readTopK(packed, k, examples);
  }

  /** Frees the resident tensors, the uploaded ones of the checkpoint included (the held float16 values go with it). */
  dispose(): void {
    tf.dispose(Object.values(this.resident));
    for (const b of this.blocks) b.table.dispose();
    this.blocks.length = 0;
  }
}

/** How a teacher's weights are kept, in words (the page's model summary, the CLI, the bench). */
export function teacherWeightsText(kept: 'float16' | 'float32', heldBytes: number, residentBytes: number): string {
  return kept === 'float16'
    ? `float16 kept, widened per layer: ${(heldBytes / MB).toFixed(0)} MB held as float16, ${(residentBytes / MB).toFixed(0)} MB float32 (embeddings, head)`
    : `float32 as in the file: ${(residentBytes / MB).toFixed(0)} MB on the backend`;
}

/** The same, foreseen from a checkpoint's plan before anything is read: float16 layer tensors stay float16. */
export function plannedTeacherWeightsText(plan: CheckpointPlan): string {
  let heldBytes = 0;
  let residentBytes = 0;
  let float16 = false;
  for (const [name, { info }] of plan.sources) {
    const half = /^(F16|DT_HALF|float16)$/.test(info.dtype);
    float16 ||= half;
    const values = info.shape.reduce((a, b) => a * b, 1);
    if (
      !name.startsWith('bert.embeddings.') &&
      !name.startsWith('bert.encoder.') &&
      !name.startsWith('cls.predictions.')
    )
      continue; // the pooler, a task head: not the teacher's
    if (half && name.startsWith('bert.encoder.layer.')) heldBytes += values * 2;
    else residentBytes += values * 4;
  }
  return teacherWeightsText(float16 ? 'float16' : 'float32', heldBytes, residentBytes);
}
