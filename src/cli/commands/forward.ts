/**
 * `forward`: runs a BERT checkpoint (any format) on one sequence of token ids and
 * prints JSON {"sequence_output": [[...]], "mlm_logits": [[...]]} for all positions
 * (mlm_logits only when the checkpoint has the masked-LM head).
 * --init_checkpoint may be a folder, a weight file (model.safetensors,
 * pytorch_model.bin, model.json, bert_model.ckpt.index) or a TF1 prefix (dir/bert_model.ckpt).
 * Also exports `checkpointFiles`, which the `convert` command shares.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { defineCommand } from '../command.ts';
import { listFlag, UsageError, type FlagSpec } from '../args.ts';
import { openFile } from '../files.ts';
import { disposeCheckpoint, loadCheckpoint } from '../../core/checkpoint/loadCheckpoint.ts';
import { bertEncoder, mlmLogits } from '../../core/model/bert.ts';

const CONFIG_NAMES = new Set(['config.json', 'bert_config.json']);

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * The files of a checkpoint path as lazy Blobs keyed by path: a folder's files; or a
 * weight file with its config/vocab siblings (and tfjs shards); or a TF1 prefix's
 * .index and .data-* files with their siblings. --bert_config_file / --vocab_file replace those found.
 */
export async function checkpointFiles(
  initCheckpoint: string,
  opts: { configFile?: string; vocabFile?: string } = {},
): Promise<Map<string, Blob>> {
  const files = new Map<string, Blob>();
  const add = async (p: string): Promise<Blob> => {
    const blob = await openFile(p);
    files.set(p, blob);
    return blob;
  };
  let dir: string;
  let keep: (name: string) => boolean;
  if (await isDir(initCheckpoint)) {
    dir = initCheckpoint;
    keep = () => true;
  } else if (await isFile(initCheckpoint)) {
    dir = path.dirname(initCheckpoint);
    const base = path.basename(initCheckpoint);
    const weightFile = await add(initCheckpoint);
    let shards = new Set<string>();
    if (base.endsWith('.json') && base !== 'config.json') {
      const json: { weightsManifest?: { paths: string[] }[] } = JSON.parse(await weightFile.text());
      shards = new Set((json.weightsManifest ?? []).flatMap((g) => g.paths ?? []));
    }
    const prefix = base.endsWith('.index') ? base.slice(0, -'.index'.length) : undefined;
    keep = (n) =>
      CONFIG_NAMES.has(n) ||
      n === 'vocab.txt' ||
      shards.has(n) ||
      (prefix !== undefined && n.startsWith(`${prefix}.data-`));
  } else if (await isFile(`${initCheckpoint}.index`)) {
    dir = path.dirname(initCheckpoint);
    const prefix = path.basename(initCheckpoint);
    keep = (n) =>
      CONFIG_NAMES.has(n) || n === 'vocab.txt' || n === `${prefix}.index` || n.startsWith(`${prefix}.data-`);
  } else {
    throw new Error(
      `--init_checkpoint "${initCheckpoint}": no such folder, file or TF1 checkpoint prefix (${initCheckpoint}.index)`,
    );
  }
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isFile() && !files.has(p) && keep(ent.name)) await add(p);
  }
  if (opts.configFile) {
    for (const k of [...files.keys()]) if (CONFIG_NAMES.has(path.basename(k))) files.delete(k);
    // Kept under its own path (messages name it), as the only config; a name the loader recognises.
    const base = path.basename(opts.configFile);
    const key = CONFIG_NAMES.has(base) ? opts.configFile : path.join(path.dirname(opts.configFile), 'bert_config.json');
    files.set(key, await openFile(opts.configFile));
  }
  if (opts.vocabFile) {
    for (const k of [...files.keys()]) if (path.basename(k) === 'vocab.txt') files.delete(k);
    const key =
      path.basename(opts.vocabFile) === 'vocab.txt'
        ? opts.vocabFile
        : path.join(path.dirname(opts.vocabFile), 'vocab.txt');
    files.set(key, await openFile(opts.vocabFile));
  }
  return files;
}

function rows(t: tf.Tensor, width: number): number[][] {
  const v = t.dataSync();
  const out: number[][] = [];
  for (let i = 0; i < v.length; i += width) out.push(Array.from(v.subarray(i, i + width)));
  return out;
}

/** The --init_checkpoint flag of the commands that read one checkpoint (forward, convert). */
export const INIT_CHECKPOINT_FLAG = {
  type: 'string',
  required: true,
  help: 'checkpoint: a folder, model.safetensors, pytorch_model.bin, model.json, or a TF1 prefix such as dir/bert_model.ckpt',
} as const satisfies FlagSpec;

const command = defineCommand({
  description:
    'Run a BERT checkpoint on one sequence of token ids and print JSON {"sequence_output": [[...]], "mlm_logits": [[...]]}\n' +
    '(all positions; mlm_logits only when the checkpoint has the masked-LM head).',
  usesTensors: true,
  flags: {
    init_checkpoint: INIT_CHECKPOINT_FLAG,
    bert_config_file: {
      type: 'string',
      help: 'config JSON to use instead of the config.json / bert_config.json next to the weights',
    },
    input_ids: { type: 'list', required: true, help: 'comma-separated token ids of one sequence, e.g. 101,872,102' },
    output_file: { type: 'string', help: 'write the JSON here instead of printing it' },
  },
  async run(flags) {
    tf.enableProdMode();
    const ids = listFlag(flags.input_ids).map((s, i) => {
      if (!/^\d+$/.test(s)) throw new UsageError(`--input_ids: item ${i + 1} "${s}" is not a token id`);
      return Number(s);
    });
    if (ids.length === 0) throw new UsageError('--input_ids is empty');
    const files = await checkpointFiles(flags.init_checkpoint, { configFile: flags.bert_config_file || undefined });
    const ckpt = await loadCheckpoint(files);
    try {
      const cfg = ckpt.config;
      const bad = ids.findIndex((id) => id >= cfg.vocab_size);
      if (bad >= 0)
        throw new UsageError(`--input_ids: id ${ids[bad]} (item ${bad + 1}) is not below vocab_size ${cfg.vocab_size}`);
      if (ids.length > cfg.max_position_embeddings) {
        throw new UsageError(
          `--input_ids: ${ids.length} ids, more than max_position_embeddings ${cfg.max_position_embeddings}`,
        );
      }
      const result = tf.tidy(() => {
        const inputIds = tf.tensor2d([ids], [1, ids.length], 'int32');
        const seq = bertEncoder(ckpt.weights, cfg, { inputIds });
        const out: Record<string, number[][]> = { sequence_output: rows(seq, cfg.hidden_size) };
        if (ckpt.parts.mlmHead) out.mlm_logits = rows(mlmLogits(ckpt.weights, cfg, seq), cfg.vocab_size);
        return out;
      });
      const json = JSON.stringify(result);
      if (flags.output_file) await writeFile(flags.output_file, json + '\n');
      else process.stdout.write(json + '\n');
      for (const w of ckpt.warnings) console.error(`warning: ${w}`);
    } finally {
      disposeCheckpoint(ckpt);
    }
  },
});

export default command;
