/**
 * The transformers.js check page: the exported folder at ./models/<name>/ loaded by
 * transformers.js's own fill-mask pipeline, with everything from this origin
 * (env.allowRemoteModels = false; onnxruntime-web's wasm and its loader at ./ort/,
 * where the e2e test copies them from node_modules). Exposes `window.runFillMask`.
 */
import { env, pipeline } from '@huggingface/transformers';

const here = (path: string) => new URL(path, window.location.href).href;
env.allowRemoteModels = false;
env.allowLocalModels = true;
// A path, not a full URL: transformers.js looks a full URL up as a remote model (and finds no tokenizer).
env.localModelPath = new URL('./models/', window.location.href).pathname;
env.useBrowserCache = false;
// The wasm factory is imported from its own URL (the CSP allows 'self', not blob: scripts).
env.useWasmCache = false;
const onnx = env.backends.onnx as { wasm?: { wasmPaths?: unknown } };
if (onnx.wasm) {
  onnx.wasm.wasmPaths = {
    mjs: here('./ort/ort-wasm-simd-threaded.asyncify.mjs'),
    wasm: here('./ort/ort-wasm-simd-threaded.asyncify.wasm'),
  };
}

const logEl = document.getElementById('log');
function log(line: string): void {
  console.log(`[transformersjs] ${line}`);
  if (logEl) logEl.textContent += `${line}\n`;
}

export interface FillMaskRow {
  token_str: string;
  score: number;
}

async function runFillMask(model: string, text: string, dtype: 'fp32' | 'q8'): Promise<FillMaskRow[]> {
  const t0 = performance.now();
  const fill = await pipeline('fill-mask', model, { dtype, device: 'wasm' });
  const rows = (await fill(text, { top_k: 5 })) as FillMaskRow[];
  await fill.dispose();
  log(
    `${dtype}: ${rows.map((r) => `${r.token_str} ${r.score.toFixed(4)}`).join(', ')} (${(performance.now() - t0).toFixed(0)} ms)`,
  );
  return rows.map((r) => ({ token_str: r.token_str, score: r.score }));
}

Object.assign(window, { runFillMask, transformersReady: true });
