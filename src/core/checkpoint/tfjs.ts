/**
 * tfjs weights format reader: model.json with a `weightsManifest`
 * ([{ paths: [shard files], weights: [{ name, shape, dtype }] }]) and binary shards.
 * Within a group, weights lie back to back across the concatenated shards, so
 * a tensor may straddle two shard files. float32 and float16 are read.
 */
import {
  bytesToFloat32,
  numElements,
  readRange,
  type TensorInfo,
  type TensorRecord,
  type TensorSource,
} from './tensorRecord.ts';

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

interface ManifestGroup {
  paths: string[];
  weights: ManifestWeight[];
}

/** The parsed model.json (only the fields this project reads and writes). */
export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  weightsManifest: ManifestGroup[];
  /** Written by this project's exporter: the BERT config, so model.json alone describes the model. */
  userDefinedMetadata?: { bertConfig?: unknown };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, float16: 2, int32: 4, bool: 1, uint8: 1 };

/** Parses model.json text, failing clearly. */
export function parseTfjsModelJson(text: string, file: string): TfjsModelJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const m = json as TfjsModelJson;
  if (!m || !Array.isArray(m.weightsManifest)) throw new Error(`${file}: no weightsManifest: not a tfjs model.json`);
  return m;
}

/**
 * Opens the weights of a model.json. `shardBlob(path)` resolves a manifest path
 * (relative to model.json) to a Blob, or undefined when the file was not given.
 */
export function openTfjs(
  model: TfjsModelJson,
  file: string,
  shardBlob: (path: string) => Blob | undefined,
): TensorSource {
  type Plan = { info: TensorInfo; group: number; start: number; w: ManifestWeight };
  const plans: Plan[] = [];
  const groups = model.weightsManifest.map((g, gi) => {
    if (!Array.isArray(g.paths) || !Array.isArray(g.weights))
      throw new Error(`${file}: weightsManifest[${gi}] lacks paths or weights`);
    const blobs = g.paths.map((p) => {
      const b = shardBlob(p);
      if (!b)
        throw new Error(`${file}: weight shard "${p}" (weightsManifest[${gi}]) is missing; give it next to model.json`);
      return { path: p, blob: b };
    });
    return blobs;
  });
  model.weightsManifest.forEach((g, gi) => {
    let offset = 0;
    const total = groups[gi].reduce((s, x) => s + x.blob.size, 0);
    for (const w of g.weights) {
      const where = `${file}: weight "${w.name}"`;
      if (w.quantization) throw new Error(`${where} is quantized; only float32/float16 weights are supported`);
      const size = DTYPE_BYTES[w.dtype];
      if (size === undefined) throw new Error(`${where}: unsupported dtype "${w.dtype}"`);
      if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0))
        throw new Error(`${where}: bad shape ${JSON.stringify(w.shape)}`);
      const byteLength = numElements(w.shape) * size;
      if (offset + byteLength > total) {
        throw new Error(
          `${where} needs bytes ${offset}..${offset + byteLength} of shards ${g.paths.join(', ')} but they hold ${total} bytes: truncated`,
        );
      }
      plans.push({ info: { name: w.name, shape: w.shape, dtype: w.dtype, byteLength }, group: gi, start: offset, w });
      offset += byteLength;
    }
  });
  const readSpan = async (gi: number, start: number, end: number, what: string): Promise<Uint8Array> => {
    let base0 = 0;
    for (const { path, blob } of groups[gi]) {
      if (start >= base0 && end <= base0 + blob.size) return readRange(blob, start - base0, end - base0, path, what);
      base0 += blob.size;
    }
    const out = new Uint8Array(end - start);
    let base = 0;
    for (const { path, blob } of groups[gi]) {
      const s = Math.max(start, base);
      const e = Math.min(end, base + blob.size);
      if (s < e) out.set(await readRange(blob, s - base, e - base, path, what), s - start);
      base += blob.size;
      if (base >= end) break;
    }
    return out;
  };
  return {
    file,
    totalBytes: plans.reduce((s, p) => s + p.info.byteLength, 0),
    infos: plans.map((p) => p.info),
    skipped: [],
    async *tensors(wanted?: Set<string>): AsyncGenerator<TensorRecord> {
      for (const p of plans) {
        if (wanted && !wanted.has(p.info.name)) continue;
        if (p.w.dtype !== 'float32' && p.w.dtype !== 'float16') {
          throw new Error(`${file}: weight "${p.w.name}" has dtype ${p.w.dtype}; only float weights can be loaded`);
        }
        const bytes = await readSpan(p.group, p.start, p.start + p.info.byteLength, `weight "${p.w.name}"`);
        yield {
          name: p.w.name,
          shape: p.w.shape,
          data: bytesToFloat32(bytes, p.w.dtype === 'float32' ? 'f32' : 'f16', numElements(p.w.shape)),
        };
      }
    },
  };
}
