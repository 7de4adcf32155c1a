/**
 * The CMRC 2018 metric on hand-computed cases (the numbers in the comments are worked out by
 * hand from the rules of cmrc2018_evaluate.py).
 */
import { describe, expect, it } from 'vitest';
import {
  cmrcEm,
  cmrcF1,
  evaluateCmrc2018,
  findLcs,
  formatCmrc2018Result,
  formatFixed3,
  mixedSegmentation,
  removePunctuation,
} from './cmrc2018Metric.ts';

describe('mixedSegmentation and removePunctuation', () => {
  it('one token per Chinese character and mark, NLTK words for the rest; lower-cased and stripped', () => {
    expect(mixedSegmentation('  Hello World 2018年，北京！ ')).toEqual([
      'hello',
      'world',
      '2018',
      '年',
      '，',
      '北',
      '京',
      '！',
    ]);
    expect(mixedSegmentation('  Hello World 2018年，北京！ ', true)).toEqual([
      'hello',
      'world',
      '2018',
      '年',
      '北',
      '京',
    ]);
    expect(mixedSegmentation("Don't stop.")).toEqual(['do', "n't", 'stop', '.']);
  });

  it('removing marks joins the text around them; "…" and ASCII "." are not marks', () => {
    expect(mixedSegmentation('a-b')).toEqual(['a', '-', 'b']);
    expect(mixedSegmentation('a-b', true)).toEqual(['ab']);
    expect(mixedSegmentation('好…', true)).toEqual(['好', '…']);
    expect(removePunctuation(' 《U.S.》-Army ')).toBe('u.s.army');
    expect(mixedSegmentation('')).toEqual([]);
  });
});

describe('findLcs', () => {
  it('is the longest common contiguous run, not a bag of words', () => {
    expect(findLcs([...'红楼梦作者'], [...'梦红楼'])).toEqual({ lcs: ['红', '楼'], length: 2 });
    expect(findLcs(['a', 'b'], [])).toEqual({ lcs: [], length: 0 });
    // the first longest run in the first list wins
    expect(findLcs(['x', 'y', 'p', 'q'], ['p', 'q', 'x', 'y']).lcs).toEqual(['x', 'y']);
  });
});

describe('cmrcF1 and cmrcEm', () => {
  it('Chinese: a shorter prediction', () => {
    // 北京大学 vs 北京: lcs 2, P = 2/2, R = 2/4 → F1 = 2·1·0.5 / 1.5 = 2/3
    expect(cmrcF1(['北京大学'], '北京')).toBeCloseTo(2 / 3, 15);
    expect(cmrcEm(['北京大学'], '北京')).toBe(0);
  });

  it('longest common substring: 红楼梦作者 vs 梦红楼 shares 红楼 (2), not three characters', () => {
    // P = 2/3, R = 2/5 → F1 = (8/15) / (16/15) = 0.5
    expect(cmrcF1(['红楼梦作者'], '梦红楼')).toBeCloseTo(0.5, 15);
  });

  it('mixed English and numbers', () => {
    // answer: iphone 12 pro 发 布 于 2020 年 (8); prediction: iphone 12 发 布 (4); lcs 2
    // P = 2/4, R = 2/8 → F1 = 2·0.5·0.25 / 0.75 = 1/3
    expect(cmrcF1(['iPhone 12 Pro发布于2020年'], 'iphone 12发布')).toBeCloseTo(1 / 3, 15);
  });

  it('punctuation: the marks are ignored, ASCII "." is not', () => {
    expect(cmrcF1(['《红楼梦》'], '红楼梦')).toBe(1);
    expect(cmrcEm(['《红楼梦》'], '红楼梦')).toBe(1);
    // do n't stop (3) vs do n't stop . (4): P = 3/4, R = 1 → F1 = 1.5 / 1.75 = 6/7
    expect(cmrcF1(["Don't stop"], "don't stop.")).toBeCloseTo(6 / 7, 15);
    expect(cmrcEm(["Don't stop"], "don't stop.")).toBe(0);
    expect(cmrcEm(['a-b'], 'AB')).toBe(1);
  });

  it('several gold answers: the best one counts', () => {
    // vs 1715年: lcs 1 (年), P = 1/6, R = 1/2 → 0.25; vs 清朝康熙五十四年: lcs 6, P = 1, R = 6/8 → 6/7
    expect(cmrcF1(['1715年', '清朝康熙五十四年'], '康熙五十四年')).toBeCloseTo(6 / 7, 15);
    expect(cmrcEm(['1715年', '康熙五十四年'], ' 康熙五十四年。')).toBe(1);
  });

  it('empty prediction scores 0', () => {
    expect(cmrcF1(['北京'], '')).toBe(0);
    expect(cmrcEm(['北京'], '')).toBe(0);
  });
});

