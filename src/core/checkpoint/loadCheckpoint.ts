/**
 * Loads a BERT checkpoint in any supported format from a set of files (a
 * folder dragged into the page, or paths opened by the CLI), one tensor at a
 * time: each reader yields { name, shape, data }, which becomes a tf tensor
 * while the byte buffer is dropped, so peak memory stays near the weights' size.
 * Everything that can be checked without reading values (names, shapes, config,
 * vocab size, dtypes, file sizes) is checked first; a failure while reading
 * values disposes every tensor already made, so nothing is loaded half-way.
 */
import { CLASSIFIER_NAMES, headShapes, QA_NAMES } from '../model/heads.ts';
import * as tf from '@tensorflow/tfjs';
import { parseBertConfig, type BertConfig } from '../model/config.ts';
import { EMBEDDING_NAMES, expectedShapes, type WeightParts, type Weights } from '../model/weights.ts';
import { canonicalName, notBertHint } from './names.ts';
import { contentHash, Fingerprint } from './fingerprint.ts';
import { openPytorch } from './pytorch.ts';
import { openSafetensors } from './safetensors.ts';
import { openTf1, tf1ShardName } from './tf1.ts';
import { openTfjs, parseTfjsModelJson } from './tfjs.ts';
import {
  type HalfTensorRecord,
  type TensorInfo,
  type TensorRecord,
  type TensorSource,
  float16ToFloat32Bits,
  widenFloat16,
} from './tensorRecord.ts';

export type CheckpointFormat = 'safetensors' | 'pytorch-zip' | 'pytorch-legacy' | 'tf1' | 'tfjs';

export interface LoadedCheckpoint {
  format: CheckpointFormat;
  config: BertConfig;
  vocab?: string[];
  weights: Weights;
  parts: WeightParts;
  fingerprint: string;
  /** Bytes of the weight file(s). */
  sizeBytes: number;
  /** The weight file(s) read. */
  weightFiles: string[];
  /** Names in the file that were not loaded, with the reason. */
  skipped: { name: string; reason: string }[];
  /** Things worth telling the user that did not stop the load. */
  warnings: string[];
}

export interface LoadProgress {
  bytesRead: number;
  totalBytes: number;
  tensor?: string;
}

export interface LoadOptions {
  onProgress?(p: LoadProgress): void;
  /**
   * Reads only the tensors (canonical names) this accepts, e.g. the layers a student keeps: the
   * others are checked with the rest of the plan but never read.
   */
  keep?(name: string): boolean;
}

const MLM_PREFIX = 'cls.predictions.';
const TIED_DECODER = 'cls.predictions.decoder.weight';

interface NamedBlob {
  path: string;
  base: string;
  dir: string;
  blob: Blob;
}

function splitPath(p: string): { base: string; dir: string } {
  const norm = p.replace(/\\/g, '/');
  const i = norm.lastIndexOf('/');
  return { base: i >= 0 ? norm.slice(i + 1) : norm, dir: i >= 0 ? norm.slice(0, i) : '' };
}

