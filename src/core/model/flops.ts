/**
 * Model FLOPs of one BERT forward pass over one example (multiply-adds counted as 2): the
 * encoder layers' projections, feed-forward and attention scores, plus the masked-LM head at
 * the masked positions only. Embedding look-ups, LayerNorm, softmax and GELU are left out
 * (a few percent). A training step's backward costs about twice its forward.
 */
export interface ForwardShape {
  layers: number;
  hidden: number;
  intermediate: number;
  vocab: number;
  /** tokens per example (padded length: every position is computed) */
  seq: number;
  /** masked positions the MLM head scores */
  masks: number;
}

export function bertForwardFlops(s: ForwardShape): number {
  const { hidden: H, intermediate: I, seq } = s;
  const perLayer = 2 * seq * (4 * H * H + 2 * H * I) + 2 * 2 * seq * seq * H;
  return s.layers * perLayer + 2 * s.masks * (H * H + H * s.vocab);
}

/** A forward and a backward pass (backward ≈ twice the forward). */
export const TRAIN_FLOPS_PER_FORWARD = 3;
