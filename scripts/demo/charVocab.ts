/**
 * The demo vocabulary, derived from the demo corpus: BERT's five special
 * tokens, then every character seen at least `minCount` times, most frequent
 * first (ties by code point), one per line as vocab.txt. Chinese text needs
 * no `##` pieces: BERT's tokenizer splits every CJK character and punctuation
 * mark into its own token, so a character list is a complete vocabulary for it.
 */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export function buildCharVocab(text: string, minCount: number): string[] {
  const counts = new Map<string, number>();
  for (const ch of text) {
    if (/\s/u.test(ch)) continue;
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  const chars = [...counts]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0].codePointAt(0) ?? 0) - (b[0].codePointAt(0) ?? 0))
    .map(([ch]) => ch);
  return [...SPECIAL_TOKENS, ...chars];
}

/** vocab.txt text: one token per line, "\n" separated, final newline. */
export function vocabToText(tokens: string[]): string {
  return tokens.join('\n') + '\n';
}
