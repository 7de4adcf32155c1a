/**
 * The folder transformers.js loads (`pipeline('fill-mask', folder)`), as Hugging Face's
 * ONNX exports lay it out:
 *
 *   config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json, vocab.txt
 *   onnx/model.onnx            float32
 *   onnx/model_quantized.onnx  uint8 weights (transformers.js's default "q8" in the browser)
 */
import type { BertConfig } from '../model/config.ts';
import type { Weights } from '../model/weights.ts';
import { onnxModelFiles } from '../onnx/exportOnnx.ts';
import { hfConfigFile, vocabFile, type ExportFile } from './exportFiles.ts';
import { tokenizerFiles } from './tokenizerFiles.ts';

export async function exportOnnxFolder(
  weights: Weights,
  cfg: BertConfig,
  vocab?: string[],
  labels?: string[],
  doLowerCase = true,
): Promise<ExportFile[]> {
  const onnx = await onnxModelFiles(weights, cfg);
  const files: ExportFile[] = [hfConfigFile(cfg, weights, labels)];
  if (vocab) {
    files.push(
      ...tokenizerFiles(vocab, { doLowerCase, modelMaxLength: cfg.max_position_embeddings }),
      vocabFile(vocab),
    );
  }
  files.push(
    { name: 'onnx/model.onnx', data: onnx.model },
    { name: 'onnx/model_quantized.onnx', data: onnx.quantized },
  );
  return files;
}
