/**
 * The files of a checkpoint named on the command line (--init_checkpoint), as lazy Blobs
 * keyed by path for loadCheckpoint: used by forward, convert, create_teacher_output_data,
 * run_distill and scripts/demo-teacher.ts.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FlagSpec } from './args.ts';
import { openFile } from './files.ts';

/** The names loadCheckpoint reads a BERT config from. */
export const CONFIG_NAMES: ReadonlySet<string> = new Set(['config.json', 'bert_config.json']);

/** The --init_checkpoint flag of the commands that read one checkpoint (forward, convert). */
export const INIT_CHECKPOINT_FLAG = {
  type: 'string',
  required: true,
  help: 'checkpoint: a folder, model.safetensors, pytorch_model.bin, model.json, or a TF1 prefix such as dir/bert_model.ckpt',
} as const satisfies FlagSpec;

export interface CheckpointFilesOptions {
  /** A config file (--bert_config_file) that replaces the checkpoint's config. */
  configFile?: string;
  /** A config file used only when the checkpoint has no config of its own (configFile wins over it). */
  defaultConfigFile?: string;
  /** A vocab.txt (--vocab_file) that replaces the checkpoint's. */
  vocabFile?: string;
}

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
 * The files of a checkpoint path: a folder's files; or a weight file with its config/vocab
 * siblings (and a model.json's shards, a TF1 .index file's .data-* shards); or a TF1
 * prefix's .index and .data-* files with their config/vocab siblings. A config or vocab
 * file given in the options is kept under its own path (messages name it), renamed to
 * bert_config.json / vocab.txt when its name is not one loadCheckpoint recognises.
 */
export async function checkpointFiles(
  initCheckpoint: string,
  opts: CheckpointFilesOptions = {},
): Promise<Map<string, Blob>> {
  const files = new Map<string, Blob>();
  const add = async (p: string) => files.set(p, await openFile(p));
  let dir: string;
  let keep: (name: string) => boolean;
  if (await isDir(initCheckpoint)) {
    dir = initCheckpoint;
    keep = () => true;
  } else if (await isFile(initCheckpoint)) {
    dir = path.dirname(initCheckpoint);
    const base = path.basename(initCheckpoint);
    await add(initCheckpoint);
    let shards = new Set<string>();
    if (base.endsWith('.json') && base !== 'config.json') {
      const json = JSON.parse(await (files.get(initCheckpoint) as Blob).text()) as {
        weightsManifest?: { paths: string[] }[];
      };
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
  const configs = [...files.keys()].filter((k) => CONFIG_NAMES.has(path.basename(k)));
  const configFile = opts.configFile ?? (configs.length === 0 ? opts.defaultConfigFile : undefined);
  if (configFile) {
    for (const k of configs) files.delete(k);
    // Kept under its own path (messages name it), as the only config; a name the loader recognises.
    const base = path.basename(configFile);
    const key = CONFIG_NAMES.has(base) ? configFile : path.join(path.dirname(configFile), 'bert_config.json');
    files.set(key, await openFile(configFile));
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
