import { describe, expect, it } from 'vitest';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { bestIndexes, decodeSquad, softmax, type SpanLogits } from './squadDecode.ts';
import type { SpanExample } from './squadFile.ts';
import { type SquadFeature, squadFeatures } from './squadFeatures.ts';

const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  ...'谁写了红楼梦曹雪芹于年生是的',
  'iphone',
  '##s',
  '17',
  '##15',
];
const tok = new BertTokenizer(VOCAB);

function ex(id: string, context: string, question = '谁'): SpanExample {
  return { id, question, context, answers: [], paragraphIndex: 0 };
}

/** Logits that are 0 everywhere but `bumps` (position → value). */
function logits(f: SquadFeature, start: Record<number, number>, end: Record<number, number>): SpanLogits {
  const s = new Float32Array(f.inputIds.length);
  const e = new Float32Array(f.inputIds.length);
  for (const [p, v] of Object.entries(start)) s[Number(p)] = v;
  for (const [p, v] of Object.entries(end)) e[Number(p)] = v;
  return { startLogits: s, endLogits: e };
}

describe('bestIndexes and softmax', () => {
  it('ranks by value, lower index first on ties; softmax sums to 1', () => {
    expect(bestIndexes([0.5, 2, 2, -1, 3], 3)).toEqual([4, 1, 2]);
    const p = softmax([0, 0, Math.log(2)]);
    expect(p[0]).toBeCloseTo(1 / 4, 12);
    expect(p[2]).toBeCloseTo(2 / 4, 12);
    expect(softmax([1000, 1000])).toEqual([0.5, 0.5]);
  });
});

describe('decodeSquad', () => {
  it('cuts the answer out of the original context (case, spaces and wordpieces as written)', () => {
    const e = ex('q1', '曹雪芹 iPhones 1715年生');
    const { features } = squadFeatures([e], tok, { maxSeqLength: 24 });
    const f = features[0];
    const o = f.contextOffset; // 曹 雪 芹 iphone ##s 17 ##15 年 生
    const r = decodeSquad([e], features, [logits(f, { [o + 3]: 5 }, { [o + 4]: 5 })]);
    expect(r.predictions).toEqual({ q1: 'iPhones' });
    const r2 = decodeSquad([e], features, [logits(f, { [o + 2]: 5 }, { [o + 6]: 5 })]);
    expect(r2.predictions.q1).toBe('芹 iPhones 1715');
  });

  it('skips spans outside the context, reversed, too long; ranks the rest by start + end', () => {
    const e = ex('q', '红楼梦是曹雪芹写的');
    const { features } = squadFeatures([e], tok, { maxSeqLength: 24 });
    const f = features[0];
    const o = f.contextOffset;
    const l = logits(
      f,
      { 0: 10, 1: 9, [o + 4]: 3, [o]: 2 }, // [CLS] and the question are not answers
      { [o + 6]: 3, [o + 2]: 2.5, [f.length - 1]: 9 }, // nor the final [SEP]
    );
    const r = decodeSquad([e], features, [l], { nBestSize: 4 });
    expect(r.predictions.q).toBe('曹雪芹');
    expect(r.nbest.q.map((n) => n.text)).toEqual(['曹雪芹', '红楼梦是曹雪芹', '红楼梦']);
    expect(r.nbest.q.map((n) => n.startLogit + n.endLogit)).toEqual([6, 5, 4.5]);
    const sum = r.nbest.q.reduce((a, n) => a + n.probability, 0);
    expect(sum).toBeCloseTo(1, 6);
    expect(r.nbest.q[0]).toMatchObject({ startLogit: 3, endLogit: 3, charStart: 4, charEnd: 7 });
    expect(r.nbest.q[0].probability).toBeCloseTo(Math.exp(6) / (Math.exp(6) + Math.exp(5) + Math.exp(4.5)), 6);
    // max_answer_length 3 drops the 7-token span
    const short = decodeSquad([e], features, [l], { nBestSize: 4, maxAnswerLength: 3 });
    expect(short.nbest.q.map((n) => n.text)).toEqual(['曹雪芹', '红楼梦']);
  });

  it('gives "" when no pair is valid', () => {
    const e = ex('q', '红楼梦');
    const { features } = squadFeatures([e], tok, { maxSeqLength: 12 });
    const f = features[0];
    const o = f.contextOffset;
    // the only candidates end before they start
    const r = decodeSquad([e], features, [logits(f, { [o + 2]: 5 }, { [o]: 5 })], { nBestSize: 1 });
    expect(r.predictions.q).toBe('');
    expect(r.nbest.q).toEqual([{ text: '', probability: 1, startLogit: 0, endLogit: 0, charStart: -1, charEnd: -1 }]);
  });

  it('keeps each text once in the n-best (the best-scored occurrence)', () => {
    const e = ex('q', '红楼梦是红楼梦');
    const { features } = squadFeatures([e], tok, { maxSeqLength: 16 });
    const f = features[0];
    const o = f.contextOffset;
    const r = decodeSquad([e], features, [logits(f, { [o + 4]: 2, [o]: 1 }, { [o + 6]: 2, [o + 2]: 1 })], {
      nBestSize: 3,
    });
    expect(r.nbest.q.map((n) => [n.text, n.charStart])).toEqual([
      ['红楼梦', 4],
      ['红楼梦是红楼梦', 0],
    ]);
  });

  it('takes the best span over all windows, only from the window where its start has max context', () => {
    const e = ex('q', '红楼梦红楼梦曹雪芹红楼梦');
    const { features } = squadFeatures([e], tok, { maxSeqLength: 10, maxQueryLength: 1, docStride: 2 });
    expect(features.length).toBeGreaterThan(2);
    // every window votes for 曹雪芹 (its own positions); windows where 曹 is not max context are ignored
    const all = features.map((f) => {
      const at = f.charStarts.indexOf(6);
      const end = f.charStarts.indexOf(8);
      return at >= 0 && end >= 0 ? logits(f, { [at]: 1 + f.docSpanIndex }, { [end]: 1 }) : logits(f, {}, {});
    });
    const r = decodeSquad([e], features, all);
    expect(r.predictions.q).toBe('曹雪芹');
    const owner = features.find((f) => f.tokenIsMaxContext[f.charStarts.indexOf(6)] === 1)!;
    expect(r.nbest.q[0].startLogit).toBe(1 + owner.docSpanIndex);
  });

  it('checks that logits and features agree', () => {
    const e = ex('q', '红楼梦');
    const { features } = squadFeatures([e], tok, { maxSeqLength: 12 });
    expect(() => decodeSquad([e], features, [])).toThrow(/0 logit pairs for 1 features/);
  });
});
