import { describe, expect, it } from 'vitest';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import type { SpanExample } from './squadFile.ts';
import { docSpans, isMaxContext, squadFeatures, tokenSpanOfChars } from './squadFeatures.ts';

const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  ...'谁写了红楼梦曹雪芹于年生',
  'iphone',
  '##s',
  '17',
  '##15',
];
const tok = new BertTokenizer(VOCAB);

function example(context: string, question: string, answer?: string, id = 'q'): SpanExample {
  const start = answer === undefined ? -1 : context.indexOf(answer);
  return {
    id,
    question,
    context,
    answers: answer === undefined ? [] : [{ text: answer, answerStart: start, start }],
    paragraphIndex: 0,
  };
}

describe('docSpans and isMaxContext (run_squad)', () => {
  it('slides windows doc_stride apart, the last ending at the context end', () => {
    expect(docSpans(10, 4, 2)).toEqual([
      { start: 0, length: 4 },
      { start: 2, length: 4 },
      { start: 4, length: 4 },
      { start: 6, length: 4 },
    ]);
    expect(docSpans(10, 4, 8)).toEqual([
      { start: 0, length: 4 },
      { start: 4, length: 4 },
      { start: 8, length: 2 },
    ]);
    expect(docSpans(3, 8, 2)).toEqual([{ start: 0, length: 3 }]);
    expect(docSpans(0, 8, 2)).toEqual([{ start: 0, length: 0 }]);
  });

  it('gives a token to the window where min(left, right) + 0.01 × length is largest', () => {
    const spans = [
      { start: 0, length: 5 },
      { start: 3, length: 5 },
      { start: 6, length: 5 },
    ];
    // token 7: window 1 has left 4 / right 0 (0.05), window 2 left 1 / right 3 (1.05)
    expect([0, 1, 2].map((k) => isMaxContext(spans, k, 7))).toEqual([false, false, true]);
    // token 4: window 0 (left 4, right 0) vs window 1 (left 1, right 3)
    expect([0, 1, 2].map((k) => isMaxContext(spans, k, 4))).toEqual([false, true, false]);
    // equal scores: the first window wins
    const twins = [
      { start: 0, length: 4 },
      { start: 0, length: 4 },
    ];
    expect([isMaxContext(twins, 0, 1), isMaxContext(twins, 1, 1)]).toEqual([true, false]);
  });

  it('maps characters to the tightest token run covering them', () => {
    const starts = [0, 1, 3, 6];
    const ends = [1, 3, 6, 7];
    expect(tokenSpanOfChars(starts, ends, 1, 6)).toEqual([1, 2]);
    expect(tokenSpanOfChars(starts, ends, 4, 5)).toEqual([2, 2]);
    expect(tokenSpanOfChars(starts, ends, 7, 9)).toBeUndefined();
  });
});

