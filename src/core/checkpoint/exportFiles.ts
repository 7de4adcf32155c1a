/**
 * Shared pieces of the exporters: the exported-file type, the canonical order
 * of weights, reading a tensor's float32 values, config and vocab files.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { hasMlmHead } from '../model/bert.ts';
import { configToJson, type BertConfig } from '../model/config.ts';
import { headOf } from '../model/heads.ts';
import { expectedShapes, type Weights } from '../model/weights.ts';
import { concatBytes } from '../io/bytes.ts';

/** One file of an export, ready to write to disk or put in a zip. */
export interface ExportFile {
  name: string;
  data: Uint8Array;
}

/** Weight names in the canonical model order (embeddings, layers, pooler, head). */
export function orderedNames(weights: Weights, cfg: BertConfig): string[] {
  const names = Object.keys(weights);
  const order = [...expectedShapes(cfg, { pooler: true, mlmHead: true }).keys()];
  const rank = new Map(order.map((n, i) => [n, i]));
  return names.sort((a, b) => (rank.get(a) ?? 1e9) - (rank.get(b) ?? 1e9) || (a < b ? -1 : a > b ? 1 : 0));
}

/** A tensor's values as float32 (one download per tensor). */
export async function tensorFloats(t: Tensor, name: string): Promise<Float32Array> {
  if (t.dtype !== 'float32') throw new Error(`cannot export "${name}": dtype ${t.dtype}, expected float32`);
  return (await t.data()) as Float32Array;
}

export function jsonFile(name: string, value: unknown): ExportFile {
  return { name, data: new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`) };
}

/** vocab.txt: one token per line, "\n" after each. */
export function vocabFile(vocab: string[]): ExportFile {
  return { name: 'vocab.txt', data: new TextEncoder().encode(vocab.map((t) => `${t}\n`).join('')) };
}

/** The Hugging Face class that loads these weights with every tensor used. */
export function hfArchitecture(weights: Weights): string {
  const head = headOf(weights);
  if (head === 'classification') return 'BertForSequenceClassification';
  if (head === 'span') return 'BertForQuestionAnswering';
  return hasMlmHead(weights) ? 'BertForMaskedLM' : 'BertModel';
}

/** config.json as Hugging Face reads it, naming the class of these weights (and a classifier's labels). */
export function hfConfigFile(cfg: BertConfig, weights: Weights, labels?: string[]): ExportFile {
  return jsonFile('config.json', configToJson(cfg, hfArchitecture(weights), labels));
}

export { concatBytes };

/** Little-endian bytes of float32 values. */
export function floatBytes(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
