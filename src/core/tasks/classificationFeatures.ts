/**
 * Classification inputs as Google BERT's run_classifier.py builds them:
 *   [CLS] a [SEP]            segment ids 0 … 0          (single sentence)
 *   [CLS] a [SEP] b [SEP]    segment ids 0 … 0 1 … 1    (sentence pair)
 * then [PAD] (id of the vocabulary's [PAD]) up to max_seq_length, with input_mask 1 on real
 * tokens and 0 on padding. A pair longer than max_seq_length − 3 tokens is cut by
 * _truncate_seq_pair: one token at a time from the end of whichever is longer (b on a tie);
 * a single sentence is cut to max_seq_length − 2.
 */
import type { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import type { PairExample, SingleExample } from './taskFiles.ts';

export interface ClassificationFeature {
  inputIds: Int32Array;
  inputMask: Int32Array;
  segmentIds: Int32Array;
  /** Index of the label in the label list, or -1 for an unlabelled example. */
  labelId: number;
  /** Whether tokens were cut to fit. */
  truncated: boolean;
}

/**
 * Cuts `a` and `b` in place until together they have at most `maxLength` tokens, always from the
 * end of the longer one (of `b` when they are equally long), as run_classifier's _truncate_seq_pair.
 */
export function truncateSeqPair(a: unknown[], b: unknown[], maxLength: number): boolean {
  let cut = false;
  while (a.length + b.length > maxLength) {
    if (a.length > b.length) a.pop();
    else b.pop();
    cut = true;
  }
  return cut;
}

/** The feature of one text (or text pair) with its label ("undefined" for none). */
export function classificationFeature(
  tokenizer: BertTokenizer,
  textA: string,
  textB: string | undefined,
  label: string | undefined,
  labels: readonly string[],
  maxSeqLength: number,
): ClassificationFeature {
  const minLength = textB === undefined ? 2 : 3;
  if (!Number.isInteger(maxSeqLength) || maxSeqLength < minLength) {
    throw new RangeError(`max_seq_length must be an integer of at least ${minLength}, got ${maxSeqLength}`);
  }
  const a = tokenizer.encode(textA);
  const b = textB === undefined ? undefined : tokenizer.encode(textB);
  let truncated: boolean;
  if (b) truncated = truncateSeqPair(a, b, maxSeqLength - 3);
  else {
    truncated = a.length > maxSeqLength - 2;
    if (truncated) a.length = maxSeqLength - 2;
  }
  const inputIds = new Int32Array(maxSeqLength).fill(tokenizer.padId);
  const inputMask = new Int32Array(maxSeqLength);
  const segmentIds = new Int32Array(maxSeqLength);
  let n = 0;
  inputIds[n++] = tokenizer.clsId;
  for (const id of a) inputIds[n++] = id;
  inputIds[n++] = tokenizer.sepId;
  if (b) {
    const from = n;
    for (const id of b) inputIds[n++] = id;
    inputIds[n++] = tokenizer.sepId;
    segmentIds.fill(1, from, n);
  }
  inputMask.fill(1, 0, n);
  let labelId = -1;
  if (label !== undefined) {
    labelId = labels.indexOf(label);
    if (labelId < 0) throw new Error(`label "${label}" is not in the label list (${labels.join(', ')})`);
  }
  return { inputIds, inputMask, segmentIds, labelId, truncated };
}

/** Features of the examples of a classification file, in order. */
export function classificationFeatures(
  examples: readonly (PairExample | SingleExample)[],
  tokenizer: BertTokenizer,
  labels: readonly string[],
  maxSeqLength: number,
): ClassificationFeature[] {
  return examples.map((e) => {
    try {
      return 'textA' in e
        ? classificationFeature(tokenizer, e.textA, e.textB, e.label, labels, maxSeqLength)
        : classificationFeature(tokenizer, e.text, undefined, e.label, labels, maxSeqLength);
    } catch (err) {
      if (err instanceof RangeError) throw err;
      throw new Error(`example ${e.guid} (line ${e.line}): ${(err as Error).message}`);
    }
  });
}
