/**
 * The seed's three steps on real text (../shared/ref/corpus-zh, the real Chinese
 * vocabulary): masked examples from clue_sample_zh.txt (their token ids then renumbered
 * densely over the ids that occur, so the tiny models' vocabulary stays small enough for
 * the cpu backend), a tiny teacher trained with plain MLM, its top-k outputs, and a smaller student distilled with the seed's
 * loss: the losses fall and the agreement with the teacher rises.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeWithRef, refDocuments, refPath } from '../../testing/refData.ts';
import { createPretrainingExamples } from '../examples/createPretrainingData.ts';
import type { MaskedExample } from '../examples/maskedExample.ts';
import { parseBertConfig } from '../model/config.ts';
import { initWeights } from '../model/init.ts';
import { studentFromConfig } from '../model/student.ts';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { bertMaskedLm } from './batch.ts';
import { LOSS_PRESETS } from './loss.ts';
import { computeTeacherOutputs, exampleTopK } from './teacherOutputs.ts';
import { inMemoryTrainingSet } from '../run/task.ts';
import { Trainer } from '../run/trainer.ts';
import { distillTask } from './distillTask.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describeWithRef('distillation on corpus-zh (tiny models, real vocabulary)', () => {
  it('teacher agreement rises and the losses fall', async () => {
    const vocab = readFileSync(refPath('vocab-bert-chinese', 'vocab.txt'), 'utf8');
    const tok = BertTokenizer.fromVocabText(vocab, { doLowerCase: true });
    const docs = await refDocuments('corpus-zh', 'clue_sample_zh.txt');
    async function* stream() {
      for (const d of docs) yield d;
    }
    const examples: MaskedExample[] = [];
    for await (const ex of createPretrainingExamples(stream(), tok, {
      maxSeqLength: 32,
      maxPredictionsPerSeq: 5,
      dupeFactor: 4,
      docStride: 16,
    })) {
      examples.push(ex);
      if (examples.length === 96) break;
    }
    expect(examples.length).toBe(96);
    // renumber the ids that occur (special tokens included) densely: 0..V-1
    const dense = new Map<number, number>();
    for (const id of [0, ...examples.flatMap((e) => [...e.inputIds, ...e.maskedLmIds])]) {
      if (!dense.has(id)) dense.set(id, dense.size);
    }
    for (const e of examples) {
      e.inputIds = e.inputIds.map((id) => dense.get(id)!);
      e.maskedLmIds = e.maskedLmIds.map((id) => dense.get(id)!);
    }
    const base = {
      vocab_size: dense.size,
      num_attention_heads: 2,
      max_position_embeddings: 32,
      hidden_dropout_prob: 0,
      attention_probs_dropout_prob: 0,
    };
    const teacherCfg = parseBertConfig({ ...base, hidden_size: 32, num_hidden_layers: 1, intermediate_size: 64 });
    const studentCfg = parseBertConfig({ ...base, hidden_size: 16, num_hidden_layers: 1, intermediate_size: 32 });
    const parts = { pooler: false, mlmHead: true };

    const teacherRun = new Trainer({
      task: distillTask(bertMaskedLm(teacherCfg), LOSS_PRESETS.mlm),
      weights: initWeights(teacherCfg, parts, 1),
      config: {
        schedule: { learningRate: 2e-2, numWarmupSteps: 2, numTrainSteps: 40 },
        batchSize: 16,
        seed: 1,
      },
      data: inMemoryTrainingSet(examples.slice(0, 80).map((example) => ({ example }))),
    });
    const mlm: number[] = [];
    while (!teacherRun.done) mlm.push((await teacherRun.step()).total);
    expect(mean(mlm.slice(-5))).toBeLessThan(mean(mlm.slice(0, 5)));

    const out = await computeTeacherOutputs(bertMaskedLm(teacherCfg), teacherRun.weights, examples, 32);
    const items = examples.map((example, i) => ({ example, teacher: exampleTopK(out, i) }));
    teacherRun.dispose();

    const student = new Trainer({
      task: distillTask(bertMaskedLm(studentCfg), LOSS_PRESETS.seed),
      weights: studentFromConfig(studentCfg, parts, 2).weights,
      config: {
        schedule: { learningRate: 2e-2, numWarmupSteps: 2, numTrainSteps: 40 },
        batchSize: 16,
        seed: 2,
      },
      data: inMemoryTrainingSet(items.slice(0, 80)),
    });
    const held = inMemoryTrainingSet(items.slice(80));
    const before = await student.evaluate(held);
    const losses: number[] = [];
    while (!student.done) losses.push((await student.step()).total);
    const after = await student.evaluate(held);
    student.dispose();
    console.log(
      `corpus-zh (${dense.size} distinct ids): teacher MLM ${mean(mlm.slice(0, 5)).toFixed(3)} → ${mean(mlm.slice(-5)).toFixed(3)}; student loss ` +
        `${mean(losses.slice(0, 5)).toFixed(3)} → ${mean(losses.slice(-5)).toFixed(3)}; held-out agreement ` +
        `${before.teacherTop1Agreement.toFixed(3)} → ${after.teacherTop1Agreement.toFixed(3)}, top-5 overlap ` +
        `${before.top5Overlap.toFixed(3)} → ${after.top5Overlap.toFixed(3)}`,
    );
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)));
    expect(after.teacherTop1Agreement).toBeGreaterThan(before.teacherTop1Agreement);
    expect(after.top5Overlap).toBeGreaterThan(before.top5Overlap);
  });
});
