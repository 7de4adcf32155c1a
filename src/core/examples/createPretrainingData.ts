/**
 * create_pretraining_data: documents (each a list of lines) → masked-LM examples.
 *
 * The pipeline: the document stream → unmasked [CLS] A [SEP] B [SEP] instances (one of two
 * algorithms) → masking (./masking.ts, the same in both modes) → shuffle. It is deterministic
 * for a given randomSeed: every draw of the instances and of the masking goes through one Rng,
 * in the order the instances are made.
 *
 * `seed` (default): the 2020 distillation project's own algorithm, overlapping spans of each
 *   document with doc_stride (./spanInstances.ts). Documents stream through one at a time:
 *   memory stays flat in the corpus size. The seed shuffled each input file's examples in
 *   memory; here they pass through a shuffle buffer of shuffleBufferSize examples (as
 *   tf.data's shuffle: each new example takes the place of a random one, which goes out), so
 *   memory stays bounded; 0 keeps document order.
 *
 * `bert`: Google BERT's create_pretraining_data algorithm, sentence pairs with a random next
 *   sentence (./sentencePairInstances.ts). It needs every document in memory; each dupe pass's
 *   examples are shuffled within the pass.
 */
import type { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { Rng } from '../random/rng.ts';
import type { MaskedExample } from './maskedExample.ts';
import { clearExample, ExampleShuffleBuffer, newExample } from './exampleShuffle.ts';
import { maskSequenceInto, MaskingScratch, type MaskingConfig } from './masking.ts';
import type { PairInstance } from './pairInstance.ts';
import { SentencePairInstanceBuilder } from './sentencePairInstances.ts';
import { SpanInstanceBuilder } from './spanInstances.ts';
import { loadSegmenter } from './wordSegmenter.ts';

export type PretrainingMode = 'seed' | 'bert';

/** The options, named as the CLI flags are (camelCase). */
export interface PretrainingOptions {
  mode: PretrainingMode;
  /** Informational here: the tokenizer passed in must have been built with it. */
  doLowerCase: boolean;
  doWholeWordMask: boolean;
  maxSeqLength: number;
  maxPredictionsPerSeq: number;
  randomSeed: number;
  dupeFactor: number;
  maskedLmProb: number;
  shortSeqProb: number;
  /** seed mode: tokens between the starts of consecutive spans (at most the span length). */
  docStride: number;
  /** seed mode: documents with fewer characters than this are skipped (the seed: 20). */
  minDocumentChars: number;
  /** seed mode: examples held in the shuffle buffer (0: document order). */
  shuffleBufferSize: number;
}

/**
 * Google BERT's defaults, plus the seed's doc_stride (256) and minimum document length (20).
 * The seed's own script defaulted to max_seq_length 512, dupe_factor 5 and whole-word masking
 * on; its README describes its data as dupe_factor 5 with at most 20 masks per example.
 */
export const PRETRAINING_DEFAULTS: Readonly<PretrainingOptions> = Object.freeze({
  mode: 'seed',
  doLowerCase: true,
  doWholeWordMask: false,
  maxSeqLength: 128,
  maxPredictionsPerSeq: 20,
  randomSeed: 12345,
  dupeFactor: 10,
  maskedLmProb: 0.15,
  shortSeqProb: 0.1,
  docStride: 256,
  minDocumentChars: 20,
  shuffleBufferSize: 10000,
});

/**
 * The original create_pretraining_data.py's own defaults (the CLI's, and the page's "Reset to the
 * original's defaults"): max_seq_length 512, dupe_factor 5, whole-word masking on, the rest as
 * Google BERT's. min_document_chars and shuffle_buffer_size are this project's (the original
 * hard-coded 20 and shuffled each file's examples whole in memory).
 */
export const ORIGINAL_PRETRAINING_DEFAULTS: Readonly<PretrainingOptions> = Object.freeze({
  ...PRETRAINING_DEFAULTS,
  maxSeqLength: 512,
  dupeFactor: 5,
  doWholeWordMask: true,
});

export interface PretrainingProgress {
  /** Documents read so far (including skipped ones). */
  documents: number;
  /** Examples produced so far. */
  examples: number;
}

export interface PretrainingHooks {
  /** Called at most every 100 ms while working, and once at the end. */
  onProgress?(p: PretrainingProgress): void;
}

/** Checks option values; throws an Error naming the bad option. */
export function validatePretrainingOptions(o: PretrainingOptions): void {
  const bad = (name: string, why: string) => {
    throw new Error(`invalid option ${name}: ${why}`);
  };
  if (o.mode !== 'seed' && o.mode !== 'bert') bad('mode', `"${String(o.mode)}" is not "seed" or "bert"`);
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) bad(name, `expected an integer >= ${min}, got ${v}`);
  };
  int('max_seq_length', o.maxSeqLength, 5);
  int('max_predictions_per_seq', o.maxPredictionsPerSeq, 1);
  int('dupe_factor', o.dupeFactor, 1);
  int('doc_stride', o.docStride, 1);
  int('random_seed', o.randomSeed, -(2 ** 53));
  int('min_document_chars', o.minDocumentChars, 0);
  int('shuffle_buffer_size', o.shuffleBufferSize, 0);
  if (!(o.maskedLmProb >= 0 && o.maskedLmProb <= 1))
    bad('masked_lm_prob', `expected a number in [0, 1], got ${o.maskedLmProb}`);
  if (!(o.shortSeqProb >= 0 && o.shortSeqProb <= 1))
    bad('short_seq_prob', `expected a number in [0, 1], got ${o.shortSeqProb}`);
}

