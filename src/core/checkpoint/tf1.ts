/**
 * Google / TF1 checkpoint reader: bert_model.ckpt.index (an SSTable whose ""
 * key holds the BundleHeaderProto and every other key a variable's
 * BundleEntryProto) and the .data-0000i-of-0000N shards holding the raw bytes.
 * Variables are mapped to canonical names (dense kernels transposed [in,out] → [out,in]);
 * optimizer slots, global_step and the next-sentence head are skipped.
 */
import { crc32c, unmaskCrc } from '../tfrecord/crc32c.ts';
import { decodeBundleEntry, decodeBundleHeader, TF_DTYPES, type BundleEntry, type BundleHeader } from './protobuf.ts';
import { readTable } from './sstable.ts';
import { notBertHint, tfToCanonical } from './names.ts';
import {
  bytesToFloat32,
  numElements,
  readRange,
  type TensorInfo,
  type TensorRecord,
  type TensorSource,
} from './tensorRecord.ts';

export interface Tf1Index {
  header: BundleHeader;
  /** Every variable in the index, in key order. */
  entries: (BundleEntry & { name: string })[];
}

/** Parses a whole .index file (small: one entry per variable). */
export async function readTf1Index(index: Blob, file: string): Promise<Tf1Index> {
  const bytes = await readRange(index, 0, index.size, file, 'index');
  const kv = readTable(bytes, file);
  let header: BundleHeader | undefined;
  const entries: Tf1Index['entries'] = [];
  for (const [k, v] of kv) {
    if (k === '') header = decodeBundleHeader(v, `${file}: bundle header`);
    else entries.push({ name: k, ...decodeBundleEntry(v, `${file}: entry "${k}"`) });
  }
  if (!header) throw new Error(`${file}: no bundle header (the "" key): not a TF checkpoint index`);
  if (header.endianness !== 0) throw new Error(`${file}: checkpoint is big-endian; only little-endian is supported`);
  return { header, entries };
}

/** Shard file name TF uses for a prefix: prefix.data-00000-of-00001. */
export function tf1ShardName(prefix: string, shard: number, numShards: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${prefix}.data-${pad(shard)}-of-${pad(numShards)}`;
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/**
 * Opens a TF1 checkpoint. `shards[i]` is the Blob of data shard i, or undefined when
 * the file was not given; that fails (naming the file) only once the index has been
 * read and checked, and only if a wanted variable lives there.
 */
export async function openTf1(
  index: Blob,
  indexName: string,
  shards: (Blob | undefined)[],
  shardNames: string[],
): Promise<TensorSource & { index: Tf1Index; unknown: string[] }> {
  const idx = await readTf1Index(index, indexName);
  const hint = notBertHint(idx.entries.map((e) => e.name));
  if (hint) {
    const missing = shardNames.filter((_, i) => !shards[i]);
    throw new Error(
      `${indexName}: ${hint}. The index was read: ${idx.entries.length} entries (${idx.entries
        .slice(0, 6)
        .map((e) => e.name)
        .join(', ')}, ...)` +
        (missing.length
          ? `; and its data file ${missing.join(', ')} is missing, so no values could be read anyway`
          : ''),
    );
  }
  const infos: TensorInfo[] = [];
  const skipped: { name: string; reason: string }[] = [];
  const unknown: string[] = [];
  const plan = new Map<string, { e: BundleEntry & { name: string }; transpose: boolean }>();
  for (const e of idx.entries) {
    const d = tfToCanonical(e.name);
    if (d.kind === 'skip') {
      skipped.push({ name: e.name, reason: d.reason });
      continue;
    }
    if (d.kind !== 'weight') {
      unknown.push(e.name);
      continue;
    }
    const dt = TF_DTYPES[e.dtype];
    if (e.hasSlices)
      throw new Error(`${indexName}: variable "${e.name}" is saved as slices (partitioned); not supported`);
    if (!dt) throw new Error(`${indexName}: variable "${e.name}" has unknown dtype ${e.dtype}`);
    if (e.size !== numElements(e.shape) * dt.size) {
      throw new Error(
        `${indexName}: variable "${e.name}" shape [${e.shape}] × ${dt.name} needs ${numElements(e.shape) * dt.size} bytes but the entry says ${e.size}`,
      );
    }
    if (e.shardId >= idx.header.numShards)
      throw new Error(`${indexName}: variable "${e.name}" is in shard ${e.shardId} of ${idx.header.numShards}`);
    const shape = d.transpose && e.shape.length === 2 ? [e.shape[1], e.shape[0]] : e.shape;
    plan.set(d.canonical, { e, transpose: d.transpose && e.shape.length === 2 });
    infos.push({ name: d.canonical, shape, dtype: dt.name, byteLength: e.size });
  }
  const checkShard = (e: BundleEntry & { name: string }) => {
    const blob = shards[e.shardId];
    const name = shardNames[e.shardId];
    if (!blob) {
      const inShard = idx.entries.filter((x) => x.shardId === e.shardId);
      const bytes = inShard.reduce((s, x) => s + x.size, 0);
      throw new Error(
        `${name} is missing: the index ${indexName} lists ${inShard.length} variables (${bytes} bytes) stored in it; give the .data file next to the .index`,
      );
    }
    if (e.offset + e.size > blob.size) {
      throw new Error(
        `${name}: truncated: variable "${e.name}" needs bytes ${e.offset}..${e.offset + e.size} but the file has ${blob.size}`,
      );
    }
    return { blob, name };
  };
  return {
    file: indexName,
    totalBytes: infos.reduce((s, i) => s + i.byteLength, 0),
    infos,
    skipped,
    unknown,
    index: idx,
    /** Checks that every wanted variable's shard is present and long enough (no data read). */
    async *tensors(wanted?: Set<string>): AsyncGenerator<TensorRecord> {
      const todo = [...plan].filter(([n]) => !wanted || wanted.has(n));
      for (const [, { e }] of todo) checkShard(e);
      for (const [name, { e, transpose }] of todo) {
        const { blob, name: shardName } = checkShard(e);
        const dt = TF_DTYPES[e.dtype];
        const bytes = await readRange(blob, e.offset, e.offset + e.size, shardName, `variable "${e.name}"`);
        if (e.crc32c !== undefined && crc32c(bytes) !== unmaskCrc(e.crc32c)) {
          throw new Error(
            `${shardName}: variable "${e.name}" at bytes ${e.offset}..${e.offset + e.size} fails its checksum (the data file is corrupt or belongs to another index)`,
          );
        }
        const kind =
          dt.name === 'DT_FLOAT'
            ? 'f32'
            : dt.name === 'DT_HALF'
              ? 'f16'
              : dt.name === 'DT_BFLOAT16'
                ? 'bf16'
                : dt.name === 'DT_DOUBLE'
                  ? 'f64'
                  : undefined;
        if (!kind)
          throw new Error(`${indexName}: variable "${e.name}" has dtype ${dt.name}; only float weights can be loaded`);
        let data = bytesToFloat32(bytes, kind, numElements(e.shape));
        let shape = e.shape;
        if (transpose) {
          data = transpose2d(data, e.shape[0], e.shape[1]);
          shape = [e.shape[1], e.shape[0]];
        }
        yield { name, shape, data };
      }
    },
  };
}
