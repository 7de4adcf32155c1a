/**
 * Hugging Face export for loaders that do not read safetensors (older transformers,
 * torch.load): pytorch_model.bin in PyTorch's zip format (torch ≥ 1.6), as torch.save writes
 * it: <archive>/data.pkl (the state dict, pickleWriter.ts), <archive>/data/<key> (one
 * float32 storage per tensor, stored, each starting 64-byte aligned as PyTorch aligns them),
 * <archive>/byteorder and <archive>/version; the tied decoder left out as transformers does.
 */
import { zipSync, type ZipOptions } from 'fflate';
import type { BertConfig } from '../model/config.ts';
import type { Weights } from '../model/weights.ts';
import { floatBytes, orderedNames, tensorFloats, type ExportFile } from './exportFiles.ts';
import { huggingFaceFolder } from './huggingFaceFolder.ts';
import { stateDictPickleBytes } from './pickleWriter.ts';

const ARCHIVE = 'pytorch_model';
/** Zip local header size before the name (signature, version, flags, method, time, CRC, sizes, lengths). */
const LOCAL_HEADER = 30;
/** An extra field's own header: 2-byte id and 2-byte length. */
const EXTRA_HEADER = 4;
/** PyTorch's padding extra field id ("FB"). */
const PAD_FIELD = 0x4246;
const ALIGN = 64;
/** A fixed time, so the same weights give the same bytes. */
const MTIME = new Date('1980-01-01T00:00:00Z');

/** The bytes of a zip-format pytorch_model.bin holding the weights. */
export async function pytorchBinBytes(weights: Weights, cfg: BertConfig): Promise<Uint8Array> {
  const names = orderedNames(weights, cfg);
  const entries: [string, Uint8Array][] = [];
  const tensors = names.map((name, i) => ({ name, shape: weights[name].shape, storageKey: String(i) }));
  entries.push([`${ARCHIVE}/data.pkl`, stateDictPickleBytes(tensors)]);
  entries.push([`${ARCHIVE}/byteorder`, new TextEncoder().encode('little')]);
  for (const [i, name] of names.entries())
    entries.push([`${ARCHIVE}/data/${i}`, floatBytes(await tensorFloats(weights[name], name))]);
  entries.push([`${ARCHIVE}/version`, new TextEncoder().encode('3\n')]);
  // Each entry's data is padded (an extra field in its local header) to start at a multiple of 64.
  const tree: Record<string, [Uint8Array, ZipOptions & { extra: Record<number, Uint8Array> }]> = {};
  let offset = 0;
  for (const [path, data] of entries) {
    const before = offset + LOCAL_HEADER + new TextEncoder().encode(path).length + EXTRA_HEADER;
    const pad = (ALIGN - (before % ALIGN)) % ALIGN;
    tree[path] = [data, { level: 0, mtime: MTIME, extra: { [PAD_FIELD]: new Uint8Array(pad) } }];
    offset = before + pad + data.length;
  }
  return zipSync(tree);
}

/** pytorch_model.bin + config.json (+ vocab.txt and the tokenizer's settings), the pre-safetensors Hugging Face folder. */
export async function exportPytorch(
  weights: Weights,
  cfg: BertConfig,
  vocab?: string[],
  labels?: string[],
  doLowerCase = true,
): Promise<ExportFile[]> {
  const model = { name: 'pytorch_model.bin', data: await pytorchBinBytes(weights, cfg) };
  return huggingFaceFolder(model, weights, cfg, vocab, labels, doLowerCase);
}
