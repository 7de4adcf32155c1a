import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Cross-origin isolation: with these two headers the page (and its workers) get
 * SharedArrayBuffer, so tfjs's wasm backend runs its threaded SIMD build on every
 * core. Static hosting must send the same headers (README, "Hosting").
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The workers' bundles (and any page that runs tfjs's wasm backend) are minified without the compressor: tfjs's threaded wasm backend starts
 * its threads from the source text of a function in the bundle (Function.prototype.toString), and
 * the compressor turns that function's `typeof _scriptDir !== "undefined"` guard into a plain
 * reference to a variable outside it, which throws in the thread ("e is not defined").
 */
export const THREAD_SAFE_MINIFY = { compress: false, mangle: true, codegen: { removeWhitespace: true } };

// The workbench is a static single-page app: no server beyond the files it builds.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es', rolldownOptions: { output: { minify: THREAD_SAFE_MINIFY } } },
  optimizeDeps: { exclude: ['jieba-wasm'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
});
