/**
 * Node only: starts tfjs's wasm backend from the .wasm
 * files in node_modules (no download). Returns null when it works, otherwise the
 * reason, so callers can skip with a message.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { useBackend } from '../core/backend/useBackend.ts';

const WASM_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../node_modules/@tensorflow/tfjs-backend-wasm/dist',
);

let configured = false;

/** Registers the wasm file location once; then `useBackend('wasm')` works. */
export function configureWasmPaths(): void {
  if (configured) return;
  setWasmPaths(WASM_DIR + path.sep);
  configured = true;
}

/** Switches tfjs to the wasm backend; returns null on success, or why it could not. */
export async function useWasmBackend(): Promise<string | null> {
  try {
    configureWasmPaths();
    await useBackend('wasm');
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Picks the tfjs backend for a CLI command: wasm by default (tens of times faster
 * than tfjs's pure-JS cpu backend in Node), cpu on request or when wasm fails.
 */
export async function selectCliBackend(requested: string): Promise<string> {
  if (requested !== 'wasm' && requested !== 'cpu') {
    throw new Error(`--tfjs_backend must be wasm or cpu in Node, got "${requested}"`);
  }
  if (requested === 'wasm') {
    const why = await useWasmBackend();
    if (why === null) return 'wasm';
    console.error(`note: ${why}; using the cpu backend`);
  }
  await useBackend('cpu');
  return 'cpu';
}
