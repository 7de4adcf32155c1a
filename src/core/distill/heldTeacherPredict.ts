/**
 * The Predictions panel's top k at masked characters from a held teacher (heldTeacher.ts): the
 * sentence masked as predictMasked masks it, run as one example through the teacher pass's own
 * computeOutputs, so a large float16 teacher predicts with its layers kept float16, widened half
 * a layer at a time, as it does for the teacher pass (and the worker keeps one teacher for both).
 * The probabilities are the full-vocabulary softmax's at T = 1, as predictMasked's.
 */
import type { MaskedExample } from '../examples/maskedExample.ts';
import { type MaskPrediction, maskPredictions, maskSentence } from '../model/predictMasked.ts';
import type { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import type { HeldTeacher } from './heldTeacher.ts';

/** The teacher's `topK` (at most vocab_size) most probable tokens at each masked character of `text`. */
export async function predictMaskedHeld(
  teacher: HeldTeacher,
  tokenizer: BertTokenizer,
  text: string,
  maskChars: number[],
  topK: number,
): Promise<MaskPrediction[]> {
  const cfg = teacher.ckpt.config;
  const sentence = maskSentence(tokenizer, cfg, text, maskChars);
  const n = sentence.ids.length;
  const slots = sentence.positions.length;
  const example: MaskedExample = {
    inputIds: Int32Array.from(sentence.ids),
    inputMask: new Int32Array(n).fill(1),
    segmentIds: new Int32Array(n),
    maskedLmPositions: Int32Array.from(sentence.positions),
    maskedLmIds: new Int32Array(slots), // not read by the teacher
    maskedLmWeights: new Float32Array(slots).fill(1),
    nextSentenceLabel: 0,
  };
  const k = Math.min(topK, cfg.vocab_size);
  const out = await teacher.computeOutputs([example], k);
  return maskPredictions(sentence, maskChars, tokenizer, k, out.probs, out.ids);
}
