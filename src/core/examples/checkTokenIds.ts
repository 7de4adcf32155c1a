/**
 * Token ids of an example checked against a model's vocabulary size before the model sees
 * them: examples built with a larger vocab.txt than the model's hold ids past its embedding
 * table, which tfjs reports only deep inside as "GatherV2: the index value ... is not in [0, ...]".
 */
import type { MaskedExample } from './maskedExample.ts';

/**
 * Throws unless every input id and masked-LM label id is in [0, vocabSize). `where` names the
 * example (file and record, or set and index); `model` names the model ("the teacher's").
 */
export function checkTokenIds(ex: MaskedExample, vocabSize: number, where: string, model: string): void {
  for (const [field, ids] of [
    ['input_ids', ex.inputIds],
    ['masked_lm_ids', ex.maskedLmIds],
  ] as const) {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id >= 0 && id < vocabSize) continue;
      if (id < 0) throw new Error(`${where}: ${field} holds the negative id ${id} at position ${i}`);
      throw new Error(
        `${where}: ${field} holds id ${id} at position ${i}, but ${model} vocabulary has ${vocabSize} entries (vocab_size); ` +
          `these examples were built with a larger vocabulary (at least ${id + 1} entries): build them with the model's own vocab.txt`,
      );
    }
  }
}
