/**
 * BERT configuration, in the field names of both bert_config.json (Google) and
 * config.json (Hugging Face): they are the same names.
 */
export interface BertConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: string;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  initializer_range: number;
  layer_norm_eps: number;
}

/** Defaults of Google's BertConfig, used for fields a config file leaves out. */
export const BERT_CONFIG_DEFAULTS: Omit<BertConfig, 'vocab_size'> = {
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
};

const INTEGER_FIELDS = [
  'vocab_size',
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'intermediate_size',
  'max_position_embeddings',
  'type_vocab_size',
] as const;

/**
 * Reads a parsed bert_config.json / config.json. Unknown fields are ignored;
 * missing ones take BERT's defaults, except vocab_size, which is required.
 * Throws an Error naming the field when a value is not usable.
 */
export function parseBertConfig(json: unknown, source = 'config'): BertConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${source}: expected a JSON object with BERT's fields (vocab_size, hidden_size, ...)`);
  }
  const raw = json as Record<string, unknown>;
  if (raw.vocab_size === undefined) throw new Error(`${source}: vocab_size is missing`);
  const cfg = { ...BERT_CONFIG_DEFAULTS, vocab_size: 0 } as BertConfig;
  for (const key of Object.keys(cfg) as (keyof BertConfig)[]) {
    if (raw[key] === undefined) continue;
    (cfg as unknown as Record<string, unknown>)[key] = raw[key];
  }
  for (const key of INTEGER_FIELDS) {
    const v = cfg[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new Error(`${source}: ${key} must be a positive integer, got ${JSON.stringify(raw[key])}`);
    }
  }
  if (cfg.hidden_size % cfg.num_attention_heads !== 0) {
    throw new Error(
      `${source}: hidden_size ${cfg.hidden_size} is not a multiple of num_attention_heads ${cfg.num_attention_heads}`,
    );
  }
  for (const key of [
    'hidden_dropout_prob',
    'attention_probs_dropout_prob',
    'initializer_range',
    'layer_norm_eps',
  ] as const) {
    if (typeof cfg[key] !== 'number' || !Number.isFinite(cfg[key]) || cfg[key] < 0) {
      throw new Error(`${source}: ${key} must be a non-negative number`);
    }
  }
  if (typeof cfg.hidden_act !== 'string') throw new Error(`${source}: hidden_act must be a string`);
  return cfg;
}

/**
 * The config written next to exported weights (Hugging Face reads it as config.json).
 * `architecture` names the head the weights carry; a classifier's label names go
 * into id2label / label2id, from which Hugging Face takes num_labels.
 */
export function configToJson(
  cfg: BertConfig,
  architecture = 'BertForMaskedLM',
  labels?: string[],
): Record<string, unknown> {
  const json: Record<string, unknown> = { architectures: [architecture], model_type: 'bert', ...cfg };
  if (labels) {
    json.id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
    json.label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  }
  return json;
}