function normaliseFiles(files: Map<string, Blob> | File[]): NamedBlob[] {
  const list: [string, Blob][] = Array.isArray(files)
    ? files.map((f) => [(f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, f])
    : [...files];
  return list.map(([path, blob]) => ({ path, blob, ...splitPath(path) }));
}

/** Reads vocab.txt: one token per line, split on "\n" only (tokens may hold U+2028); a final newline ends the last line. */
export async function readVocab(blob: Blob, file: string): Promise<string[]> {
  const text = new TextDecoder('utf-8').decode(await blob.arrayBuffer());
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const vocab = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (vocab.length === 0) throw new Error(`${file}: the vocabulary is empty`);
  return vocab;
}

async function readJson(f: NamedBlob): Promise<unknown> {
  const text = await f.blob.text();
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${f.path}: not valid JSON: ${(e as Error).message}`);
  }
}

/** A checkpoint opened and checked, values not yet read. */
export interface CheckpointPlan {
  format: CheckpointFormat;
  config: BertConfig;
  vocab?: string[];
  parts: WeightParts;
  sizeBytes: number;
  weightFiles: string[];
  skipped: { name: string; reason: string }[];
  warnings: string[];
  /** canonical name → where it comes from */
  sources: Map<string, { source: TensorSource; sourceName: string; info: TensorInfo }>;
  /** Source of cls.predictions.decoder.weight, compared with the embeddings while loading. */
  tiedDecoder?: { source: TensorSource; sourceName: string };
  totalBytes: number;
}

/** Opens and checks a checkpoint without reading any values. */
export async function planCheckpoint(files: Map<string, Blob> | File[]): Promise<CheckpointPlan> {
  const all = normaliseFiles(files);
  const opened = await openWeights(all);
  const config = await readCheckpointConfig(all, opened);
  const index = indexTensors(opened.sources);
  const { parts, expected } = checkTensorsAgainstConfig(index, config, opened.sources);
  const vocab = await readCheckpointVocab(all, opened.dir, config);
  return {
    format: opened.format,
    config,
    vocab,
    parts,
    sizeBytes: opened.files.reduce((s, f) => s + f.blob.size, 0),
    weightFiles: opened.files.map((f) => f.path),
    skipped: index.skipped,
    warnings: index.warnings,
    sources: index.sources,
    tiedDecoder: index.tiedDecoder,
    totalBytes: bytesToRead(opened.sources, index.sources, expected),
  };
}

/** The weight file(s) found among the files, opened (headers and indexes read, no values). */
interface OpenedWeights {
  format: CheckpointFormat;
  sources: TensorSource[];
  files: NamedBlob[];
  /** The folder of the weight file(s): a config or vocab.txt there is preferred. */
  dir: string;
  /** A tfjs model.json's userDefinedMetadata.bertConfig. */
  tfjsConfig?: unknown;
}

/**
 * Finds the weight file(s) and opens them: safetensors, else a PyTorch file (a sharded state
 * dict read together), else a TF1 index with its data shards, else a tfjs model.json.
 */
async function openWeights(all: NamedBlob[]): Promise<OpenedWeights> {
  const byBase = (pred: (b: string) => boolean) => all.filter((f) => pred(f.base));
  const safet = byBase((b) => b.endsWith('.safetensors'));
  if (safet.length) {
    const sources = [];
    for (const f of safet) sources.push(await openSafetensors(f.blob, f.path));
    return { format: 'safetensors', sources, files: safet, dir: safet[0].dir };
  }
  const modelJson = byBase((b) => b === 'model.json');
  const tfjsShards = new Set<string>();
  const tfjsModels: { f: NamedBlob; json: ReturnType<typeof parseTfjsModelJson> }[] = [];
  for (const f of modelJson) {
    const json = parseTfjsModelJson(await f.blob.text(), f.path);
    for (const g of json.weightsManifest) for (const p of g.paths ?? []) tfjsShards.add(f.dir ? `${f.dir}/${p}` : p);
    tfjsModels.push({ f, json });
  }
  const bins = all.filter(
    (f) => f.base.endsWith('.bin') && !tfjsShards.has(f.path.replace(/\\/g, '/')) && !/^group\d+-shard/.test(f.base),
  );
  // Sharded state dicts (pytorch_model-00001-of-00002.bin ...) are read together.
  const ptShards = bins
    .filter((f) => /^pytorch_model-\d+-of-\d+\.bin$/.test(f.base))
    .sort((a, b) => (a.base < b.base ? -1 : 1));
  const pt =
    bins.find((f) => f.base === 'pytorch_model.bin') ??
    ptShards[0] ??
    all.find((f) => /\.(pt|pth)$/.test(f.base)) ??
    bins[0];
  if (pt) {
    const group = pt.base === 'pytorch_model.bin' || !ptShards.includes(pt) ? [pt] : ptShards;
    const sources = [];
    for (const f of group) sources.push(await openPytorch(f.blob, f.path));
    return { format: sources[0].layout, sources, files: group, dir: pt.dir };
  }
  const index = byBase((b) => b.endsWith('.index'));
  if (index.length) {
    const idxFile = index.find((f) => f.base === 'bert_model.ckpt.index') ?? index[0];
    const prefix = idxFile.base.slice(0, -'.index'.length);
    const first = all.find((f) => f.dir === idxFile.dir && f.base.startsWith(`${prefix}.data-`));
    const m = first ? /-of-(\d+)$/.exec(first.base) : null;
    const numShards = m ? Number(m[1]) : 1;
    const shardNames = Array.from({ length: numShards }, (_, i) => tf1ShardName(prefix, i, numShards));
    const shardFiles = shardNames.map((n) => all.find((f) => f.dir === idxFile.dir && f.base === n));
    const s = await openTf1(
      idxFile.blob,
      idxFile.path,
      shardFiles.map((f) => f?.blob),
      shardNames.map((n) => (idxFile.dir ? `${idxFile.dir}/${n}` : n)),
    );
    if (s.index.header.numShards !== numShards) {
      // The index knows the real number of shards; redo the lookup with it.
      const n = s.index.header.numShards;
      const names = Array.from({ length: n }, (_, i) => tf1ShardName(prefix, i, n));
      const files = names.map((nm) => all.find((f) => f.dir === idxFile.dir && f.base === nm));
      const s2 = await openTf1(
        idxFile.blob,
        idxFile.path,
        files.map((f) => f?.blob),
        names.map((nm) => (idxFile.dir ? `${idxFile.dir}/${nm}` : nm)),
      );
      return {
        format: 'tf1',
        sources: [s2],
        files: [idxFile, ...(files.filter(Boolean) as NamedBlob[])],
        dir: idxFile.dir,
      };
    }
    return {
      format: 'tf1',
      sources: [s],
      files: [idxFile, ...(shardFiles.filter(Boolean) as NamedBlob[])],
      dir: idxFile.dir,
    };
  }
  if (tfjsModels.length) {
    const { f, json } = tfjsModels[0];
    const shardFiles: NamedBlob[] = [];
    const s = openTfjs(json, f.path, (p) => {
      const want = (f.dir ? `${f.dir}/${p}` : p).replace(/\\/g, '/');
      const hit = all.find((x) => x.path.replace(/\\/g, '/') === want) ?? all.find((x) => x.base === splitPath(p).base);
      if (hit) shardFiles.push(hit);
      return hit?.blob;
    });
    return {
      format: 'tfjs',
      sources: [s],
      files: [f, ...shardFiles],
      dir: f.dir,
      tfjsConfig: json.userDefinedMetadata?.bertConfig,
    };
  }
  const names = all.map((f) => f.path).join(', ') || '(none)';
  throw new Error(
    `no weight file found among: ${names}. Expected model.safetensors, pytorch_model.bin, bert_model.ckpt.index (+ .data-00000-of-00001) or model.json (+ shards)`,
  );
}

/**
 * The config: config.json / bert_config.json (the one next to the weights first), else the tfjs
 * model.json's; ALBERT refused. A TF1 checkpoint's config is Google's, whose hidden_act "gelu" is
 * the tanh approximation (read as "gelu_new"); every other format's is Hugging Face's.
 */
async function readCheckpointConfig(all: NamedBlob[], opened: OpenedWeights): Promise<BertConfig> {
  const configs = all.filter((f) => f.base === 'config.json' || f.base === 'bert_config.json');
  const cfgFile = configs.find((f) => f.dir === opened.dir) ?? configs[0];
  if (cfgFile) {
    const json = await readJson(cfgFile);
    const raw = json as Record<string, unknown>;
    if (
      raw &&
      (raw.model_type === 'albert' ||
        (typeof raw.embedding_size === 'number' && raw.embedding_size !== raw.hidden_size))
    ) {
      throw new Error(
        `${cfgFile.path}: this is an ALBERT config (embedding_size ${String(raw.embedding_size)}), not BERT; ALBERT is not supported`,
      );
    }
    return parseBertConfig(json, cfgFile.path, opened.format === 'tf1' ? 'google' : 'huggingface');
  }
  if (opened.tfjsConfig) {
    return parseBertConfig(opened.tfjsConfig, `${opened.files[0].path} (userDefinedMetadata.bertConfig)`);
  }
  const albert = all.find((f) => /albert_config/.test(f.base));
  throw new Error(
    albert
      ? `${albert.path}: an ALBERT config; ALBERT is not supported (and no config.json / bert_config.json was given)`
      : `no config.json or bert_config.json among the files (${all.map((f) => f.path).join(', ')})`,
  );
}

/** The tensors of a checkpoint under their canonical names, and what was left out. */
interface TensorIndex {
  sources: CheckpointPlan['sources'];
  tiedDecoder?: CheckpointPlan['tiedDecoder'];
  skipped: CheckpointPlan['skipped'];
  warnings: string[];
}

/**
 * Maps every tensor name of the sources to its canonical name. A name that is not BERT's is
 * skipped with a warning, unless the names as a whole look like another kind of model (then
 * an error says which); two names for one weight are an error.
 */
function indexTensors(opened: TensorSource[]): TensorIndex {
  const warnings: string[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const s of opened) skipped.push(...s.skipped);
  const sources: CheckpointPlan['sources'] = new Map();
  let tiedDecoder: CheckpointPlan['tiedDecoder'];
  let decoderBias: { source: TensorSource; sourceName: string; info: TensorInfo } | undefined;
  const unknown: string[] = [];
  for (const source of opened) {
    for (const info of source.infos) {
      const d = canonicalName(info.name);
      if (d.kind === 'weight') {
        const prev = sources.get(d.canonical);
        if (prev) throw new Error(`${source.file}: "${info.name}" and "${prev.sourceName}" both name ${d.canonical}`);
        sources.set(d.canonical, { source, sourceName: info.name, info });
      } else if (d.kind === 'tiedDecoder') tiedDecoder = { source, sourceName: info.name };
      else if (d.kind === 'decoderBias') decoderBias = { source, sourceName: info.name, info };
      else if (d.kind === 'skip') skipped.push({ name: info.name, reason: d.reason });
      else unknown.push(info.name);
    }
    if ('unknown' in source) unknown.push(...(source as { unknown: string[] }).unknown);
  }
  const hint = notBertHint(unknown);
  if (hint) throw new Error(`${opened[0].file}: ${hint} (names such as ${unknown.slice(0, 3).join(', ')})`);
  if (decoderBias) {
    if (!sources.has('cls.predictions.bias')) sources.set('cls.predictions.bias', decoderBias);
    else skipped.push({ name: decoderBias.sourceName, reason: `same parameter as cls.predictions.bias` });
  }
  for (const n of unknown) skipped.push({ name: n, reason: 'not a BERT weight this project knows' });
  if (unknown.length)
    warnings.push(
      `${unknown.length} tensor(s) not part of BERT were ignored: ${unknown.slice(0, 8).join(', ')}${unknown.length > 8 ? ', ...' : ''}`,
    );
  return { sources, tiedDecoder, skipped, warnings };
}

/**
 * Which parts (pooler, masked-LM head) the checkpoint has, and its tensors checked against
 * the config: none missing, none extra, every shape and dtype right, a tied decoder shaped as
 * the word embeddings. Returns the parts and the expected shapes.
 */
function checkTensorsAgainstConfig(
  index: TensorIndex,
  config: BertConfig,
  opened: TensorSource[],
): { parts: WeightParts; expected: Map<string, number[]> } {
  const { sources, tiedDecoder } = index;
  const names = [...sources.keys()];
  const parts: WeightParts = {
    pooler: names.some((n) => n.startsWith('bert.pooler.')),
    mlmHead: names.some((n) => n.startsWith(MLM_PREFIX)),
  };
  const expected = expectedShapes(config, parts);
  // a fine-tuned model's head (run_classifier / run_squad), sized by its own weight
  for (const [kind, name] of [
    ['classification', CLASSIFIER_NAMES.W],
    ['span', QA_NAMES.W],
  ] as const) {
    const outputs = sources.get(name)?.info.shape[0];
    if (outputs !== undefined) for (const [n, s] of headShapes(config, kind, outputs)) expected.set(n, s);
  }
  const file = opened.map((s) => s.file).join(', ');
  const missing = [...expected.keys()].filter((n) => !sources.has(n));
  if (missing.length) {
    const layerHint = names
      .filter((n) => /^bert\.encoder\.layer\.(\d+)\./.test(n))
      .map((n) => Number(/layer\.(\d+)/.exec(n)![1]));
    const fileLayers = layerHint.length ? Math.max(...layerHint) + 1 : 0;
    throw new Error(
      `${file}: ${missing.length} weight(s) missing: ${missing.slice(0, 12).join(', ')}${missing.length > 12 ? ', ...' : ''}` +
        (fileLayers !== config.num_hidden_layers
          ? ` (the config says ${config.num_hidden_layers} layers, the file has ${fileLayers})`
          : ''),
    );
  }
  const extra = names.filter((n) => !expected.has(n));
  if (extra.length) {
    throw new Error(
      `${file}: weight(s) beyond what the config describes (${config.num_hidden_layers} layers): ${extra.slice(0, 8).join(', ')}${extra.length > 8 ? ', ...' : ''}`,
    );
  }
  for (const [n, shape] of expected) {
    const { info, sourceName } = sources.get(n)!;
    const same = info.shape.length === shape.length && info.shape.every((d, i) => d === shape[i]);
    if (!same) {
      throw new Error(
        `${file}: tensor "${sourceName}"${sourceName !== n ? ` (${n})` : ''} has shape [${info.shape}] but the config expects [${shape}]`,
      );
    }
    if (
      !/^(f32|f16|bf16|f64|F32|F16|BF16|F64|DT_FLOAT|DT_HALF|DT_BFLOAT16|DT_DOUBLE|float32|float16)$/.test(info.dtype)
    ) {
      throw new Error(
        `${file}: tensor "${sourceName}" has dtype ${info.dtype}; only float weights (F32, F16, BF16) can be loaded`,
      );
    }
  }
  if (tiedDecoder) {
    const info = tiedDecoder.source.infos.find((i) => i.name === tiedDecoder.sourceName)!;
    const emb = expected.get(EMBEDDING_NAMES.word)!;
    if (info.shape.join(',') !== emb.join(',')) {
      throw new Error(
        `${file}: "${tiedDecoder.sourceName}" has shape [${info.shape}], not the word embeddings' [${emb}]; this model's decoder is tied to the embeddings`,
      );
    }
  }
  return { parts, expected };
}

/** vocab.txt (the one next to the weights first), if given; its size must be the config's vocab_size. */
async function readCheckpointVocab(all: NamedBlob[], dir: string, config: BertConfig): Promise<string[] | undefined> {
  const vocabFiles = all.filter((f) => f.base === 'vocab.txt');
  const vocabFile = vocabFiles.find((f) => f.dir === dir) ?? vocabFiles[0];
  if (!vocabFile) return undefined;
  const vocab = await readVocab(vocabFile.blob, vocabFile.path);
  if (vocab.length !== config.vocab_size) {
    throw new Error(
      `${vocabFile.path}: ${vocab.length} tokens, but the model's word embeddings have ${config.vocab_size} rows (vocab_size); ` +
        `a vocabulary that does not match the embeddings shifts every id — use the vocab.txt the model was trained with`,
    );
  }
  return vocab;
}

