/**
 * Weight-name canonicalisation. Canonical names are Hugging Face
 * BertForMaskedLM's (src/core/model/weights.ts). Accepted spellings:
 * - with or without the `bert.` prefix (BertModel state dicts have none), `module.` (DataParallel);
 * - old LayerNorm names `gamma`/`beta` for `weight`/`bias`;
 * - `cls.predictions.decoder.weight` (tied to the word embeddings: dropped when equal);
 * - Google TF1 names (`bert/encoder/layer_0/attention/self/query/kernel`, kernels are [in, out]).
 * Buffers, optimizer slots, counters and the next-sentence head are skipped with a reason.
 */

/** What to do with one name from a file. */
export type NameDecision =
  | { kind: 'weight'; canonical: string; transpose: boolean }
  | { kind: 'tiedDecoder' }
  | { kind: 'decoderBias' }
  | { kind: 'skip'; reason: string }
  | { kind: 'unknown' };

const CANONICAL =
  /^(bert\.embeddings\.(word_embeddings|position_embeddings|token_type_embeddings)\.weight|bert\.embeddings\.LayerNorm\.(weight|bias)|bert\.encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)\.(weight|bias)|bert\.encoder\.layer\.\d+\.(attention\.output|output)\.LayerNorm\.(weight|bias)|bert\.pooler\.dense\.(weight|bias)|cls\.predictions\.transform\.dense\.(weight|bias)|cls\.predictions\.transform\.LayerNorm\.(weight|bias)|cls\.predictions\.bias|classifier\.(weight|bias)|qa_outputs\.(weight|bias))$/;

/** True for a name of the canonical BertForMaskedLM set. */
export function isCanonicalName(name: string): boolean {
  return CANONICAL.test(name);
}

/** Decides what a Hugging Face / PyTorch / safetensors / tfjs name is. */
export function canonicalName(name: string): NameDecision {
  let n = name;
  if (n.startsWith('module.')) n = n.slice('module.'.length);
  if (/^(embeddings|encoder|pooler)\./.test(n)) n = `bert.${n}`;
  n = n.replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight').replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
  if (n === 'cls.predictions.decoder.weight') return { kind: 'tiedDecoder' };
  if (n === 'cls.predictions.decoder.bias') return { kind: 'decoderBias' };
  if (/position_ids$/.test(n)) return { kind: 'skip', reason: 'buffer (position ids), not a weight' };
  if (n.startsWith('cls.seq_relationship.')) return { kind: 'skip', reason: 'next-sentence-prediction head, not used' };
  if (/num_batches_tracked$/.test(n)) return { kind: 'skip', reason: 'counter, not a weight' };
  if (isCanonicalName(n)) return { kind: 'weight', canonical: n, transpose: false };
  return { kind: 'unknown' };
}

const TF_SKIP: [RegExp, string][] = [
  [/\/(adam_m|adam_v|Adam|Adam_1|Momentum|RMSProp|RMSProp_1|Adagrad|lamb_m|lamb_v)$/, 'optimizer slot'],
  [/(^|\/)(global_step|good_steps|bad_steps|loss_scale|current_loss_scale)$/, 'training counter'],
  [/ExponentialMovingAverage/, 'moving average'],
  [/^cls\/seq_relationship\//, 'next-sentence-prediction head, not used'],
];

/**
 * TF1 names that do not follow the path-to-name rule, and their canonical names:
 * the MLM output bias, and the downstream heads of Google's run_classifier
 * (output_weights is [labels, hidden] there too: no transpose) and run_squad.
 */
const TF_SPECIAL: Record<string, string> = {
  'cls/predictions/output_bias': 'cls.predictions.bias',
  output_weights: 'classifier.weight',
  output_bias: 'classifier.bias',
  'cls/squad/output_weights': 'qa_outputs.weight',
  'cls/squad/output_bias': 'qa_outputs.bias',
};
const TF_SPECIAL_BY_CANONICAL = Object.fromEntries(Object.entries(TF_SPECIAL).map(([tf, c]) => [c, tf]));

/** Decides what a Google TF1 checkpoint variable is. */
export function tfToCanonical(tfName: string): NameDecision {
  for (const [re, reason] of TF_SKIP) if (re.test(tfName)) return { kind: 'skip', reason };
  const special = TF_SPECIAL[tfName];
  if (special) return { kind: 'weight', canonical: special, transpose: false };
  const parts = tfName.split('/');
  const last = parts.pop()!;
  let transpose = false;
  let leaf: string;
  if (/_embeddings$/.test(last) && parts.length === 2 && parts[1] === 'embeddings') {
    parts.push(last);
    leaf = 'weight';
  } else if (last === 'kernel') {
    leaf = 'weight';
    transpose = true;
  } else if (last === 'gamma') leaf = 'weight';
  else if (last === 'beta') leaf = 'bias';
  else if (last === 'bias') leaf = 'bias';
  else return { kind: 'unknown' };
  const path = parts.map((p) => p.replace(/^layer_(\d+)$/, 'layer.$1'));
  const canonical = [...path, leaf].join('.');
  if (!isCanonicalName(canonical)) return { kind: 'unknown' };
  return { kind: 'weight', canonical, transpose };
}

/** The Google TF1 name of a canonical weight, and whether its data is transposed there. */
export function canonicalToTf(name: string): { tfName: string; transpose: boolean } {
  if (!isCanonicalName(name)) throw new Error(`"${name}" is not a canonical BERT weight name`);
  const special = TF_SPECIAL_BY_CANONICAL[name];
  if (special) return { tfName: special, transpose: false };
  const m = /^bert\.embeddings\.(word_embeddings|position_embeddings|token_type_embeddings)\.weight$/.exec(name);
  if (m) return { tfName: `bert/embeddings/${m[1]}`, transpose: false };
  const parts = name.split('.');
  const leaf = parts.pop()!;
  const isLn = parts[parts.length - 1] === 'LayerNorm';
  const path: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === 'layer' && /^\d+$/.test(parts[i + 1] ?? '')) {
      path.push(`layer_${parts[i + 1]}`);
      i++;
    } else path.push(parts[i]);
  }
  if (isLn) return { tfName: `${path.join('/')}/${leaf === 'weight' ? 'gamma' : 'beta'}`, transpose: false };
  if (leaf === 'weight') return { tfName: `${path.join('/')}/kernel`, transpose: true };
  return { tfName: `${path.join('/')}/bias`, transpose: false };
}

/** Hints for names that show the checkpoint is not a BERT (e.g. ALBERT), or undefined. */
export function notBertHint(names: string[]): string | undefined {
  if (names.some((n) => /layer_shared|word_embeddings_2|embedding_hidden_mapping_in|albert/i.test(n))) {
    return 'this is an ALBERT checkpoint (factorised embeddings / layers shared across depth), not BERT; ALBERT is not supported';
  }
  if (names.some((n) => /^(roberta|electra|distilbert|deberta)\b/.test(n))) {
    return `this looks like a ${names.find((n) => /^(roberta|electra|distilbert|deberta)\b/.test(n))!.split(/[./]/)[0]} checkpoint, not BERT's layout`;
  }
  return undefined;
}
