/**
 * The one place tfjs's backend is switched: every environment (the workers,
 * the CLI, scripts, benchmarks, tests) calls `useBackend`. It sets the
 * backend, waits until it is ready, checks that it is the one now in use, and
 * proves it computes with a tiny matmul; anything wrong becomes one Error that
 * names the backend and what failed.
 *
 * Registering a backend (importing its package) and pointing the wasm backend
 * at its .wasm files stay with each environment's own module: the workers'
 * workers/backend.ts, the CLI's src/cli/nodeBackend.ts, the browser bench.
 */
import * as tf from '@tensorflow/tfjs';
import { registerFasterWasmKernels } from './wasmKernels.ts';

export interface UseBackendOptions {
  /** Run a tiny matmul and check its result (default true): a backend can start and still not compute. */
  verify?: boolean;
  /** Who asks, put in front of the error message (e.g. "demo", "train bench"). */
  who?: string;
}

/** Switches tfjs to `name` and checks it works; throws an Error saying why not. */
export async function useBackend(name: string, options: UseBackendOptions = {}): Promise<void> {
  const fail = (why: string): never => {
    throw new Error(`${options.who ? `${options.who}: ` : ''}tfjs backend "${name}" could not be started: ${why}`);
  };
  if (!tf.findBackendFactory(name))
    fail(`it is not registered (known: ${Object.keys(tf.engine().registryFactory).join(', ')})`);
  if (name === 'wasm') registerFasterWasmKernels();
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  if (!ok) fail('its initialisation failed');
  if (tf.getBackend() !== name) fail(`tfjs is on "${tf.getBackend()}" instead`);
  if (options.verify === false) return;
  let v: number;
  try {
    const probe = tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).sum());
    v = (await probe.data())[0];
    probe.dispose();
  } catch (err) {
    return fail(`a test matmul failed (${err instanceof Error ? err.message : String(err)})`);
  }
  if (v !== 8) fail(`a test matmul gave ${v} instead of 8`);
}
