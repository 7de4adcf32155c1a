/**
 * For tests and the benchmark only: runs an exported BERT ONNX model in
 * onnxruntime-node (its CPU kernels ship inside the npm package) on token rows,
 * padding them to the longest with attention_mask 0.
 */
import * as ort from 'onnxruntime-node';

export interface PaddedBatch {
  ids: number[][];
  mask: number[][];
  types: number[][];
}

/** Rows of ids (and token types) padded with `padId` to the longest row. */
export function padBatch(rows: number[][], padId = 0, typeRows?: number[][]): PaddedBatch {
  const seq = Math.max(...rows.map((r) => r.length));
  const pad = (r: number[], v: number) => [...r, ...Array(seq - r.length).fill(v)];
  return {
    ids: rows.map((r) => pad(r, padId)),
    mask: rows.map((r) => pad(Array(r.length).fill(1), 0)),
    types: rows.map((r, i) => pad(typeRows?.[i] ?? Array(r.length).fill(0), 0)),
  };
}

function int64(rows: number[][]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
}

export interface OrtOutput {
  dims: number[];
  data: Float32Array;
}

export async function onnxSession(bytes: Uint8Array, threads?: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, threads ? { intraOpNumThreads: threads } : {});
}

/** Every output of the model for one padded batch. */
export async function runBertOnnx(
  session: ort.InferenceSession,
  batch: PaddedBatch,
): Promise<Record<string, OrtOutput>> {
  const out = await session.run({
    input_ids: int64(batch.ids),
    attention_mask: int64(batch.mask),
    token_type_ids: int64(batch.types),
  });
  const result: Record<string, OrtOutput> = {};
  for (const [name, t] of Object.entries(out)) {
    result[name] = { dims: t.dims.slice(), data: t.data as Float32Array };
  }
  return result;
}
