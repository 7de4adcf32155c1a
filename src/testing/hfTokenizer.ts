/**
 * For tests and the benchmark only: Hugging Face's BertTokenizer (from the
 * @huggingface/transformers devDependency) built offline from a vocabulary, configured as
 * bert-base-chinese's tokenizer.json is (BertNormalizer, BertPreTokenizer, WordPiece with
 * "##" and 100 chars per word, the five special tokens as unnormalized added tokens).
 * Nothing is downloaded. The product never imports this file.
 */

export interface HfBertTokenizer {
  /** Wordpieces without [CLS]/[SEP]. */
  tokenize(text: string): string[];
  /** Ids without [CLS]/[SEP]. */
  encode(text: string): number[];
}

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/** The tokenizer.json object Hugging Face would write for a BERT vocab. */
export function hfTokenizerJson(vocab: readonly string[], doLowerCase: boolean): Record<string, unknown> {
  const ids: Record<string, number> = Object.create(null);
  vocab.forEach((t, i) => {
    ids[t] = i; // the later line wins, as in Hugging Face's load_vocab
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.filter((s) => s in ids).map((s) => ({
      id: ids[s],
      content: s,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: doLowerCase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

/** Builds @huggingface/transformers' BertTokenizer for `vocab` (no network). */
export async function loadHfBertTokenizer(vocab: readonly string[], doLowerCase = true): Promise<HfBertTokenizer> {
  const { BertTokenizer } = await import('@huggingface/transformers');
  const config = {
    do_lower_case: doLowerCase,
    tokenize_chinese_chars: true,
    strip_accents: null,
    unk_token: '[UNK]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    cls_token: '[CLS]',
    mask_token: '[MASK]',
    model_max_length: 1e30,
  };
  const tok = new BertTokenizer(hfTokenizerJson(vocab, doLowerCase), config);
  return {
    tokenize: (text) => tok.tokenize(text),
    encode: (text) => tok.encode(text, { add_special_tokens: false }),
  };
}