describe('evaluateCmrc2018', () => {
  const dataset = {
    version: 'v1.0',
    data: [
      {
        paragraphs: [
          {
            context: '…',
            qas: [
              { id: 'Q1', question: '?', answers: [{ text: '红楼梦', answer_start: 0 }] },
              { id: 'Q2', question: '?', answers: [{ text: '北京大学', answer_start: 0 }] },
            ],
          },
        ],
      },
      { paragraphs: [{ context: '…', qas: [{ id: 'Q3', question: '?', answers: [{ text: '曹雪芹' }] }] }] },
    ],
  };

  it('averages over every question, a missing prediction counting 0 and as SKIP', () => {
    const unanswered: string[] = [];
    const r = evaluateCmrc2018(
      dataset,
      { Q1: '《红楼梦》', Q2: '北京', Q9: 'x' },
      { file: 'pred.json', onUnanswered: (id) => unanswered.push(id) },
    );
    // F1 = 100 · (1 + 2/3) / 3 = 55.556; EM = 100 · 1/3 = 33.333; AVERAGE = 44.444
    expect(r.F1).toBeCloseTo(500 / 9, 10);
    expect(r.EM).toBeCloseTo(100 / 3, 10);
    expect(r.AVERAGE).toBeCloseTo(400 / 9, 10);
    expect([r.TOTAL, r.SKIP, r.FILE]).toEqual([3, 1, 'pred.json']);
    expect(unanswered).toEqual(['Q3']);
    expect(formatCmrc2018Result(r)).toBe(
      '{"AVERAGE": "44.444", "F1": "55.556", "EM": "33.333", "TOTAL": 3, "SKIP": 1, "FILE": "pred.json"}',
    );
  });

  it("reads CMRC's original layout and non-string predictions as Python's str()", () => {
    const original = [{ context_text: '…', qas: [{ query_id: 'A', answers: ['1715', 'True'] }] }];
    expect(evaluateCmrc2018(original, { A: 1715 }).EM).toBe(100);
    expect(evaluateCmrc2018(original, { A: true }).EM).toBe(100);
  });

  it('rejects what the script cannot score', () => {
    expect(() => evaluateCmrc2018({ data: [] }, {}, { datasetName: 'dev.json' })).toThrow(
      /^dev\.json: has no questions$/,
    );
    expect(() => evaluateCmrc2018(dataset, [], { file: 'p.json' })).toThrow(/^p\.json: must hold a JSON object/);
    const noAnswers = { data: [{ paragraphs: [{ qas: [{ id: 'Z', answers: [] }] }] }] };
    expect(() =>
      evaluateCmrc2018(
        noAnswers,
        { Z: 'a' },
        { datasetName: 'dev.json', locateInDataset: (s) => (s === '"Z"' ? 7 : undefined) },
      ),
    ).toThrow(/^dev\.json: question Z has no reference answer .* \(line 7\)$/);
  });
});

describe('formatFixed3 and the output line', () => {
  it("rounds as Python's '%.3f' (exact ties to even)", () => {
    const cases: [number, string][] = [
      [0.0625, '0.062'],
      [12.1875, '12.188'],
      [0.3125, '0.312'],
      [55.55555555555556, '55.556'],
      [100, '100.000'],
      [0, '0.000'],
      [2.0005, '2.001'],
      [1.0005, '1.000'],
      [0.0005, '0.001'],
      [99.99950000000001, '100.000'],
      [85.7142857142857, '85.714'],
    ];
    for (const [x, s] of cases) expect([x, formatFixed3(x)]).toEqual([x, s]);
  });

  it('writes the file name as Python json.dumps does (ASCII only)', () => {
    const line = formatCmrc2018Result({ AVERAGE: 1, F1: 1, EM: 1, TOTAL: 1, SKIP: 0, FILE: '预测 "x".json' });
    expect(line).toBe(
      '{"AVERAGE": "1.000", "F1": "1.000", "EM": "1.000", "TOTAL": 1, "SKIP": 0, "FILE": "\\u9884\\u6d4b \\"x\\".json"}',
    );
  });
});
