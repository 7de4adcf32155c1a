/**
 * What a Hugging Face model folder holds beside its weights file: config.json (with the
 * architecture its heads imply, and id2label for a classifier) and, given a vocabulary,
 * vocab.txt, tokenizer_config.json and special_tokens_map.json.
 */
import type { BertConfig } from '../model/config.ts';
import type { Weights } from '../model/weights.ts';
import { hfConfigFile, vocabFile, type ExportFile } from './exportFiles.ts';
import { tokenizerConfigFiles } from './tokenizerFiles.ts';

export function huggingFaceFolder(
  model: ExportFile,
  weights: Weights,
  cfg: BertConfig,
  vocab?: string[],
  labels?: string[],
  doLowerCase = true,
): ExportFile[] {
  const files: ExportFile[] = [model, hfConfigFile(cfg, weights, labels)];
  if (vocab) {
    files.push(vocabFile(vocab), ...tokenizerConfigFiles({ doLowerCase, modelMaxLength: cfg.max_position_embeddings }));
  }
  return files;
}
