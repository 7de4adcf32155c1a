/**
 * What the original run_distill.py's TF Estimator left in --output_dir, written beside this
 * project's own files so that the next steps of the original pipeline find them:
 * - `model.ckpt-<step>.index` / `.data-00000-of-00001` (a TF1 checkpoint with Google's variable
 *   names, src/core/checkpoint/exportTf1.ts) and the `checkpoint` text file listing the latest
 *   ones, the newest first in `model_checkpoint_path`, so Google's run_classifier.py takes
 *   `--init_checkpoint=$OUTPUT_DIR/model.ckpt-N`; as the Estimator, the 5 newest are kept;
 * - `eval_results.txt`: `key = value` lines in key order, as Google's scripts write it.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tf1CheckpointBytes } from '../core/checkpoint/exportTf1.ts';
import { tf1ShardName } from '../core/checkpoint/tf1.ts';
import type { BertConfig } from '../core/model/config.ts';
import type { Weights } from '../core/model/weights.ts';

/** The Estimator's default keep_checkpoint_max. */
export const KEEP_TF1_CHECKPOINTS = 5;

async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
  await writeFile(`${file}.tmp`, data);
  await rename(`${file}.tmp`, file);
}

/** The checkpoint prefixes the `checkpoint` file lists, oldest first ([] when there is none). */
export async function listedCheckpoints(outDir: string): Promise<string[]> {
  const text = await readFile(path.join(outDir, 'checkpoint'), 'utf8').catch(() => '');
  return [...text.matchAll(/^all_model_checkpoint_paths: "(.*)"$/gm)].map((m) => m[1]);
}

/** Writes model.ckpt-<step> and updates `checkpoint`; returns the prefix's path. */
export async function writeTf1Checkpoint(
  outDir: string,
  step: number,
  weights: Weights,
  cfg: BertConfig,
): Promise<string> {
  const prefix = `model.ckpt-${step}`;
  const { index, data } = await tf1CheckpointBytes(weights, cfg);
  // data first, then the index: a reader that finds the index finds its data
  await writeAtomically(path.join(outDir, tf1ShardName(prefix, 0, 1)), data);
  await writeAtomically(path.join(outDir, `${prefix}.index`), index);
  const kept = [...(await listedCheckpoints(outDir)).filter((p) => p !== prefix), prefix];
  const dropped = kept.splice(0, Math.max(0, kept.length - KEEP_TF1_CHECKPOINTS));
  const lines = [`model_checkpoint_path: "${prefix}"`, ...kept.map((p) => `all_model_checkpoint_paths: "${p}"`)];
  await writeAtomically(path.join(outDir, 'checkpoint'), `${lines.join('\n')}\n`);
  for (const p of dropped) {
    if (p.includes('/') || p.includes('\\')) continue;
    await rm(path.join(outDir, `${p}.index`), { force: true });
    await rm(path.join(outDir, tf1ShardName(p, 0, 1)), { force: true });
  }
  return path.join(outDir, prefix);
}

/** camelCase → snake_case, for the metric names. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * eval_results.txt of an evaluation: global_step, loss and every other number it measured
 * (the loss parts as loss_<part>); a metric that could not be measured (NaN: no teacher
 * outputs) is left out rather than written as a number.
 */
export function evalResultsText(step: number, metrics: object): string {
  const out = new Map<string, number>([['global_step', step]]);
  for (const [key, value] of Object.entries(metrics)) {
    if (key === 'kind' || key === 'step') continue;
    if (typeof value === 'number') out.set(snake(key), value);
    else if (key === 'components' && value && typeof value === 'object')
      for (const [part, v] of Object.entries(value)) if (typeof v === 'number') out.set(`loss_${snake(part)}`, v);
  }
  return [...out]
    .filter(([, v]) => Number.isFinite(v))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k} = ${v}\n`)
    .join('');
}

export async function writeEvalResults(outDir: string, step: number, metrics: object): Promise<void> {
  await writeAtomically(path.join(outDir, 'eval_results.txt'), evalResultsText(step, metrics));
}
