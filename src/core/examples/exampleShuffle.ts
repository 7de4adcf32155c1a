/**
 * Storage for masked examples while they are built and shuffled.
 *
 * - newExample: a zeroed example whose six arrays are views of one buffer (one allocation
 *   instead of six; millions of examples are made).
 * - ExampleShuffleBuffer: tf.data-style bounded shuffle. Until full it only collects; then
 *   each new example takes the place of a uniformly chosen one, which goes out; drain()
 *   shuffles and hands out the rest. Held examples are copied into one preallocated block
 *   (not kept as thousands of live objects, which would slow allocation and garbage
 *   collection); an example that leaves is a fresh object owned by the caller.
 */
import type { Rng } from '../random/rng.ts';
import type { ExampleShape, MaskedExample } from './maskedExample.ts';

/** int32 words of one example laid out as newExample lays it out (without next_sentence_label). */
function exampleWords(s: ExampleShape): number {
  return 3 * s.maxSeqLength + 3 * s.maxPredictionsPerSeq;
}

/** A zeroed example: input_ids, input_mask, segment_ids, positions, ids, weights, in one buffer in that order. */
export function newExample(shape: ExampleShape): MaskedExample {
  const S = shape.maxSeqLength;
  const P = shape.maxPredictionsPerSeq;
  const buf = new ArrayBuffer(4 * exampleWords(shape));
  return {
    inputIds: new Int32Array(buf, 0, S),
    inputMask: new Int32Array(buf, 4 * S, S),
    segmentIds: new Int32Array(buf, 8 * S, S),
    maskedLmPositions: new Int32Array(buf, 12 * S, P),
    maskedLmIds: new Int32Array(buf, 12 * S + 4 * P, P),
    maskedLmWeights: new Float32Array(buf, 12 * S + 8 * P, P),
    nextSentenceLabel: 0,
  };
}

/** Zeroes an example made by newExample (all six arrays). */
export function clearExample(ex: MaskedExample): void {
  new Int32Array(ex.inputIds.buffer, ex.inputIds.byteOffset).fill(0);
  ex.nextSentenceLabel = 0;
}

export class ExampleShuffleBuffer {
  private readonly words: number;
  private readonly slotWords: number;
  private readonly ints: Int32Array;
  private readonly floats: Float32Array;
  private count = 0;

  /** `capacity` examples of `shape`; 0 shuffles nothing (push hands back a copy at once). */
  constructor(
    readonly capacity: number,
    private readonly shape: ExampleShape,
    private readonly rng: Rng,
  ) {
    this.words = exampleWords(shape);
    this.slotWords = this.words + 1; // + next_sentence_label
    const buf = new ArrayBuffer(4 * this.slotWords * Math.max(0, capacity));
    this.ints = new Int32Array(buf);
    this.floats = new Float32Array(buf);
  }

  /** Examples held now. */
  get size(): number {
    return this.count;
  }

  /** Copies `ex` in (the caller may reuse it); returns the example that leaves, if one does. */
  push(ex: MaskedExample): MaskedExample | undefined {
    if (this.capacity <= 0) return copyExample(ex, this.shape);
    if (this.count < this.capacity) {
      this.store(this.count++, ex);
      return undefined;
    }
    const j = Math.floor(this.rng.random() * this.capacity);
    const out = this.load(j);
    this.store(j, ex);
    return out;
  }

  /** Hands out every held example in random order and empties the buffer. */
  *drain(): Generator<MaskedExample> {
    const order = Array.from({ length: this.count }, (_, i) => i);
    this.rng.shuffle(order);
    this.count = 0;
    for (const slot of order) yield this.load(slot);
  }

  private store(slot: number, ex: MaskedExample): void {
    const S = this.shape.maxSeqLength;
    const P = this.shape.maxPredictionsPerSeq;
    const at = slot * this.slotWords;
    const ints = this.ints;
    ints.set(ex.inputIds, at);
    ints.set(ex.inputMask, at + S);
    ints.set(ex.segmentIds, at + 2 * S);
    ints.set(ex.maskedLmPositions, at + 3 * S);
    ints.set(ex.maskedLmIds, at + 3 * S + P);
    this.floats.set(ex.maskedLmWeights, at + 3 * S + 2 * P);
    ints[at + this.words] = ex.nextSentenceLabel;
  }

  private load(slot: number): MaskedExample {
    const at = slot * this.slotWords;
    const ex = newExample(this.shape);
    // newExample's layout is the slot's layout: one copy moves all six arrays.
    new Int32Array(ex.inputIds.buffer).set(this.ints.subarray(at, at + this.words));
    ex.nextSentenceLabel = this.ints[at + this.words];
    return ex;
  }
}

/** A fresh copy of an example (in newExample's layout). */
export function copyExample(ex: MaskedExample, shape: ExampleShape): MaskedExample {
  const out = newExample(shape);
  out.inputIds.set(ex.inputIds);
  out.inputMask.set(ex.inputMask);
  out.segmentIds.set(ex.segmentIds);
  out.maskedLmPositions.set(ex.maskedLmPositions);
  out.maskedLmIds.set(ex.maskedLmIds);
  out.maskedLmWeights.set(ex.maskedLmWeights);
  out.nextSentenceLabel = ex.nextSentenceLabel;
  return out;
}
