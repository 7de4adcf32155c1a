import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The workbench is a static single-page app: no server beyond the files it builds.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['jieba-wasm'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
});
