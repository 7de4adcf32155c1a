/**
 * The tokenizer files Hugging Face (Python transformers and tokenizers, and
 * transformers.js) read next to a BERT model, describing the project's tokenizer
 * (src/core/tokenizer/): BERT's basic tokenizer with CJK characters split off and
 * lower-casing with accents stripped (do_lower_case, true for the Chinese models),
 * WordPiece with "##" continuations and 100 characters per word, [CLS] A [SEP] (B [SEP]).
 *
 *   tokenizer.json           the fast tokenizer: normalizer, pre-tokenizer, model, post-processor, decoder
 *   tokenizer_config.json    the tokenizer class and its settings
 *   special_tokens_map.json  the five special tokens
 */
import type { ExportFile } from './exportFiles.ts';
import { jsonFile } from './exportFiles.ts';

export interface TokenizerSettings {
  /** lower-case and strip accents (the project's tokenizer default: true) */
  doLowerCase: boolean;
  /** the longest input the model takes (config's max_position_embeddings) */
  modelMaxLength: number;
}

const SPECIAL_TOKENS = {
  unk_token: '[UNK]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  cls_token: '[CLS]',
  mask_token: '[MASK]',
} as const;

/** Token → id as Hugging Face's load_vocab builds it (a repeated line: the later id wins). */
function vocabIds(vocab: readonly string[]): Record<string, number> {
  const ids: Record<string, number> = Object.create(null);
  vocab.forEach((token, i) => {
    ids[token] = i;
  });
  return ids;
}

/** tokenizer.json's object for this vocabulary. */
export function tokenizerJson(vocab: readonly string[], settings: TokenizerSettings): Record<string, unknown> {
  const ids = vocabIds(vocab);
  const missing = Object.values(SPECIAL_TOKENS).filter((t) => !(t in ids));
  if (missing.length > 0) {
    throw new Error(
      `tokenizer.json: the vocabulary lacks the special token${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    );
  }
  const special = (token: string, typeId: number) => ({ SpecialToken: { id: token, type_id: typeId } });
  const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content) => ({
      id: ids[content],
      content,
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
      strip_accents: null, // follows lowercase, as BERT's do_lower_case does
      lowercase: settings.doLowerCase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0), sequence('B', 1), special('[SEP]', 1)],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [ids[t]], tokens: [t] }])),
    },
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

/** tokenizer_config.json and special_tokens_map.json: the slow tokenizer's settings (written with every vocab). */
export function tokenizerConfigFiles(settings: TokenizerSettings): ExportFile[] {
  return [
    jsonFile('tokenizer_config.json', {
      tokenizer_class: 'BertTokenizer',
      do_lower_case: settings.doLowerCase,
      tokenize_chinese_chars: true,
      strip_accents: null,
      model_max_length: settings.modelMaxLength,
      clean_up_tokenization_spaces: true,
      ...SPECIAL_TOKENS,
    }),
    jsonFile('special_tokens_map.json', { ...SPECIAL_TOKENS }),
  ];
}

/** All three files, for a folder that transformers.js loads (tokenizer.json first). */
export function tokenizerFiles(vocab: readonly string[], settings: TokenizerSettings): ExportFile[] {
  return [jsonFile('tokenizer.json', tokenizerJson(vocab, settings)), ...tokenizerConfigFiles(settings)];
}
