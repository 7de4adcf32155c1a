/**
 * Hugging Face export: model.safetensors (F32, header with
 * __metadata__ { format: "pt" }, the tied decoder left out as transformers does)
 * + config.json + vocab.txt, loadable by BertForMaskedLM.from_pretrained.
 */
import type { BertConfig } from '../model/config.ts';
import type { Weights } from '../model/weights.ts';
import { concatBytes, floatBytes, hfConfigFile, orderedNames, tensorFloats, vocabFile, type ExportFile } from './exportFiles.ts';

/** Serialises weights to one safetensors file's bytes. */
export async function safetensorsBytes(weights: Weights, cfg: BertConfig): Promise<Uint8Array> {
  const names = orderedNames(weights, cfg);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const data = await tensorFloats(weights[name], name);
    header[name] = { dtype: 'F32', shape: weights[name].shape, data_offsets: [offset, offset + data.byteLength] };
    blobs.push(floatBytes(data));
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

/** model.safetensors + config.json (+ vocab.txt). */
export async function exportHuggingFace(weights: Weights, cfg: BertConfig, vocab?: string[]): Promise<ExportFile[]> {
  const files: ExportFile[] = [{ name: 'model.safetensors', data: await safetensorsBytes(weights, cfg) }, hfConfigFile(cfg)];
  if (vocab) files.push(vocabFile(vocab));
  return files;
}
