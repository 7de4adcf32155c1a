import { describe, expect, it } from 'vitest';
import type { MaskedExample } from '../examples/maskedExample.ts';
import { decodeExample, encodeExample, type Feature } from './example.ts';
import { RecordFormatError, maskedExampleToRecord, recordToMaskedExample } from './pretrainingRecord.ts';
import { recordToTeacherOutput, teacherOutputToRecord } from './teacherOutputRecord.ts';

/** tf.train.Example's schema for protobufjs (an independent encoder/decoder), if it is installed. */
async function loadProtobufjs() {
  try {
    const mod = (await import('protobufjs')) as unknown as { default?: unknown };
    const pb = (mod.default ?? mod) as typeof import('protobufjs');
    const root = pb.Root.fromJSON({
      nested: {
        BytesList: { fields: { value: { rule: 'repeated', type: 'bytes', id: 1 } } },
        FloatList: { fields: { value: { rule: 'repeated', type: 'float', id: 1, options: { packed: true } } } },
        Int64List: { fields: { value: { rule: 'repeated', type: 'int64', id: 1, options: { packed: true } } } },
        Feature: {
          oneofs: { kind: { oneof: ['bytesList', 'floatList', 'int64List'] } },
          fields: {
            bytesList: { type: 'BytesList', id: 1 },
            floatList: { type: 'FloatList', id: 2 },
            int64List: { type: 'Int64List', id: 3 },
          },
        },
        Features: { fields: { feature: { keyType: 'string', type: 'Feature', id: 1 } as never } },
        Example: { fields: { features: { type: 'Features', id: 1 } } },
      },
    });
    return root.lookupType('Example');
  } catch {
    return null;
  }
}

