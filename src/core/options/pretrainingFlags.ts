/**
 * create_pretraining_data's flags (the original scripts' and Google BERT's names) and the core's
 * PretrainingOptions, converted both ways in this one place: the CLI builds its flag specs
 * from PRETRAINING_FLAGS and the page can show them as form fields (label, help, bounds,
 * default). The defaults are the original create_pretraining_data.py's
 * (ORIGINAL_PRETRAINING_DEFAULTS: max_seq_length 512, dupe_factor 5, whole-word masking, the
 * rest Google BERT's); the bounds are those that validatePretrainingOptions checks.
 */
import { ORIGINAL_PRETRAINING_DEFAULTS as D, type PretrainingOptions } from '../examples/createPretrainingData.ts';
import type { FlagsOf, OptionFlagTable } from './flagSpec.ts';

export const PRETRAINING_FLAGS = {
  do_lower_case: {
    option: 'doLowerCase',
    type: 'bool',
    default: D.doLowerCase,
    label: 'Lower-case',
    help: 'Lower-case and strip accents (true for uncased and Chinese models).',
  },
  do_whole_word_mask: {
    option: 'doWholeWordMask',
    type: 'bool',
    default: D.doWholeWordMask,
    label: 'Whole-word masking',
    help: 'Mask whole words: `##` wordpieces with their word, Chinese characters of one jieba word together.',
  },
  max_seq_length: {
    option: 'maxSeqLength',
    type: 'int',
    default: D.maxSeqLength,
    min: 5,
    label: 'Sequence length',
    help: 'Maximum sequence length (with [CLS] and two [SEP]).',
  },
  max_predictions_per_seq: {
    option: 'maxPredictionsPerSeq',
    type: 'int',
    default: D.maxPredictionsPerSeq,
    min: 1,
    label: 'Masks per sequence',
    help: 'Maximum number of masked LM predictions per sequence.',
  },
  random_seed: {
    option: 'randomSeed',
    type: 'int',
    default: D.randomSeed,
    label: 'Random seed',
    help: 'Random seed for data generation.',
  },
  dupe_factor: {
    option: 'dupeFactor',
    type: 'int',
    default: D.dupeFactor,
    min: 1,
    label: 'Duplication',
    help: 'Number of times to duplicate the input data (with different masks).',
  },
  masked_lm_prob: {
    option: 'maskedLmProb',
    type: 'float',
    default: D.maskedLmProb,
    min: 0,
    max: 1,
    label: 'Mask probability',
    help: 'Masked LM probability.',
  },
  short_seq_prob: {
    option: 'shortSeqProb',
    type: 'float',
    default: D.shortSeqProb,
    min: 0,
    max: 1,
    label: 'Short sequence probability',
    help: 'original mode: span targets are drawn between short_seq_prob*max_seq_length and max_seq_length; bert mode: probability of a shorter sequence.',
  },
  doc_stride: {
    option: 'docStride',
    type: 'int',
    default: D.docStride,
    min: 1,
    label: 'Document stride',
    help: 'original mode: when splitting a long document into spans, how many tokens to stride between span starts.',
  },
  mode: {
    option: 'mode',
    type: 'string',
    default: D.mode,
    choices: ['seed', 'bert'],
    choiceNames: { seed: 'original' },
    label: 'Mode',
    help: "original (the original 2020 scripts' algorithm, streaming) or bert (Google BERT's; all documents in memory).",
  },
  min_document_chars: {
    option: 'minDocumentChars',
    type: 'int',
    default: D.minDocumentChars,
    min: 0,
    label: 'Shortest document',
    help: 'original mode: skip documents (in JSON lines, each field) shorter than this many characters, counted before "<eop>" removal (the original hard-codes 20).',
  },
  shuffle_buffer_size: {
    option: 'shuffleBufferSize',
    type: 'int',
    default: D.shuffleBufferSize,
    min: 0,
    label: 'Shuffle buffer',
    help: 'original mode: examples go out through a shuffle buffer of this many examples (the original shuffled whole files in memory); 0 keeps document order.',
  },
} as const satisfies OptionFlagTable<keyof PretrainingOptions>;

/** create_pretraining_data's option flags by name, as parsed (every one has a default). */
export type PretrainingFlagValues = FlagsOf<typeof PRETRAINING_FLAGS>;

/** The core options of these flag values; a flag left out takes its default. Does not validate. */
export function pretrainingOptionsFromFlags(v: Partial<PretrainingFlagValues>): PretrainingOptions {
  return {
    mode: v.mode ?? D.mode,
    doLowerCase: v.do_lower_case ?? D.doLowerCase,
    doWholeWordMask: v.do_whole_word_mask ?? D.doWholeWordMask,
    maxSeqLength: v.max_seq_length ?? D.maxSeqLength,
    maxPredictionsPerSeq: v.max_predictions_per_seq ?? D.maxPredictionsPerSeq,
    randomSeed: v.random_seed ?? D.randomSeed,
    dupeFactor: v.dupe_factor ?? D.dupeFactor,
    maskedLmProb: v.masked_lm_prob ?? D.maskedLmProb,
    shortSeqProb: v.short_seq_prob ?? D.shortSeqProb,
    docStride: v.doc_stride ?? D.docStride,
    minDocumentChars: v.min_document_chars ?? D.minDocumentChars,
    shuffleBufferSize: v.shuffle_buffer_size ?? D.shuffleBufferSize,
  };
}

/** The flag values of these core options (every flag set). */
export function flagsFromPretrainingOptions(o: PretrainingOptions): PretrainingFlagValues {
  return {
    do_lower_case: o.doLowerCase,
    do_whole_word_mask: o.doWholeWordMask,
    max_seq_length: o.maxSeqLength,
    max_predictions_per_seq: o.maxPredictionsPerSeq,
    random_seed: o.randomSeed,
    dupe_factor: o.dupeFactor,
    masked_lm_prob: o.maskedLmProb,
    short_seq_prob: o.shortSeqProb,
    doc_stride: o.docStride,
    mode: o.mode,
    min_document_chars: o.minDocumentChars,
    shuffle_buffer_size: o.shuffleBufferSize,
  };
}

/** Every create_pretraining_data option flag at its default (the page's form defaults). */
export const PRETRAINING_FLAG_DEFAULTS: Readonly<PretrainingFlagValues> = Object.freeze(flagsFromPretrainingOptions(D));
