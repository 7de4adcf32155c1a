/**
 * One masked-LM training example, already padded to fixed lengths, exactly the
 * features the seed's TFRecord files hold (input_ids, input_mask, segment_ids:
 * max_seq_length; masked_lm_positions, masked_lm_ids, masked_lm_weights:
 * max_predictions_per_seq; next_sentence_labels).
 */
export interface MaskedExample {
  inputIds: Int32Array;
  inputMask: Int32Array;
  segmentIds: Int32Array;
  maskedLmPositions: Int32Array;
  maskedLmIds: Int32Array;
  /** 1 for a real prediction slot, 0 for padding. */
  maskedLmWeights: Float32Array;
  nextSentenceLabel: number;
}

/** The two lengths every example of a set shares. */
export interface ExampleShape {
  maxSeqLength: number;
  maxPredictionsPerSeq: number;
}
