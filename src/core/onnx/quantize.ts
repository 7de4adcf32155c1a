/**
 * int8 weight quantisation for the `model_quantized.onnx` transformers.js loads by
 * default: each weight matrix, laid out [in, out] as MatMul's right operand, is stored
 * as uint8 with one scale and zero point per output column (asymmetric, the range
 * always containing 0, as onnxruntime's quantize_dynamic does):
 *
 *   scale = (max(0, max w) − min(0, min w)) / 255,   zeroPoint = round(−min(0, min w) / scale)
 *   q     = clamp(round(w / scale) + zeroPoint, 0, 255),   w ≈ (q − zeroPoint) · scale
 *
 * Activations are quantised at run time by the graph (DynamicQuantizeLinear), and
 * MatMulInteger multiplies the two: y = (xq − xz) · (Wq − Wz) · xScale · Wscale.
 * Unsigned weights keep every x86 kernel free of the u8×s8 pair-sum saturation.
 */

export interface QuantizedColumns {
  /** uint8 values, the same [rows, cols] layout as the input */
  q: Uint8Array;
  scale: Float32Array;
  zeroPoint: Uint8Array;
}

/** Quantises a row-major [rows, cols] float matrix per column. */
export function quantizeColumns(w: Float32Array, rows: number, cols: number): QuantizedColumns {
  if (w.length !== rows * cols) throw new Error(`quantizeColumns: ${w.length} values is not ${rows} × ${cols}`);
  const lo = new Float32Array(cols); // starts at 0: the range contains 0
  const hi = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = w[row + c];
      if (v < lo[c]) lo[c] = v;
      if (v > hi[c]) hi[c] = v;
    }
  }
  const scale = new Float32Array(cols);
  const zeroPoint = new Uint8Array(cols);
  for (let c = 0; c < cols; c++) {
    const s = (hi[c] - lo[c]) / 255;
    scale[c] = s > 0 ? s : 1;
    zeroPoint[c] = Math.min(255, Math.max(0, Math.round(-lo[c] / scale[c])));
  }
  const q = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) {
      q[row + c] = Math.min(255, Math.max(0, Math.round(w[row + c] / scale[c]) + zeroPoint[c]));
    }
  }
  return { q, scale, zeroPoint };
}

/** Quantises a row-major [rows, cols] float matrix per row (an embedding table: one scale per token). */
export function quantizeRows(w: Float32Array, rows: number, cols: number): QuantizedColumns {
  if (w.length !== rows * cols) throw new Error(`quantizeRows: ${w.length} values is not ${rows} × ${cols}`);
  // per row of w = per column of wᵀ
  const t = transpose(w, rows, cols);
  const byColumn = quantizeColumns(t, cols, rows);
  return { q: transpose(byColumn.q, cols, rows), scale: byColumn.scale, zeroPoint: byColumn.zeroPoint };
}

/** The transpose of a row-major [rows, cols] matrix. */
export function transpose<T extends Float32Array | Uint8Array>(w: T, rows: number, cols: number): T {
  const out = new (w.constructor as { new (n: number): T })(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = w[row + c];
  }
  return out;
}
