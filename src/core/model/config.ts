/**
 * BERT configuration, in the field names of both bert_config.json (Google) and
 * config.json (Hugging Face): they are the same names, with one difference of meaning.
 *
 * hidden_act "gelu" means two things: Google's TF1 modeling.py computes it with the tanh
 * approximation, Hugging Face computes it exactly (erf) and calls the tanh form "gelu_new"
 * or "gelu_pytorch_tanh". Inside the project hidden_act is always in Hugging Face's naming:
 * a Google config's "gelu" is read as "gelu_new" (parseBertConfig with the 'google'
 * convention), and googleConfigJson writes it back as "gelu". Google's code has no exact
 * GELU, so an erf model written as a TF1 checkpoint says "gelu" (what Google's code can run,
 * within about 1e-3 of erf per activation) and records the exact name in "hf_hidden_act",
 * which this project reads back first, so its own round trip keeps erf.
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

/** Whose meaning of hidden_act a config file uses: Google's TF1 BERT or Hugging Face's. */
export type ConfigConvention = 'google' | 'huggingface';

/** The field of a Google-convention config that records the Hugging Face activation name (see above). */
export const HF_HIDDEN_ACT_FIELD = 'hf_hidden_act';

/**
 * The convention of a config file read on its own (no weights beside it to tell). Fields only
 * Hugging Face writes (model_type, architectures, transformers_version) make it Hugging Face's;
 * otherwise the name decides: Hugging Face's file is config.json, any other name
 * (bert_config.json, what the original scripts' --bert_config_file names) is Google's.
 */
export function configFileConvention(file: string, json?: unknown): ConfigConvention {
  if (typeof json === 'object' && json !== null) {
    const raw = json as Record<string, unknown>;
    if (raw.model_type !== undefined || raw.architectures !== undefined || raw.transformers_version !== undefined)
      return 'huggingface';
  }
  const base = file.replace(/\\/g, '/').split('/').pop();
  return base === 'config.json' ? 'huggingface' : 'google';
}

/** Google's BertConfig default hidden_act, "gelu" (its tanh form). */
const BERT_CONFIG_DEFAULTS_GOOGLE_ACT = 'gelu';

/** A Google config's activation in Hugging Face's naming: its "gelu" is the tanh approximation. */
function activationFromGoogle(raw: Record<string, unknown>): unknown {
  if (typeof raw[HF_HIDDEN_ACT_FIELD] === 'string') return raw[HF_HIDDEN_ACT_FIELD];
  const act = raw.hidden_act ?? BERT_CONFIG_DEFAULTS_GOOGLE_ACT;
  return act === 'gelu' ? 'gelu_new' : act;
}

/**
 * A config as Google's bert_config.json: hidden_act in Google's naming ("gelu" for the tanh
 * approximation); an exact-GELU model also gets hf_hidden_act "gelu" (see the note above).
 */
export function googleConfigJson(cfg: BertConfig): Record<string, unknown> {
  const act = cfg.hidden_act;
  if (act === 'gelu_new' || act === 'gelu_pytorch_tanh') return { ...cfg, hidden_act: 'gelu' };
  if (act === 'gelu') return { ...cfg, hidden_act: 'gelu', [HF_HIDDEN_ACT_FIELD]: 'gelu' };
  return { ...cfg };
}

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
 * `convention` says whose hidden_act names the file uses (Hugging Face's by default);
 * the result is in Hugging Face's. Throws an Error naming the field when a value is not usable.
 */
export function parseBertConfig(
  json: unknown,
  source = 'config',
  convention: ConfigConvention = 'huggingface',
): BertConfig {
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
  if (convention === 'google') cfg.hidden_act = activationFromGoogle(raw) as string;
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
