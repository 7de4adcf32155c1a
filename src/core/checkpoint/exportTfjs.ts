/**
 * tfjs export for web use: model.json (weightsManifest + the BERT config in
 * userDefinedMetadata) and float32 weight shards of at most `shardBytes`
 * (default 4 MiB, as tfjs writes them) + config.json (+ vocab.txt).
 */
import type { BertConfig } from '../model/config.ts';
import type { Weights } from '../model/weights.ts';
import {
  concatBytes,
  floatBytes,
  hfConfigFile,
  jsonFile,
  orderedNames,
  tensorFloats,
  vocabFile,
  type ExportFile,
} from './exportFiles.ts';
import type { TfjsModelJson } from './tfjs.ts';

export async function exportTfjs(
  weights: Weights,
  cfg: BertConfig,
  vocab?: string[],
  opts: { shardBytes?: number; labels?: string[] } = {},
): Promise<ExportFile[]> {
  const shardBytes = opts.shardBytes ?? 4 * 1024 * 1024;
  const names = orderedNames(weights, cfg);
  const manifestWeights: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const chunks: Uint8Array[] = [];
  for (const name of names) {
    const data = await tensorFloats(weights[name], name);
    manifestWeights.push({ name, shape: weights[name].shape, dtype: 'float32' });
    chunks.push(floatBytes(data));
  }
  const all = concatBytes(chunks);
  const n = Math.max(1, Math.ceil(all.length / shardBytes));
  const shards: ExportFile[] = [];
  for (let i = 0; i < n; i++) {
    shards.push({
      name: `group1-shard${i + 1}of${n}.bin`,
      data: all.slice(i * shardBytes, Math.min(all.length, (i + 1) * shardBytes)),
    });
  }
  const model: TfjsModelJson & Record<string, unknown> = {
    format: 'bert-weights',
    generatedBy: 'wwm-distill-workbench',
    convertedBy: null,
    weightsManifest: [{ paths: shards.map((s) => s.name), weights: manifestWeights }],
    userDefinedMetadata: { bertConfig: { ...cfg } },
  };
  const files = [jsonFile('model.json', model), ...shards, hfConfigFile(cfg, weights, opts.labels)];
  if (vocab) files.push(vocabFile(vocab));
  return files;
}