/** Bytes of the expected tensors in the files (what loading reads, for progress). */
function bytesToRead(
  opened: TensorSource[],
  sources: CheckpointPlan['sources'],
  expected: Map<string, number[]>,
): number {
  const wanted = new Set([...expected.keys()].map((n) => sources.get(n)!.sourceName));
  let totalBytes = 0;
  for (const s of opened) for (const i of s.infos) if (wanted.has(i.name)) totalBytes += i.byteLength;
  return totalBytes;
}

/**
 * Reads the planned tensors one at a time (each source in file order) and hands each to `take`
 * under its canonical name; the tied decoder is compared with the word embeddings and dropped.
 * With `keepFloat16`, a reader that can (safetensors) hands float16 tensors over as their bits.
 * Returns the fingerprint and what the tied decoder check adds to the plan's skipped and warnings.
 */
export async function streamPlannedTensors(
  plan: CheckpointPlan,
  take: (canonical: string, rec: TensorRecord | HalfTensorRecord, asFloat32: () => Float32Array) => void,
  opts: LoadOptions & { keepFloat16?: boolean } = {},
): Promise<{ fingerprint: string; skipped: LoadedCheckpoint['skipped']; warnings: string[] }> {
  const fp = new Fingerprint();
  fp.addString(JSON.stringify(plan.config));
  let bytesRead = 0;
  let wordHash: string | undefined;
  let decoderHash: string | undefined;
  // Group the wanted names by source; the sources read in file order.
  const bySource = new Map<TensorSource, Map<string, string>>(); // source → sourceName → canonical
  if (opts.keep) for (const name of [...plan.sources.keys()]) if (!opts.keep(name)) plan.sources.delete(name);
  for (const [canonical, { source, sourceName }] of plan.sources) {
    if (!bySource.has(source)) bySource.set(source, new Map());
    bySource.get(source)!.set(sourceName, canonical);
  }
  if (plan.tiedDecoder) {
    const { source, sourceName } = plan.tiedDecoder;
    if (!bySource.has(source)) bySource.set(source, new Map());
    bySource.get(source)!.set(sourceName, TIED_DECODER);
  }
  const seen = new Set<string>();
  for (const [source, map] of bySource) {
    const wanted = new Set(map.keys());
    const records = opts.keepFloat16 && source.float16Tensors ? source.float16Tensors(wanted) : source.tensors(wanted);
    for await (const rec of records) {
      const canonical = map.get(rec.name)!;
      // float32 values, widened from float16 only when asked (fingerprint, tied-decoder check), once
      let f32: Float32Array | undefined;
      const asFloat32 = () => {
        f32 ??= 'half' in rec ? widenFloat16(rec.half) : rec.data;
        return f32;
      };
      bytesRead +=
        source.infos.find((i) => i.name === rec.name)?.byteLength ??
        ('half' in rec ? rec.half.byteLength : rec.data.byteLength);
      if (canonical === TIED_DECODER) {
        decoderHash = contentHash(asFloat32());
        opts.onProgress?.({ bytesRead, totalBytes: plan.totalBytes, tensor: rec.name });
        continue;
      }
      if (canonical === EMBEDDING_NAMES.word && plan.tiedDecoder) wordHash = contentHash(asFloat32());
      if ('half' in rec) {
        const half = rec.half;
        fp.addSampled(canonical, rec.shape, half.length, (i) => float16ToFloat32Bits(half[i]));
      } else fp.addTensor(canonical, rec.shape, rec.data);
      take(canonical, rec, asFloat32);
      seen.add(canonical);
      opts.onProgress?.({ bytesRead, totalBytes: plan.totalBytes, tensor: canonical });
    }
  }
  const missing = [...plan.sources.keys()].filter((n) => !seen.has(n));
  if (missing.length) throw new Error(`${plan.weightFiles.join(', ')}: reading ended without ${missing.join(', ')}`);
  const skipped = [...plan.skipped];
  const warnings = [...plan.warnings];
  if (plan.tiedDecoder) {
    if (decoderHash === wordHash)
      skipped.push({ name: plan.tiedDecoder.sourceName, reason: 'tied to the word embeddings (equal)' });
    else {
      skipped.push({
        name: plan.tiedDecoder.sourceName,
        reason: 'differs from the word embeddings; the model ties them',
      });
      warnings.push(
        `"${plan.tiedDecoder.sourceName}" differs from the word embeddings; this model ties the decoder to the embeddings, so it was not used`,
      );
    }
  }
  return { fingerprint: fp.digest(), skipped, warnings };
}

