/**
 * Test helper: a tiny masked-LM config and synthetic distillation items (masked
 * examples with the top-k of a random teacher), for fast tests of the run layer.
 */
import type { TrainItem } from '../core/distill/batch.ts';
import { bertMaskedLm } from '../core/distill/batch.ts';
import { syntheticExamples } from './syntheticExamples.ts';
import { computeTeacherOutputs, exampleTopK } from '../core/distill/teacherOutputs.ts';
import { type BertConfig, parseBertConfig } from '../core/model/config.ts';
import { initWeights } from '../core/model/init.ts';
import { disposeWeights } from '../core/model/student.ts';

/** vocab 30, hidden 16, one layer: a step takes milliseconds. */
export const TINY_MLM_CONFIG: BertConfig = parseBertConfig({
  vocab_size: 30,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 16,
});

/** n items of sequence length 12 with 3 prediction slots and a random teacher's top-6. */
export async function tinyDistillItems(n: number, seed: number, cfg = TINY_MLM_CONFIG): Promise<TrainItem[]> {
  const examples = syntheticExamples({
    count: n,
    vocabSize: cfg.vocab_size,
    maxSeqLength: 12,
    maxPredictionsPerSeq: 3,
    seed,
  });
  const teacher = initWeights(cfg, { pooler: false, mlmHead: true }, 99);
  const out = await computeTeacherOutputs(bertMaskedLm(cfg), teacher, examples, 6);
  disposeWeights(teacher);
  return examples.map((example, i) => ({ example, teacher: exampleTopK(out, i) }));
}
