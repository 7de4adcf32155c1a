/**
 * Google / TF1 checkpoint export: bert_model.ckpt.index (SSTable, uncompressed,
 * with CRCs, restart points and footer) + bert_model.ckpt.data-00000-of-00001
 * + a `checkpoint` file + bert_config.json + vocab.txt, with Google's variable
 * names and dense kernels transposed back to [in, out]; what the seed's
 * run_distill.py takes as --init_checkpoint and tf.train.load_checkpoint reads.
 */
import { crc32c, maskCrc } from '../tfrecord/crc32c.ts';
import { googleConfigJson, type BertConfig } from '../model/config.ts';
import type { Weights } from '../model/weights.ts';
import {
  concatBytes,
  floatBytes,
  jsonFile,
  orderedNames,
  tensorFloats,
  vocabFile,
  type ExportFile,
} from './exportFiles.ts';
import { canonicalToTf } from './names.ts';
import { encodeBundleEntry, encodeBundleHeader } from './protobuf.ts';
import { writeTable } from './sstable.ts';
import { tf1ShardName } from './tf1.ts';

const DT_FLOAT = 1;

/** The index and data file bytes for a weight map. */
export async function tf1CheckpointBytes(
  weights: Weights,
  cfg: BertConfig,
): Promise<{ index: Uint8Array; data: Uint8Array }> {
  const vars: { tfName: string; shape: number[]; bytes: Uint8Array }[] = [];
  for (const name of orderedNames(weights, cfg)) {
    const { tfName, transpose } = canonicalToTf(name);
    let data = await tensorFloats(weights[name], name);
    let shape = weights[name].shape;
    if (transpose) {
      if (shape.length !== 2) throw new Error(`cannot export "${name}": a dense kernel must be 2-D, got [${shape}]`);
      const [rows, cols] = shape;
      const t = new Float32Array(data.length);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = data[r * cols + c];
      data = t;
      shape = [cols, rows];
    }
    vars.push({ tfName, shape, bytes: floatBytes(data) });
  }
  // TF writes variables in key order, each at the next offset of the single shard.
  vars.sort((a, b) => (a.tfName < b.tfName ? -1 : a.tfName > b.tfName ? 1 : 0));
  const entries: [string, Uint8Array][] = [['', encodeBundleHeader(1)]];
  let offset = 0;
  for (const v of vars) {
    entries.push([
      v.tfName,
      encodeBundleEntry({
        dtype: DT_FLOAT,
        shape: v.shape,
        shardId: 0,
        offset,
        size: v.bytes.length,
        crc32c: maskCrc(crc32c(v.bytes)),
      }),
    ]);
    offset += v.bytes.length;
  }
  return { index: writeTable(entries), data: concatBytes(vars.map((v) => v.bytes)) };
}

/** bert_model.ckpt.{index,data-00000-of-00001} + checkpoint + bert_config.json (+ vocab.txt). */
export async function exportTf1(
  weights: Weights,
  cfg: BertConfig,
  vocab?: string[],
  prefix = 'bert_model.ckpt',
): Promise<ExportFile[]> {
  const { index, data } = await tf1CheckpointBytes(weights, cfg);
  const files: ExportFile[] = [
    { name: `${prefix}.index`, data: index },
    { name: tf1ShardName(prefix, 0, 1), data },
    {
      name: 'checkpoint',
      data: new TextEncoder().encode(`model_checkpoint_path: "${prefix}"\nall_model_checkpoint_paths: "${prefix}"\n`),
    },
    // Google's naming: "gelu" is its tanh form; an exact-GELU model is noted (googleConfigJson)
    jsonFile('bert_config.json', googleConfigJson(cfg)),
  ];
  if (vocab) files.push(vocabFile(vocab));
  return files;
}
