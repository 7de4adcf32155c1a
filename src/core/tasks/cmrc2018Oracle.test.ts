/**
 * End to end on the real CMRC 2018 files, without a model: span features, then decoding of
 * "oracle" logits (1 at the gold start and end positions of the first answer found in the
 * context, 0 elsewhere), then the official metric.
 *
 * What is lost is what the features and the decoding lose: answers longer than a window (the
 * trial set has answers of up to 435 characters), answers whose start token has its max context
 * in a window that cuts them off, and answers that begin or end inside a wordpiece (dev:
 * "4个" inside "34个"). The trial set's answers are long (358 of 1,002 are over 30 characters),
 * so the usual max_answer_length of 30 tokens drops about a third of them: that figure is
 * checked too.
 */
import { openAsBlob, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeWithRef, refPath } from '../../testing/refData.ts';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { evaluateCmrc2018 } from './cmrc2018Metric.ts';
import { decodeSquad, type SpanLogits } from './squadDecode.ts';
import type { SpanTaskFile } from './squadFile.ts';
import { squadFeatures } from './squadFeatures.ts';
import { readTaskFile } from './taskFiles.ts';

/** F1, EM (as '%.3f'-like strings) and answers not given back, for max_answer_length 384 and 30. */
async function oracleScores(fileName: string) {
  const tokenizer = BertTokenizer.fromVocabText(readFileSync(refPath('vocab-bert-chinese', 'vocab.txt'), 'utf8'));
  const path = refPath('cmrc2018', fileName);
  const file = (await readTaskFile(await openAsBlob(path), { task: 'cmrc2018' })) as SpanTaskFile;
  const { features, skippedExamples } = squadFeatures(file.examples, tokenizer, {
    maxSeqLength: 384,
    docStride: 128,
    maxQueryLength: 64,
    isTraining: true,
  });
  expect(skippedExamples).toBe(0);
  const logits: SpanLogits[] = features.map((f) => {
    const startLogits = new Float32Array(f.inputIds.length);
    const endLogits = new Float32Array(f.inputIds.length);
    startLogits[f.startPosition] = 1;
    endLogits[f.endPosition] = 1;
    return { startLogits, endLogits };
  });
  const dataset = JSON.parse(readFileSync(path, 'utf8'));
  const gold = (e: (typeof file.examples)[number]) => e.answers.find((a) => a.start >= 0)!.text.trim();
  return [384, 30].map((maxAnswerLength) => {
    const { predictions } = decodeSquad(file.examples, features, logits, { nBestSize: 20, maxAnswerLength });
    const r = evaluateCmrc2018(dataset, predictions, { file: 'oracle' });
    const wrong = file.examples.filter((e) => predictions[e.id].trim() !== gold(e)).length;
    console.log(
      `${fileName}, oracle logits, max_answer_length ${maxAnswerLength}: F1 ${r.F1.toFixed(3)}, EM ${r.EM.toFixed(3)}; ` +
        `${wrong} of ${r.TOTAL} answers not given back; ${features.length} features`,
    );
    expect(r.SKIP).toBe(0);
    return [r.F1.toFixed(3), r.EM.toFixed(3), wrong];
  });
}

describeWithRef('CMRC 2018: features + decoding with oracle logits + official metric', () => {
  it('trial set (1,002 questions): F1 99.305 without a length limit', async () => {
    expect(await oracleScores('cmrc2018_trial.squad.json')).toEqual([
      ['99.305', '99.301', 7],
      ['66.729', '66.267', 338],
    ]);
  });

  it('dev set (3,219 questions, several references each): F1 99.984 without a length limit', async () => {
    expect(await oracleScores('cmrc2018_dev.squad.json')).toEqual([
      ['99.984', '99.969', 1],
      ['94.614', '94.532', 176],
    ]);
  });
});