describe('squadFeatures', () => {
  it('lays out [CLS] question [SEP] context [SEP] with segment ids, offsets and answer positions', () => {
    const ex = example('红楼梦是曹雪芹写的', '谁写了红楼梦', '曹雪芹');
    const { features } = squadFeatures([ex], tok, { maxSeqLength: 20, isTraining: true });
    expect(features).toHaveLength(1);
    const f = features[0];
    const tokens = tok.idsToTokens(f.inputIds.slice(0, f.length));
    expect(tokens).toEqual([
      '[CLS]',
      ...'谁写了红楼梦',
      '[SEP]',
      ...'红楼梦',
      '[UNK]',
      ...'曹雪芹写',
      '[UNK]',
      '[SEP]',
    ]);
    expect(f.contextOffset).toBe(8);
    expect([...f.segmentIds.slice(0, f.length)]).toEqual([...Array(8).fill(0), ...Array(10).fill(1)]);
    expect([...f.inputMask]).toEqual([...Array(18).fill(1), 0, 0]);
    expect([...f.inputIds.slice(18)]).toEqual([tok.padId, tok.padId]);
    expect([f.startPosition, f.endPosition]).toEqual([12, 14]);
    expect(ex.context.slice(f.charStarts[12], f.charEnds[14])).toBe('曹雪芹');
    expect([...f.charStarts.slice(0, 9)]).toEqual([-1, -1, -1, -1, -1, -1, -1, -1, 0]);
    expect(f.charStarts[17]).toBe(-1);
  });

  it('keeps character offsets of English words, digits and wordpieces in the original context', () => {
    const ex = example('曹雪芹 iPhones 1715年', '谁', '1715');
    const { features } = squadFeatures([ex], tok, { maxSeqLength: 16, isTraining: true });
    const f = features[0];
    const pieces = tok.idsToTokens(f.inputIds.slice(f.contextOffset, f.length - 1));
    expect(pieces).toEqual(['曹', '雪', '芹', 'iphone', '##s', '17', '##15', '年']);
    const texts = pieces.map((_, k) =>
      ex.context.slice(f.charStarts[f.contextOffset + k], f.charEnds[f.contextOffset + k]),
    );
    expect(texts).toEqual(['曹', '雪', '芹', 'iPhone', 's', '17', '15', '年']);
    expect([f.startPosition, f.endPosition]).toEqual([f.contextOffset + 5, f.contextOffset + 6]);
  });

  it('cuts the question to max_query_length and the context into windows; 0/0 where the answer is outside', () => {
    const context = '红楼梦红楼梦红楼梦曹雪芹红楼梦'; // 15 tokens
    const ex = example(context, '谁写了红楼梦谁写了', '曹雪芹');
    const { features, answerOutsideWindow } = squadFeatures([ex], tok, {
      maxSeqLength: 12,
      maxQueryLength: 3,
      docStride: 3,
      isTraining: true,
    });
    // room for 12 - 3 - 3 = 6 context tokens: windows start at 0, 3, 6, 9
    expect(features.map((f) => f.docSpanIndex)).toEqual([0, 1, 2, 3]);
    expect(tok.idsToTokens(features[0].inputIds.slice(0, 5))).toEqual(['[CLS]', '谁', '写', '了', '[SEP]']);
    expect(features.map((f) => [f.startPosition, f.endPosition])).toEqual([
      [0, 0],
      [0, 0],
      [8, 10], // window 6..11 holds 曹雪芹 (tokens 9..11) at 5 + 3..5
      [5, 7], // window 9..14
    ]);
    expect(answerOutsideWindow).toBe(2);
    // every context token is max-context in exactly one window
    const owners = new Map<number, number>();
    for (const f of features) {
      for (let p = f.contextOffset; p < f.length - 1; p++) {
        if (f.tokenIsMaxContext[p]) owners.set(f.charStarts[p], (owners.get(f.charStarts[p]) ?? 0) + 1);
      }
    }
    expect(owners.size).toBe(15);
    expect([...owners.values()].every((n) => n === 1)).toBe(true);
  });

  it('for evaluation keeps examples without a usable answer; for training skips and counts them', () => {
    const ok = example('曹雪芹', '谁', '曹雪芹', 'a');
    const missing: SpanExample = {
      ...example('曹雪芹', '谁', undefined, 'b'),
      answers: [{ text: '高鹗', answerStart: -1, start: -1 }],
    };
    const evalSet = squadFeatures([ok, missing], tok, { maxSeqLength: 16 });
    expect(evalSet.features.map((f) => [f.exampleIndex, f.startPosition])).toEqual([
      [0, -1],
      [1, -1],
    ]);
    const trainSet = squadFeatures([ok, missing], tok, { maxSeqLength: 16, isTraining: true });
    expect(trainSet.features.map((f) => f.exampleIndex)).toEqual([0]);
    expect(trainSet.skippedExamples).toBe(1);
  });

  it('refuses lengths that leave no room for the context', () => {
    expect(() => squadFeatures([example('红', '谁写了红楼梦')], tok, { maxSeqLength: 8 })).toThrow(
      /max_seq_length 8 leaves no room for the context after a question of 6 tokens/,
    );
  });
});
