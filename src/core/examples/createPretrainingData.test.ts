import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithRef, refDocuments, refPath } from '../../testing/refData.ts';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import { createPretrainingExamples, type PretrainingOptions } from './createPretrainingData.ts';
import type { MaskedExample } from './maskedExample.ts';
import { numToPredict } from './masking.ts';
import { seedSpans } from './spanInstances.ts';
import { RARE_CHAR, streamDocuments, syntheticDocuments, syntheticVocabText } from '../../testing/syntheticCorpus.ts';
import { loadSegmenter } from './wordSegmenter.ts';

const tokenizer = BertTokenizer.fromVocabText(syntheticVocabText(), { doLowerCase: true });

async function collect(docs: string[][], opts: Partial<PretrainingOptions>, tok = tokenizer): Promise<MaskedExample[]> {
  const out: MaskedExample[] = [];
  for await (const ex of createPretrainingExamples(streamDocuments(docs), tok, opts)) out.push(ex);
  return out;
}

/** One string per example holding all of its values, for cheap comparisons of long runs. */
function fingerprint(exs: MaskedExample[]): string[] {
  return exs.map((ex) =>
    [
      ex.inputIds,
      ex.inputMask,
      ex.segmentIds,
      ex.maskedLmPositions,
      ex.maskedLmIds,
      ex.maskedLmWeights,
      [ex.nextSentenceLabel],
    ]
      .map((a) => Array.from(a).join(','))
      .join('|'),
  );
}

/** The unmasked token ids of an example (labels put back), without padding. */
function original(ex: MaskedExample): number[] {
  const n = ex.inputMask.reduce((a, b) => a + b, 0);
  const ids = Array.from(ex.inputIds.subarray(0, n));
  for (let k = 0; k < ex.maskedLmPositions.length; k++) {
    if (ex.maskedLmWeights[k] === 1) ids[ex.maskedLmPositions[k]] = ex.maskedLmIds[k];
  }
  return ids;
}

/**
 * Every structural promise of an example; returns its real length. Checks with plain
 * comparisons (thousands of examples) and fails once with the first problem found.
 */
function checkShape(
  ex: MaskedExample,
  maxSeq: number,
  maxPred: number,
  tok: BertTokenizer,
  maskedLmProb = 0.15,
): number {
  const problems: string[] = [];
  const want = (ok: boolean, what: string) => {
    if (!ok && problems.length < 5) problems.push(what);
  };
  want(
    ex.inputIds.length === maxSeq && ex.inputMask.length === maxSeq && ex.segmentIds.length === maxSeq,
    'sequence feature lengths',
  );
  want(
    ex.maskedLmPositions.length === maxPred &&
      ex.maskedLmIds.length === maxPred &&
      ex.maskedLmWeights.length === maxPred,
    'prediction feature lengths',
  );
  const n = ex.inputMask.reduce((a, b) => a + b, 0);
  want(n >= 5, `length ${n} < 5`);
  for (let i = 0; i < maxSeq; i++) {
    want(ex.inputMask[i] === (i < n ? 1 : 0), `input_mask[${i}] is not a prefix of ones`);
    if (i >= n) want(ex.inputIds[i] === 0 && ex.segmentIds[i] === 0, `padding at ${i} is not 0`);
  }
  const ids = original(ex);
  want(ids[0] === tok.clsId, 'no [CLS] first');
  want(ids[n - 1] === tok.sepId, 'no [SEP] last');
  const seps = ids.map((id, i) => (id === tok.sepId ? i : -1)).filter((i) => i >= 0);
  want(seps.length === 2, `${seps.length} [SEP] tokens`);
  // Segment A is [CLS] ... first [SEP]; B follows.
  for (let i = 0; i < n; i++) want(ex.segmentIds[i] === (i <= seps[0] ? 0 : 1), `segment_ids[${i}]`);
  want(seps[0] > 1, 'empty segment A');
  want(seps[1] - seps[0] > 1, 'empty segment B');
  const preds = ex.maskedLmWeights.reduce((a, b) => a + b, 0);
  want(preds > 0 && preds <= numToPredict(n, maskedLmProb, maxPred), `${preds} predictions for length ${n}`);
  for (let k = 0; k < maxPred; k++) {
    want(ex.maskedLmWeights[k] === (k < preds ? 1 : 0), `masked_lm_weights[${k}]`);
    const p = ex.maskedLmPositions[k];
    if (k >= preds) {
      want(p === 0 && ex.maskedLmIds[k] === 0, `prediction padding at ${k} is not 0`);
    } else {
      want(k === 0 || p > ex.maskedLmPositions[k - 1], 'positions not sorted');
      want(p > 0 && p < n - 1 && p !== seps[0], `position ${p} is [CLS]/[SEP]/padding`);
      want(![tok.clsId, tok.sepId, tok.padId].includes(ex.maskedLmIds[k]), `label ${ex.maskedLmIds[k]} is special`);
    }
  }
  expect(problems).toEqual([]);
  return n;
}