function makeExample(seq: number, preds: number, seed: number): MaskedExample {
  let s = seed;
  const rnd = (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
  const real = 5 + rnd(seq - 5);
  const inputIds = Int32Array.from({ length: seq }, (_, i) => (i < real ? rnd(21128) : 0));
  const inputMask = Int32Array.from({ length: seq }, (_, i) => (i < real ? 1 : 0));
  const segmentIds = Int32Array.from({ length: seq }, (_, i) => (i < real && i > real / 2 ? 1 : 0));
  const np = 1 + rnd(preds);
  const maskedLmPositions = Int32Array.from({ length: preds }, (_, i) => (i < np ? 1 + i : 0));
  const maskedLmIds = Int32Array.from({ length: preds }, (_, i) => (i < np ? rnd(21128) : 0));
  const maskedLmWeights = Float32Array.from({ length: preds }, (_, i) => (i < np ? 1 : 0));
  return { inputIds, inputMask, segmentIds, maskedLmPositions, maskedLmIds, maskedLmWeights, nextSentenceLabel: 1 };
}

const enc = (s: string) => new TextEncoder().encode(s);

describe('tf.train.Example', () => {
  it('encodes a tiny example to the exact expected bytes', () => {
    const bytes = encodeExample({ b: { kind: 'float', values: [1] }, a: { kind: 'int64', values: [1, 300, -1] } });
    // int64 values: 01 | ac 02 | ff ff ff ff ff ff ff ff ff 01  (13 bytes)
    const aList = [0x0a, 13, 0x01, 0xac, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const aFeat = [0x1a, aList.length, ...aList];
    const aEntry = [0x0a, 1, 0x61, 0x12, aFeat.length, ...aFeat];
    const bList = [0x0a, 4, 0x00, 0x00, 0x80, 0x3f];
    const bFeat = [0x12, bList.length, ...bList];
    const bEntry = [0x0a, 1, 0x62, 0x12, bFeat.length, ...bFeat];
    const feats = [0x0a, aEntry.length, ...aEntry, 0x0a, bEntry.length, ...bEntry]; // sorted: a before b
    expect([...bytes]).toEqual([0x0a, feats.length, ...feats]);
  });

  it('round-trips all kinds, big and negative int64s, empty lists, unicode names', () => {
    const feats: Record<string, Feature> = {
      ints: {
        kind: 'int64',
        values: [0, 1, 127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -1, -128, -(2 ** 31), -(2 ** 53 - 1)],
      },
      floats: { kind: 'float', values: Float32Array.from([0, -1.5, 3.25, 1e-30, Infinity]) },
      numfloats: { kind: 'float', values: [0.5, 2] },
      strs: { kind: 'bytes', values: [enc('你好'), new Uint8Array(0), new Uint8Array(300).fill(7)] },
      empty_i: { kind: 'int64', values: [] },
      empty_f: { kind: 'float', values: [] },
      empty_b: { kind: 'bytes', values: [] },
      名字: { kind: 'int64', values: Int32Array.from([5, -5]) },
    };
    const back = decodeExample(encodeExample(feats));
    expect([...back.keys()].sort()).toEqual(Object.keys(feats).sort());
    for (const [k, f] of Object.entries(feats)) {
      const g = back.get(k)!;
      if (f.values.length === 0) {
        expect(g.values.length).toBe(0);
        continue;
      }
      expect(g.kind).toBe(f.kind);
      if (f.kind === 'bytes') expect(g.values).toEqual(f.values);
      else
        expect(Array.from(g.values as ArrayLike<number>)).toEqual(
          [...f.values].map((x) => (f.kind === 'float' ? Math.fround(x) : x)),
        );
    }
    // a Map gives the same bytes as a record (order is by name, not by insertion)
    expect(encodeExample(new Map(Object.entries(feats).reverse()))).toEqual(encodeExample(feats));
  });

  it('rejects int64 values JavaScript cannot hold, and malformed bytes, naming the feature', () => {
    expect(() => encodeExample({ x: { kind: 'int64', values: [2 ** 53] } })).toThrow(/feature "x"/);
    expect(() => encodeExample({ x: { kind: 'int64', values: [1.5] } })).toThrow(/feature "x"/);
    const good = encodeExample({ x: { kind: 'int64', values: [1, 2, 3] } });
    expect(() => decodeExample(good.subarray(0, good.length - 2))).toThrow(/malformed tf.train.Example/);
  });

  it('agrees with protobufjs both ways, packed and unpacked', async () => {
    const Example = await loadProtobufjs();
    if (!Example) {
      console.log('protobufjs not installed: cross-check skipped');
      return;
    }
    const ex = makeExample(32, 5, 3);
    const ours = maskedExampleToRecord(ex);
    const msg = Example.toObject(Example.decode(ours), { longs: Number, bytes: Array }) as {
      features: { feature: Record<string, { int64List?: { value: number[] }; floatList?: { value: number[] } }> };
    };
    expect(msg.features.feature.input_ids.int64List!.value).toEqual([...ex.inputIds]);
    expect(msg.features.feature.masked_lm_weights.floatList!.value).toEqual([...ex.maskedLmWeights]);
    expect(msg.features.feature.next_sentence_labels.int64List!.value).toEqual([1]);
    // protobufjs's own encoding (map in its order) reads back identically
    const theirs = Example.encode(Example.fromObject(msg)).finish();
    expect(recordToMaskedExample(theirs)).toEqual(ex);
    // hand-made unpacked int64 and float lists are accepted too
    const unpacked = [0x08, 0x05, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const uf = [0x0d, 0x00, 0x00, 0x80, 0x3f, 0x0d, 0x00, 0x00, 0x00, 0x40];
    const feat = (tag: number, list: number[]) => [tag, list.length, ...list];
    const entry = (name: string, f: number[]) => {
      const n = [...enc(name)];
      const e = [0x0a, n.length, ...n, 0x12, f.length, ...f];
      return [0x0a, e.length, ...e];
    };
    const body = [...entry('i', feat(0x1a, unpacked)), ...entry('f', feat(0x12, uf))];
    const dec = decodeExample(Uint8Array.from([0x0a, body.length, ...body]));
    expect(dec.get('i')!.values).toEqual([5, -1]);
    expect([...(dec.get('f')!.values as Float32Array)]).toEqual([1, 2]);
  });

  it('masked example and teacher output round trips', () => {
    const ex = makeExample(128, 20, 11);
    expect(recordToMaskedExample(maskedExampleToRecord(ex))).toEqual(ex);
    const k = 8;
    const probs = Float32Array.from({ length: 20 * k }, (_, i) => 1 / (1 + i));
    const ids = Int32Array.from({ length: 20 * k }, (_, i) => (i * 97) % 21128);
    const t = recordToTeacherOutput(teacherOutputToRecord(ex, probs, ids, k));
    expect(t.k).toBe(k);
    expect(t.example).toEqual(ex);
    expect(t.probs).toEqual(probs);
    expect(t.topKIds).toEqual(ids);
    // a teacher-output record is also a valid pretraining record
    expect(recordToMaskedExample(teacherOutputToRecord(ex, probs, ids, k))).toEqual(ex);
    expect(() => teacherOutputToRecord(ex, probs.subarray(1), ids, k)).toThrow(/truncated_masked_lm_probs/);
  });

  it('missing features or disagreeing lengths give errors naming the feature and the source', () => {
    const ex = makeExample(16, 4, 5);
    const feats = decodeExample(maskedExampleToRecord(ex));
    const without = (name: string) => {
      const m = new Map(feats);
      m.delete(name);
      return encodeExample(m);
    };
    expect(() => recordToMaskedExample(without('segment_ids'), 'a.tfrecord record 7')).toThrow(
      /^a\.tfrecord record 7: missing feature "segment_ids"/,
    );
    const m = new Map(feats);
    m.set('masked_lm_weights', { kind: 'float', values: [1, 1, 1] });
    expect(() => recordToMaskedExample(encodeExample(m), 'r')).toThrow(RecordFormatError);
    expect(() => recordToMaskedExample(encodeExample(m), 'r')).toThrow(/"masked_lm_weights" has 3 values, expected 4/);
    m.set('masked_lm_weights', { kind: 'int64', values: [1, 1, 1, 1] });
    expect(() => recordToMaskedExample(encodeExample(m), 'r')).toThrow(
      /"masked_lm_weights" is a int64 list, expected float/,
    );
    const t = new Map(feats);
    t.set('truncated_masked_lm_probs', { kind: 'float', values: new Float32Array(4 * 3) });
    t.set('top_k_indices', { kind: 'int64', values: new Array(4 * 3 - 1).fill(0) });
    expect(() => recordToTeacherOutput(encodeExample(t), 'r')).toThrow(/"top_k_indices" has 11 values/);
    t.set('truncated_masked_lm_probs', { kind: 'float', values: new Float32Array(4 * 3 + 1) });
    expect(() => recordToTeacherOutput(encodeExample(t), 'r')).toThrow(
      /"truncated_masked_lm_probs" has 13 values, not a positive multiple/,
    );
    expect(() => recordToTeacherOutput(maskedExampleToRecord(ex), 'r')).toThrow(
      /missing feature "truncated_masked_lm_probs"/,
    );
    expect(() => recordToMaskedExample(new Uint8Array([0x0a, 0x05, 0x0a]), 'z.tfrecord record 0')).toThrow(
      /^z\.tfrecord record 0: malformed/,
    );
  });

  it('encodes and decodes seq-128 examples and k=128 teacher records in bulk', () => {
    const ex = makeExample(128, 20, 1);
    const probs = new Float32Array(20 * 128).fill(0.001);
    const ids = Int32Array.from({ length: 20 * 128 }, (_, i) => i * 7);
    let bytes = 0;
    let t0 = performance.now();
    for (let i = 0; i < 50_000; i++) bytes += maskedExampleToRecord(ex).length;
    const exPerS = 50_000 / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (let i = 0; i < 5_000; i++) bytes += teacherOutputToRecord(ex, probs, ids, 128).length;
    const tPerS = 5_000 / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    const rec = teacherOutputToRecord(ex, probs, ids, 128);
    for (let i = 0; i < 2_000; i++) bytes += recordToTeacherOutput(rec).k;
    const rPerS = 2_000 / ((performance.now() - t0) / 1000);
    console.log(
      `encode masked example: ${exPerS.toFixed(0)}/s; encode teacher record k=128: ${tPerS.toFixed(0)}/s; decode teacher record: ${rPerS.toFixed(0)}/s`,
    );
    expect(bytes).toBeGreaterThan(0);
    expect(recordToTeacherOutput(rec).topKIds).toEqual(ids);
  });
});