/** Loads a checkpoint: plan and check everything, then stream the tensors in as float32 tfjs tensors. */
export async function loadCheckpoint(
  files: Map<string, Blob> | File[],
  opts: LoadOptions = {},
): Promise<LoadedCheckpoint> {
  const plan = await planCheckpoint(files);
  const weights: Weights = {};
  let read: Awaited<ReturnType<typeof streamPlannedTensors>>;
  try {
    read = await streamPlannedTensors(
      plan,
      (canonical, rec, asFloat32) => {
        weights[canonical] = tf.tensor(asFloat32(), rec.shape, 'float32');
      },
      opts,
    );
  } catch (e) {
    for (const t of Object.values(weights)) t.dispose();
    throw e;
  }
  return {
    format: plan.format,
    config: plan.config,
    vocab: plan.vocab,
    weights,
    parts: plan.parts,
    fingerprint: read.fingerprint,
    sizeBytes: plan.sizeBytes,
    weightFiles: plan.weightFiles,
    skipped: read.skipped,
    warnings: read.warnings,
  };
}

/** Throws unless the checkpoint has the masked-LM head a teacher needs. */
export function assertTeacher(ckpt: Pick<LoadedCheckpoint, 'parts'> & { weightFiles?: string[] }): void {
  if (!ckpt.parts.mlmHead) {
    const where = ckpt.weightFiles?.length ? `${ckpt.weightFiles[0]}: ` : '';
    throw new Error(`${where}this checkpoint has no masked-LM head (cls.predictions.*): it cannot be a teacher`);
  }
}

/** Disposes every tensor of a loaded checkpoint. */
export function disposeCheckpoint(ckpt: Pick<LoadedCheckpoint, 'weights'>): void {
  for (const t of Object.values(ckpt.weights)) t.dispose();
}
