import { describe, expect, it } from 'vitest';
import type { MaskedExample } from '../examples/maskedExample.ts';
import { maskedExampleToRecord, readMaskedExamples } from './pretrainingRecord.ts';
import { TFRecordWriter } from './recordWriter.ts';
import { readTeacherOutputs, teacherOutputToRecord } from './teacherOutputRecord.ts';

function example(seq: number, preds: number, v: number): MaskedExample {
  return {
    inputIds: Int32Array.from({ length: seq }, (_, i) => (i * 31 + v) % 21128),
    inputMask: new Int32Array(seq).fill(1),
    segmentIds: Int32Array.from({ length: seq }, (_, i) => (i >= seq / 2 ? 1 : 0)),
    maskedLmPositions: Int32Array.from({ length: preds }, (_, i) => i + 1),
    maskedLmIds: Int32Array.from({ length: preds }, (_, i) => 100 + i + v),
    maskedLmWeights: Float32Array.from({ length: preds }, (_, i) => (i < preds - 1 ? 1 : 0)),
    nextSentenceLabel: 1,
  };
}

async function fileOf(payloads: Uint8Array[], name: string): Promise<File> {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  const w = new TFRecordWriter((c) => void chunks.push(c), { chunkSize: 4096 });
  for (const p of payloads) await w.write(p);
  await w.close();
  return new File(chunks, name);
}

describe('TFRecord files of examples', () => {
  it('masked examples: write, stream back equal', async () => {
    const exs = Array.from({ length: 50 }, (_, i) => example(64, 10, i));
    const f = await fileOf(exs.map(maskedExampleToRecord), 'train.tfrecord');
    const got: MaskedExample[] = [];
    for await (const e of readMaskedExamples(f)) got.push(e);
    expect(got).toEqual(exs);
  });

  it('a record of another shape: error names file, record, byte offset and feature; earlier ones delivered', async () => {
    const payloads = [example(64, 10, 0), example(64, 10, 1), example(32, 10, 2)].map(maskedExampleToRecord);
    const f = await fileOf(payloads, 'mixed.tfrecord');
    const got: MaskedExample[] = [];
    let err: Error | null = null;
    try {
      for await (const e of readMaskedExamples(f)) got.push(e);
    } catch (e) {
      err = e as Error;
    }
    const off = payloads[0].length + payloads[1].length + 32;
    expect(err?.message).toBe(
      `mixed.tfrecord: record 2 at byte ${off}: feature "input_ids" has 32 values, expected max_seq_length 64`,
    );
    expect(got.length).toBe(2);
    await expect(async () => {
      for await (const _ of readMaskedExamples(f, { shape: { maxSeqLength: 64, maxPredictionsPerSeq: 20 } })) void _;
    }).rejects.toThrow(
      /record 0 at byte 0: feature "masked_lm_positions" has 10 values, expected max_predictions_per_seq 20/,
    );
  });

  it('teacher outputs: write, stream back, k inferred; a file of plain examples is refused clearly', async () => {
    const k = 16;
    const items = Array.from({ length: 20 }, (_, i) => ({
      ex: example(32, 5, i),
      probs: Float32Array.from({ length: 5 * k }, (_, j) => 1 / (j + 1 + i)),
      ids: Int32Array.from({ length: 5 * k }, (_, j) => (j * 13 + i) % 21128),
    }));
    const f = await fileOf(
      items.map((t) => teacherOutputToRecord(t.ex, t.probs, t.ids, k)),
      'teacher.tfrecord',
    );
    let n = 0;
    for await (const t of readTeacherOutputs(f)) {
      expect(t.k).toBe(k);
      expect(t.example).toEqual(items[n].ex);
      expect(t.probs).toEqual(items[n].probs);
      expect(t.topKIds).toEqual(items[n].ids);
      n++;
    }
    expect(n).toBe(20);
    const plain = await fileOf([maskedExampleToRecord(example(32, 5, 0))], 'plain.tfrecord');
    await expect(async () => {
      for await (const _ of readTeacherOutputs(plain)) void _;
    }).rejects.toThrow('plain.tfrecord: record 0 at byte 0: missing feature "truncated_masked_lm_probs"');
  });
});