describe('seedSpans', () => {
  it('cuts at most maxTokens per span, a new span every min(length, stride) tokens', () => {
    expect(seedSpans(300, 125, 256)).toEqual([
      [0, 125],
      [125, 125],
      [250, 50],
    ]);
    expect(seedSpans(200, 125, 50)).toEqual([
      [0, 125],
      [50, 125],
      [100, 100],
    ]);
  });
  it('drops a last span shorter than 10% of maxTokens, even when it is the only one', () => {
    expect(seedSpans(130, 125, 256)).toEqual([[0, 125]]); // remainder of 5 < 12.5
    expect(seedSpans(138, 125, 256)).toEqual([
      [0, 125],
      [125, 13],
    ]);
    expect(seedSpans(10, 125, 256)).toEqual([]);
    expect(seedSpans(0, 125, 256)).toEqual([]);
  });
});

describe('createPretrainingExamples, seed mode', () => {
  const docs = syntheticDocuments(1, 60);

  it('produces padded, well-formed examples with next_sentence_labels = 1', async () => {
    const exs = await collect(docs, { maxSeqLength: 64, maxPredictionsPerSeq: 10, dupeFactor: 2 });
    expect(exs.length).toBeGreaterThan(100);
    for (const ex of exs) {
      const n = checkShape(ex, 64, 10, tokenizer);
      expect(n).toBeLessThanOrEqual(64);
      expect(ex.nextSentenceLabel).toBe(1);
    }
  });

  it('cuts each document into spans with doc_stride, dropping the short remainder', async () => {
    // short_seq_prob = 1 fixes the target at max_seq_length: spans of 29 tokens, a new one every 10.
    const long = [docs.flat()];
    const tokens = long[0].flatMap((l) => tokenizer.encode(l));
    const exs = await collect(long, {
      maxSeqLength: 32,
      shortSeqProb: 1,
      docStride: 10,
      dupeFactor: 1,
      shuffleBufferSize: 0,
    });
    const expected = seedSpans(tokens.length, 29, 10);
    expect(expected.length).toBeGreaterThan(20);
    expect(exs.length).toBe(expected.length);
    exs.forEach((ex, k) => {
      const ids = original(ex).filter((id) => id !== tokenizer.clsId && id !== tokenizer.sepId);
      const [start, len] = expected[k];
      expect(ids).toEqual(tokens.slice(start, start + len));
    });
    // The remainder past the last span is shorter than 10% of 29 tokens... or there is none.
    const [lastStart, lastLen] = expected[expected.length - 1];
    expect(tokens.length - (lastStart + lastLen)).toBeLessThan(10);
  });

  it('draws each dupe pass its own target length between short_seq_prob*max and max', async () => {
    const long = [docs.flat()];
    const tokens = long[0].flatMap((l) => tokenizer.encode(l));
    const exs = await collect(long, { maxSeqLength: 128, shortSeqProb: 0.1, dupeFactor: 30 });
    // The first span of each pass starts at the document's first token and is target-3 tokens long.
    const targets: number[] = [];
    for (const ex of exs) {
      const ids = original(ex).filter((id) => id !== tokenizer.clsId && id !== tokenizer.sepId);
      if (ids.every((id, i) => id === tokens[i])) targets.push(ids.length + 3);
    }
    expect(targets.length).toBe(30);
    expect(Math.min(...targets)).toBeGreaterThanOrEqual(12);
    expect(Math.max(...targets)).toBeLessThanOrEqual(128);
    expect(new Set(targets).size).toBeGreaterThan(15);
  });

  it('drops [UNK] tokens', async () => {
    const withUnk = syntheticDocuments(2, 30, { unkRate: 0.1 });
    expect(withUnk.flat().join('')).toContain(RARE_CHAR);
    const seed = await collect(withUnk, { maxSeqLength: 64, dupeFactor: 2 });
    expect(seed.length).toBeGreaterThan(20);
    for (const ex of seed) expect(original(ex)).not.toContain(tokenizer.unkId);
    // bert mode keeps them, as Google BERT does.
    const bert = await collect(withUnk, { mode: 'bert', maxSeqLength: 64, dupeFactor: 2 });
    expect(bert.some((ex) => original(ex).includes(tokenizer.unkId))).toBe(true);
  });

  it('skips documents shorter than min_document_chars', async () => {
    const short = [['中国经济'], ['北京的图书馆很好'], ['我们研究经济发展，他们研究历史文化。'.repeat(3)]];
    const exs = await collect(short, { maxSeqLength: 32, shortSeqProb: 1, dupeFactor: 1 });
    const content = exs.flatMap((ex) => original(ex));
    expect(content).not.toContain(tokenizer.idOf('京'));
    expect(content).toContain(tokenizer.idOf('历'));
    const all = await collect(short, { maxSeqLength: 32, shortSeqProb: 1, dupeFactor: 1, minDocumentChars: 0 });
    expect(all.length).toBeGreaterThan(exs.length);
  });

  it('counts a document\'s characters before "<eop>" removal, in code points, as the seed\'s len(content)', async () => {
    // 15 characters + "<eop>" = 20 raw characters: the seed keeps it (its test is len(content) < 20)
    const withEop = [['我们研究经济发展他们研究历史<eop>文']];
    const kept = await collect(withEop, { maxSeqLength: 32, shortSeqProb: 1, dupeFactor: 1 });
    expect(kept.length).toBeGreaterThan(0);
    for (const ex of kept) expect(original(ex)).not.toContain(tokenizer.unkId);
    // one character fewer (19 raw) is skipped
    const tooShort = await collect([['我们研究经济发展他们研究历<eop>文']], {
      maxSeqLength: 32,
      shortSeqProb: 1,
      dupeFactor: 1,
    });
    expect(tooShort).toEqual([]);
  });

  it('is deterministic for a random seed and differs for another', async () => {
    const opts = { maxSeqLength: 64, dupeFactor: 2, doWholeWordMask: true };
    const a = fingerprint(await collect(docs, { ...opts, randomSeed: 7 }));
    const b = fingerprint(await collect(docs, { ...opts, randomSeed: 7 }));
    const c = fingerprint(await collect(docs, { ...opts, randomSeed: 8 }));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('hands out the examples built before a failing document stream, then the error', async () => {
    async function* failing() {
      for (const d of docs.slice(0, 10)) yield d;
      throw new Error('corpus.txt: not valid UTF-8 at byte 1234');
    }
    const got: MaskedExample[] = [];
    const run = async () => {
      for await (const ex of createPretrainingExamples(failing(), tokenizer, {
        dupeFactor: 2,
        shuffleBufferSize: 10000,
      }))
        got.push(ex);
    };
    await expect(run()).rejects.toThrow(/byte 1234/);
    const all = await collect(docs.slice(0, 10), { dupeFactor: 2, shuffleBufferSize: 10000 });
    expect(all.length).toBeGreaterThan(0);
    expect(got.length).toBe(all.length);
  });

  it('shuffles through a bounded buffer without changing the examples themselves', async () => {
    const opts = { maxSeqLength: 64, dupeFactor: 2 };
    const ordered = await collect(docs, { ...opts, shuffleBufferSize: 0 });
    const shuffled = await collect(docs, { ...opts, shuffleBufferSize: 50 });
    const key = (ex: MaskedExample) =>
      Array.from(ex.inputIds).join(',') + '|' + Array.from(ex.maskedLmPositions).join(',');
    expect(shuffled.map(key).sort()).toEqual(ordered.map(key).sort());
    expect(shuffled.map(key)).not.toEqual(ordered.map(key));
    // An example leaves at most 50 + (examples of one document) places before... it never goes
    // out before it came in, and the buffer holds no more than 50.
    const firstIndex = new Map(ordered.map((ex, i) => [key(ex), i]));
    shuffled.forEach((ex, i) => {
      expect(firstIndex.get(key(ex))!).toBeLessThanOrEqual(i + 50);
    });
  });

  it('reports progress', async () => {
    const seen: Array<{ documents: number; examples: number }> = [];
    let count = 0;
    for await (const _ of createPretrainingExamples(
      streamDocuments(docs),
      tokenizer,
      { dupeFactor: 1 },
      { onProgress: (p) => seen.push(p) },
    ))
      count++;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toEqual({ documents: docs.length, examples: count });
  });

  it('rejects bad options with the option named', async () => {
    await expect(collect(docs, { maxSeqLength: 3 })).rejects.toThrow(/max_seq_length/);
    await expect(collect(docs, { maskedLmProb: 1.5 })).rejects.toThrow(/masked_lm_prob/);
    await expect(collect(docs, { mode: 'xlnet' as 'seed' })).rejects.toThrow(/mode/);
  });
});

describe('whole-word masking in examples', () => {
  /** Runs of Chinese characters between other tokens; with the corpus below each run is one jieba word. */
  function wordRuns(ids: number[], isWordChar: (id: number) => boolean): Array<[number, number]> {
    const runs: Array<[number, number]> = [];
    let i = 0;
    while (i < ids.length) {
      if (!isWordChar(ids[i])) {
        i++;
        continue;
      }
      let j = i;
      while (j < ids.length && isWordChar(ids[j])) j++;
      runs.push([i, j]);
      i = j;
    }
    return runs;
  }

  it('masks a multi-character jieba word all or nothing, and English ## pieces together', async () => {
    const seg = await loadSegmenter();
    expect(seg.cut('中华人民共和国，playing。')[0]).toBe('中华人民共和国');
    const docs: string[][] = [];
    for (let d = 0; d < 20; d++)
      docs.push(Array.from({ length: 30 }, () => '中华人民共和国，playing，中华人民共和国。'));
    const wordChars = new Set(tokenizer.tokensToIds([...'中华人民共和国']));
    const pieces = new Set(tokenizer.tokensToIds(['play', '##ing']));
    const stats = async (whole: boolean) => {
      const exs = await collect(docs, { maxSeqLength: 128, dupeFactor: 2, doWholeWordMask: whole });
      let partial = 0;
      let wholeMasked = 0;
      for (const ex of exs) {
        const ids = original(ex);
        const masked = new Set<number>();
        ex.maskedLmPositions.forEach((p, k) => {
          if (ex.maskedLmWeights[k] === 1) masked.add(p);
        });
        for (const isChar of [(id: number) => wordChars.has(id), (id: number) => pieces.has(id)]) {
          for (const [s, e] of wordRuns(ids, isChar)) {
            let m = 0;
            for (let i = s; i < e; i++) if (masked.has(i)) m++;
            if (m > 0 && m < e - s) partial++;
            if (m === e - s && e - s > 1) wholeMasked++;
          }
        }
      }
      return { partial, wholeMasked, examples: exs.length };
    };
    const on = await stats(true);
    expect(on.examples).toBeGreaterThan(20);
    expect(on.partial).toBe(0);
    expect(on.wholeMasked).toBeGreaterThan(20);
    const off = await stats(false);
    expect(off.partial).toBeGreaterThan(20);
  });
});

describe('createPretrainingExamples, bert mode', () => {
  const docs = syntheticDocuments(3, 80, { sentences: [4, 20], words: [3, 10] });

  it('draws a random next sentence about half the time, with well-formed examples', async () => {
    const exs = await collect(docs, { mode: 'bert', maxSeqLength: 64, maxPredictionsPerSeq: 10, dupeFactor: 3 });
    expect(exs.length).toBeGreaterThan(300);
    let random = 0;
    for (const ex of exs) {
      checkShape(ex, 64, 10, tokenizer);
      expect([0, 1]).toContain(ex.nextSentenceLabel);
      random += ex.nextSentenceLabel;
    }
    const ratio = random / exs.length;
    expect(ratio).toBeGreaterThan(0.42);
    expect(ratio).toBeLessThan(0.62);
  });

  it('keeps actual-next pairs in document order and truncates pairs to max_seq_length', async () => {
    // Each sentence is unique, so an actual-next pair shows A's last sentence followed by B's first.
    const numbered = Array.from({ length: 30 }, (_, d) =>
      Array.from({ length: 12 }, (_, s) => `${'中国北京'[d % 4]}${'我们在研究经济'.slice(0, 1 + (s % 6))}`),
    );
    const exs = await collect(numbered, { mode: 'bert', maxSeqLength: 40, dupeFactor: 2, shortSeqProb: 0 });
    for (const ex of exs) checkShape(ex, 40, 20, tokenizer);
    expect(exs.some((ex) => ex.inputMask.reduce((a, b) => a + b, 0) === 40)).toBe(true);
  });

  it('counts a document\'s characters before "<eop>" removal, in code points, as the seed\'s len(content)', async () => {
    // 15 characters + "<eop>" = 20 raw characters: the seed keeps it (its test is len(content) < 20)
    const withEop = [['我们研究经济发展他们研究历史<eop>文']];
    const kept = await collect(withEop, { maxSeqLength: 32, shortSeqProb: 1, dupeFactor: 1 });
    expect(kept.length).toBeGreaterThan(0);
    for (const ex of kept) expect(original(ex)).not.toContain(tokenizer.unkId);
    // one character fewer (19 raw) is skipped
    const tooShort = await collect([['我们研究经济发展他们研究历<eop>文']], {
      maxSeqLength: 32,
      shortSeqProb: 1,
      dupeFactor: 1,
    });
    expect(tooShort).toEqual([]);
  });

  it('is deterministic for a random seed and differs for another', async () => {
    const opts = { mode: 'bert' as const, maxSeqLength: 64, dupeFactor: 2 };
    const a = fingerprint(await collect(docs, { ...opts, randomSeed: 1 }));
    expect(fingerprint(await collect(docs, { ...opts, randomSeed: 1 }))).toEqual(a);
    expect(fingerprint(await collect(docs, { ...opts, randomSeed: 2 }))).not.toEqual(a);
  });
});

describeWithRef('createPretrainingExamples on ../shared/ref/corpus-zh with the real Chinese vocabulary', () => {
  it('builds well-formed whole-word-masked examples from clue_sample_zh.txt', async () => {
    const vocab = readFileSync(refPath('vocab-bert-chinese', 'vocab.txt'), 'utf8');
    const tok = BertTokenizer.fromVocabText(vocab, { doLowerCase: true });
    const docs = await refDocuments('corpus-zh', 'clue_sample_zh.txt');
    expect(docs.length).toBeGreaterThan(1);
    const exs = await collect(docs, { doWholeWordMask: true, dupeFactor: 2 }, tok);
    expect(exs.length).toBeGreaterThan(10);
    let multiCharGroups = 0;
    for (const ex of exs) {
      checkShape(ex, 128, 20, tok);
      expect(original(ex)).not.toContain(tok.unkId);
      // Adjacent masked positions holding Chinese characters: whole words at work.
      for (let k = 1; k < 20; k++) {
        if (ex.maskedLmWeights[k] === 1 && ex.maskedLmPositions[k] === ex.maskedLmPositions[k - 1] + 1)
          multiCharGroups++;
      }
    }
    expect(multiCharGroups).toBeGreaterThan(exs.length);
  });
});