/** Masks `instance` into `ex` (a zeroed example) and fills in the rest of its features. */
function maskInstance(
  instance: PairInstance,
  ex: MaskedExample,
  masking: MaskingConfig,
  rng: Rng,
  scratch: MaskingScratch,
): MaskedExample {
  const { length } = instance;
  ex.inputIds.set(instance.ids.subarray(0, length));
  const count = maskSequenceInto(
    ex.inputIds,
    length,
    instance.starts,
    masking,
    rng,
    scratch,
    ex.maskedLmPositions,
    ex.maskedLmIds,
  );
  ex.inputMask.fill(1, 0, length);
  ex.segmentIds.fill(1, instance.firstSegmentLength, length);
  ex.maskedLmWeights.fill(1, 0, count);
  ex.nextSentenceLabel = instance.nextSentenceLabel;
  return ex;
}

/**
 * Streams masked examples built from `docs` (see the file comment for the two modes).
 * With doWholeWordMask, jieba is loaded first (once).
 */
export async function* createPretrainingExamples(
  docs: AsyncIterable<string[]>,
  tokenizer: BertTokenizer,
  opts: Partial<PretrainingOptions> = {},
  hooks: PretrainingHooks = {},
): AsyncGenerator<MaskedExample> {
  const o: PretrainingOptions = { ...PRETRAINING_DEFAULTS, ...opts };
  validatePretrainingOptions(o);
  const segmenter = o.doWholeWordMask ? await loadSegmenter() : null;
  const rng = new Rng(o.randomSeed);
  const masking: MaskingConfig = {
    maskedLmProb: o.maskedLmProb,
    maxPredictionsPerSeq: o.maxPredictionsPerSeq,
    wholeWordMask: o.doWholeWordMask,
    vocabSize: tokenizer.vocab.length,
    maskId: tokenizer.maskId,
    clsId: tokenizer.clsId,
    sepId: tokenizer.sepId,
    padId: tokenizer.padId,
  };
  const scratch = new MaskingScratch();
  const progress: PretrainingProgress = { documents: 0, examples: 0 };
  let lastReport = 0;
  const report = (force: boolean) => {
    if (!hooks.onProgress) return;
    const now = Date.now();
    if (!force && now - lastReport < 100) return;
    lastReport = now;
    hooks.onProgress({ ...progress });
  };

  if (o.mode === 'seed') {
    const spans = new SpanInstanceBuilder(tokenizer, segmenter, o, rng);
    // One scratch example, masked in place; the shuffle buffer copies it.
    const scratchExample = newExample(o);
    // The shuffle has its own random stream, so the examples themselves do not depend on the buffer size.
    const shape = { maxSeqLength: o.maxSeqLength, maxPredictionsPerSeq: o.maxPredictionsPerSeq };
    const shuffle = new ExampleShuffleBuffer(o.shuffleBufferSize, shape, new Rng((o.randomSeed ^ 0x5bd1e995) >>> 0));
    let failure: unknown = null;
    try {
      for await (const lines of docs) {
        progress.documents++;
        // examples go out as the document's instances are made: memory does not grow with the document
        for (const instance of spans.document(lines)) {
          clearExample(scratchExample);
          const leaving = shuffle.push(maskInstance(instance, scratchExample, masking, rng, scratch));
          if (leaving) {
            progress.examples++;
            yield leaving;
          }
        }
        report(false);
      }
    } catch (err) {
      // A bad document (or a read error) stops the stream, but every example already
      // built still goes out before the error does.
      failure = err;
    }
    for (const ex of shuffle.drain()) {
      progress.examples++;
      yield ex;
    }
    if (failure) {
      report(true);
      throw failure;
    }
  } else {
    const pairs = new SentencePairInstanceBuilder(tokenizer, segmenter, o, rng);
    for await (const lines of docs) {
      progress.documents++;
      pairs.document(lines);
      report(false);
    }
    for (const instance of pairs.instances()) {
      // Each example is a fresh object: the caller may keep it.
      const ex = maskInstance(instance, newExample(o), masking, rng, scratch);
      progress.examples++;
      yield ex;
      report(false);
    }
  }
  report(true);
}
