/**
 * One entry point for exports in every format, and the zip the browser
 * offers as a single download (fflate zipSync, stored: weights do not compress).
 */
import { zipSync } from 'fflate';
import type { BertConfig } from '../model/config.ts';
import type { Weights } from '../model/weights.ts';
import type { ExportFile } from './exportFiles.ts';
import { exportOnnxFolder } from './exportOnnxFolder.ts';
import { exportHuggingFace } from './exportSafetensors.ts';
import { exportPytorch } from './exportPytorch.ts';
import { exportTf1 } from './exportTf1.ts';
import { exportTfjs } from './exportTfjs.ts';

export type { ExportFile } from './exportFiles.ts';
/** safetensors and pytorch: Hugging Face folders (model.safetensors, or pytorch_model.bin for older loaders). */
export type ExportFormat = 'safetensors' | 'pytorch' | 'tf' | 'tfjs' | 'onnx';

/** Files of a checkpoint in the chosen format. */
export async function exportCheckpoint(
  format: ExportFormat,
  weights: Weights,
  cfg: BertConfig,
  vocab?: string[],
  /** a classifier's label names, for config.json's id2label (Hugging Face and tfjs folders) */
  labels?: string[],
  /** the tokenizer's do_lower_case, for the tokenizer files (default true, as the project's tokenizer) */
  doLowerCase = true,
): Promise<ExportFile[]> {
  switch (format) {
    case 'safetensors':
      return exportHuggingFace(weights, cfg, vocab, labels, doLowerCase);
    case 'pytorch':
      return exportPytorch(weights, cfg, vocab, labels, doLowerCase);
    case 'tf':
      return exportTf1(weights, cfg, vocab);
    case 'tfjs':
      return exportTfjs(weights, cfg, vocab, { labels });
    case 'onnx':
      return exportOnnxFolder(weights, cfg, vocab, labels, doLowerCase);
    default:
      throw new Error(`unknown export format "${String(format)}" (safetensors, pytorch, tf, tfjs or onnx)`);
  }
}

/** A zip of the files (stored, no compression), for one browser download. */
export function exportZip(files: ExportFile[], folder?: string): Uint8Array {
  const tree: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const f of files) tree[folder ? `${folder}/${f.name}` : f.name] = [f.data, { level: 0 }];
  return zipSync(tree);
}
