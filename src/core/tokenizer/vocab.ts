/**
 * Reading a WordPiece `vocab.txt`: one token per line, the line number is the token id.
 *
 * Lines end in "\n", "\r\n" or a lone "\r" — exactly the line ends that Hugging Face's
 * Python BertTokenizer sees (it opens the file in Python's universal-newline text mode and
 * strips the trailing "\n"). Nothing else ends a line: the Chinese vocabulary has tokens
 * made of U+2028 (LINE SEPARATOR), at ids 343 and 13502, which must stay tokens.
 * A final line end is optional. A leading byte-order mark is dropped (Python would keep it
 * glued to token 0, which only hides "[PAD]").
 */

/** Splits vocab.txt text into tokens; index = token id. */
export function parseVocab(text: string): string[] {
  const tokens: string[] = [];
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let i = start;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) {
      tokens.push(text.slice(start, i));
      start = ++i;
    } else if (c === 13 /* \r */) {
      tokens.push(text.slice(start, i));
      i += text.charCodeAt(i + 1) === 10 ? 2 : 1;
      start = i;
    } else {
      i++;
    }
  }
  if (start < n) tokens.push(text.slice(start));
  return tokens;
}

/**
 * Token → id map in the way Hugging Face builds it: when a token appears twice, the later
 * line wins (the earlier id can still be turned back into its text, but is never produced).
 */
export function vocabIndex(tokens: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (let i = 0; i < tokens.length; i++) map.set(tokens[i], i);
  return map;
}
