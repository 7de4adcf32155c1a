/**
 * The ONNX export: model.onnx (float32) and model_quantized.onnx (uint8 weights) of a
 * model's weights, read once from the tfjs tensors.
 */
import type { BertConfig } from '../model/config.ts';
import type { Weights } from '../model/weights.ts';
import { bertOnnxModel, type FloatWeights } from './bertGraph.ts';
import { encodeModel } from './onnxProto.ts';

/** The weights' values as float32 arrays (one download per tensor). */
export async function floatWeights(weights: Weights): Promise<FloatWeights> {
  const out: FloatWeights = {};
  for (const [name, t] of Object.entries(weights)) {
    if (t.dtype !== 'float32') throw new Error(`ONNX export: tensor "${name}" has dtype ${t.dtype}, expected float32`);
    out[name] = { shape: t.shape.slice(), data: (await t.data()) as Float32Array };
  }
  return out;
}

export interface OnnxFiles {
  model: Uint8Array;
  quantized: Uint8Array;
}

/** The bytes of model.onnx and model_quantized.onnx. */
export async function onnxModelFiles(weights: Weights, cfg: BertConfig): Promise<OnnxFiles> {
  const values = await floatWeights(weights);
  return {
    model: encodeModel(bertOnnxModel(values, cfg)),
    quantized: encodeModel(bertOnnxModel(values, cfg, { quantize: true })),
  };
}

/** The teacher pass's graph (float32): softmax top k at masked_lm_positions (see bertOnnxModel's teacherTopK). */
export async function teacherOnnxModel(weights: Weights, cfg: BertConfig, k: number): Promise<Uint8Array> {
  return encodeModel(bertOnnxModel(await floatWeights(weights), cfg, { teacherTopK: k }));
}
