/**
 * Hugging Face export: model.safetensors (F32 by default, optionally F16; header with
 * __metadata__ { format: "pt" }, the tied decoder left out as transformers does)
 * + config.json + vocab.txt, loadable by BertForMaskedLM.from_pretrained.
 */
import type { BertConfig } from '../model/config.ts';
import type { Weights } from '../model/weights.ts';
import { encodeFloat16 } from '../distill/float16.ts';
import { concatBytes, floatBytes, orderedNames, tensorFloats, type ExportFile } from './exportFiles.ts';
import { huggingFaceFolder } from './huggingFaceFolder.ts';

/** Stored precision of the exported tensors: F32 (exact, the default) or F16 (half the size, rounded to nearest even). */
export type SafetensorsDtype = 'F32' | 'F16';

/** Serialises weights to one safetensors file's bytes. */
export async function safetensorsBytes(
  weights: Weights,
  cfg: BertConfig,
  dtype: SafetensorsDtype = 'F32',
): Promise<Uint8Array> {
  if (dtype !== 'F32' && dtype !== 'F16')
    throw new Error(`safetensors export: dtype must be F32 or F16, got "${String(dtype)}"`);
  const names = orderedNames(weights, cfg);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const floats = await tensorFloats(weights[name], name);
    const data = dtype === 'F16' ? halfBytes(floats) : floatBytes(floats);
    header[name] = { dtype, shape: weights[name].shape, data_offsets: [offset, offset + data.byteLength] };
    blobs.push(data);
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned.
  const rawLen = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - (rawLen % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  return concatBytes([len, headerBytes, ...blobs]);
}

/** Float16 little-endian bytes of float32 values. */
function halfBytes(data: Float32Array): Uint8Array {
  const bits = encodeFloat16(data);
  const out = new Uint8Array(bits.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < bits.length; i++) view.setUint16(i * 2, bits[i], true);
  return out;
}

/** model.safetensors + config.json (+ vocab.txt, tokenizer_config.json, special_tokens_map.json). */
export async function exportHuggingFace(
  weights: Weights,
  cfg: BertConfig,
  vocab?: string[],
  labels?: string[],
  doLowerCase = true,
): Promise<ExportFile[]> {
  const model = { name: 'model.safetensors', data: await safetensorsBytes(weights, cfg) };
  return huggingFaceFolder(model, weights, cfg, vocab, labels, doLowerCase);
}
