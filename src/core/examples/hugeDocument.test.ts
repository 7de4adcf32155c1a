/**
 * A huge document (a corpus with no blank line, or one enormous line) is turned into examples
 * as it is read: memory does not grow with the document, and the examples are those of the
 * document split into ordinary lines.
 */
import { describe, expect, it, vi } from 'vitest';
import { streamDocuments, syntheticDocuments, syntheticVocabText } from '../../testing/syntheticCorpus.ts';
import { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import * as pieces from '../tokenizer/encodeInPieces.ts';
import { createPretrainingExamples, type PretrainingOptions } from './createPretrainingData.ts';
import type { MaskedExample } from './maskedExample.ts';
import { SpanInstanceBuilder } from './spanInstances.ts';

const tokenizer = BertTokenizer.fromVocabText(syntheticVocabText(), { doLowerCase: true });
const opts: Partial<PretrainingOptions> = {
  mode: 'seed',
  maxSeqLength: 32,
  maxPredictionsPerSeq: 5,
  dupeFactor: 1,
  shuffleBufferSize: 8,
  doWholeWordMask: true,
};
// one document of many sentences
const sentences = syntheticDocuments(7, 120, { sentences: [20, 20] }).flat();

async function all(docs: string[][]): Promise<MaskedExample[]> {
  const out: MaskedExample[] = [];
  for await (const ex of createPretrainingExamples(streamDocuments(docs), tokenizer, opts)) out.push(ex);
  return out;
}

describe('a huge document', () => {
  it('gives its first example after about a shuffle buffer of instances, not after the whole document', async () => {
    let made = 0;
    const original = SpanInstanceBuilder.prototype.document;
    const spy = vi.spyOn(SpanInstanceBuilder.prototype, 'document').mockImplementation(function* (
      this: SpanInstanceBuilder,
      lines: string[],
    ) {
      for (const inst of original.call(this, lines)) {
        made++;
        yield inst;
      }
    });
    try {
      const stream = createPretrainingExamples(streamDocuments([sentences]), tokenizer, opts);
      const first = await stream.next();
      expect(first.done).toBe(false);
      expect(made).toBe(opts.shuffleBufferSize! + 1);
      let total = 1;
      for await (const _ of stream) total++;
      expect(total).toBe(made);
      expect(total).toBeGreaterThan(20 * opts.shuffleBufferSize!);
    } finally {
      spy.mockRestore();
    }
  });

  it('as one enormous line gives the examples of the same text in ordinary lines, tokenised in bounded pieces', async () => {
    // joined with spaces, the text tokenises the same as line by line
    const asLines = await all([sentences]);
    const line = sentences.join(' ');
    const encode = vi.spyOn(tokenizer, 'encode');
    const oneLine = await all([[line]]);
    const longest = Math.max(...encode.mock.calls.map((c) => c[0].length));
    encode.mockRestore();
    expect(line.length).toBeGreaterThan(pieces.LINE_PIECE_CHARS * 2);
    expect(longest).toBeLessThanOrEqual(pieces.LINE_PIECE_CHARS + 1);
    expect(oneLine.length).toBe(asLines.length);
    for (let i = 0; i < asLines.length; i++) expect(oneLine[i], `example ${i}`).toEqual(asLines[i]);
  });
});
