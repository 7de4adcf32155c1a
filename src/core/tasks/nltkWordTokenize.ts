/**
 * NLTK's word tokenizer (NLTKWordTokenizer, the improved Penn Treebank tokenizer that
 * nltk.word_tokenize runs on each sentence, NLTK 3.8), ported rule for rule: the same regular
 * expression substitutions in the same order, then a split on whitespace. The CMRC 2018 metric
 * uses it for the non-Chinese runs of answers.
 *
 * Python's regex classes are Unicode-aware where JavaScript's are not, so they are spelt out:
 * \w → letters, numbers, underscore; \d → decimal digits; \s → Python's whitespace; \b → a
 * look-around on \w; and Python's `$` also matches before a final newline.
 *
 * Not ported: the Punkt sentence splitter that nltk.word_tokenize runs first. It needs NLTK's
 * trained English model and only matters where a period is followed by a space and more text
 * inside one run ("ends. next"): Punkt would split the period off unless the word is an
 * abbreviation, an initial or a number ("henry a. walsh", "st. paul" are not split by either).
 */

const W = '[\\p{L}\\p{N}_]';
const NOT_W = `(?!${W})`;
const AFTER_NON_W = `(?<!${W})`;
const PY_SPACE = '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
/** Python's `$` without MULTILINE: the end, or just before a newline that ends the text. */
const END = '(?=\\n?$)';

type Rule = [RegExp, string];

const STARTING_QUOTES: Rule[] = [
  [/([«“‘„]|`+)/gu, ' $1 '],
  [/^"/u, '``'],
  [/(``)/gu, ' $1 '],
  [/([ ([{<])("|'{2})/gu, '$1 `` '],
  [new RegExp(`(')(?!re|ve|ll|m|t|s|d|n)(${W})${NOT_W}`, 'giu'), '$1 $2'],
];

const PUNCTUATION: Rule[] = [
  [new RegExp(`([^.])(\\.)([\\]\\)}>"'»”’ ]*)${PY_SPACE}*${END}`, 'u'), '$1 $2 $3 '],
  [/([:,])([^\p{Nd}])/gu, ' $1 $2'],
  [new RegExp(`([:,])${END}`, 'gu'), ' $1 '],
  [/\.{2,}/gu, ' $& '],
  [/[;@#$%&]/gu, ' $& '],
  [new RegExp(`([^.])(\\.)([\\]\\)}>"']*)${PY_SPACE}*${END}`, 'u'), '$1 $2$3 '],
  [/[?!]/gu, ' $& '],
  [/([^'])' /gu, "$1 ' "],
  [/[*]/gu, ' $& '],
];

const PARENS_BRACKETS: Rule = [/[\][(){}<>]/gu, ' $& '];
const DOUBLE_DASHES: Rule = [/--/gu, ' -- '];

const ENDING_QUOTES: Rule[] = [
  [/([»”’])/gu, ' $1 '],
  [/''/gu, " '' "],
  [/"/gu, " '' "],
  [/([^' ])('[sS]|'[mM]|'[dD]|') /gu, '$1 $2 '],
  [/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, '$1 $2 '],
];

/** Robert MacIntyre's contractions, split in two: cannot, d'ye, gimme, gonna, gotta, lemme, more'n, wanna; 'tis, 'twas. */
const CONTRACTIONS: Rule[] = [
  ...[
    ['can', 'not'],
    ['d', "'ye"],
    ['gim', 'me'],
    ['gon', 'na'],
    ['got', 'ta'],
    ['lem', 'me'],
    ['more', "'n"],
  ].map(([a, b]): Rule => [new RegExp(`${AFTER_NON_W}(${a})(${b})${NOT_W}`, 'giu'), ' $1 $2 ']),
  [new RegExp(`${AFTER_NON_W}(wan)(na)(?=${PY_SPACE})`, 'giu'), ' $1 $2 '],
  [new RegExp(` ('t)(is)${NOT_W}`, 'giu'), ' $1 $2 '],
  [new RegExp(` ('t)(was)${NOT_W}`, 'giu'), ' $1 $2 '],
];

function apply(text: string, rules: readonly Rule[]): string {
  let t = text;
  for (const [re, to] of rules) t = t.replace(re, to);
  return t;
}

/** Splits on Python's whitespace (str.split() without arguments). */
function pythonSplit(text: string): string[] {
  return text.split(new RegExp(`${PY_SPACE}+`, 'u')).filter((t) => t.length > 0);
}

/** NLTKWordTokenizer().tokenize(text): Treebank-style words, quotes as `` and ''. */
export function nltkWordTokenize(text: string): string[] {
  let t = apply(text, STARTING_QUOTES);
  t = apply(t, PUNCTUATION);
  t = apply(t, [PARENS_BRACKETS, DOUBLE_DASHES]);
  t = ` ${t} `;
  t = apply(t, ENDING_QUOTES);
  t = apply(t, CONTRACTIONS);
  return pythonSplit(t);
}
