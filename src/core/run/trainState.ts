/**
 * The saved train state: everything a run needs to continue exactly where it
 * was (weights, AdamW moments, step, data order, metrics history), kept in a
 * KeyValueStore (IndexedDB in the browser, a folder from the CLI) as
 *
 *   <prefix>checkpoint/step-<n>/w/<weight>   float32 bytes
 *   <prefix>checkpoint/step-<n>/m|v/<weight> AdamW moments
 *   <prefix>checkpoint/step-<n>/state        JSON: step, seed, data order, shapes, history
 *   <prefix>checkpoint/latest                JSON: { step, tag }, moved last
 *
 * The "latest" pointer moves only once a checkpoint is completely written, so
 * an interrupted save leaves the previous one intact. Older checkpoints beyond
 * `keep` are deleted after the pointer moved.
 */
import * as tf from '@tensorflow/tfjs';
import type { KeyValueStore } from '../storage/keyValueStore.ts';
import { expectBytes } from '../storage/keyValueStore.ts';
import type { AdamW } from './adamw.ts';
import type { DataOrderState } from './dataOrder.ts';

/** The JSON part of a checkpoint. */
interface StateRecord<H> {
  format: 1;
  step: number;
  seed: number;
  data: DataOrderState;
  weights: { name: string; shape: number[] }[];
  optimizer: { name: string; shape: number[] }[];
  history: H[];
}

/** What is saved besides the tensors. */
export interface TrainProgressState<H> {
  step: number;
  seed: number;
  data: DataOrderState;
  history: H[];
}

function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export class TrainStateStore {
  constructor(
    private readonly store: KeyValueStore,
    private readonly prefix = '',
  ) {}

  private key(k: string): string {
    return `${this.prefix}checkpoint/${k}`;
  }

  /** Writes one complete checkpoint, then moves "latest" to it and drops the oldest beyond `keep`. */
  async save<H>(
    vars: Record<string, tf.Variable>,
    optimizer: AdamW,
    progress: TrainProgressState<H>,
    keep: number,
  ): Promise<void> {
    const tag = `step-${progress.step}`;
    const names = Object.keys(vars).sort();
    for (const n of names) {
      await this.store.set(this.key(`${tag}/w/${n}`), f32Bytes((await vars[n].data()) as Float32Array));
    }
    const opt = await optimizer.getState();
    for (let i = 0; i < opt.names.length; i++) {
      await this.store.set(this.key(`${tag}/m/${opt.names[i]}`), f32Bytes(opt.m[i]));
      await this.store.set(this.key(`${tag}/v/${opt.names[i]}`), f32Bytes(opt.v[i]));
    }
    const state: StateRecord<H> = {
      format: 1,
      step: progress.step,
      seed: progress.seed,
      data: { ...progress.data },
      weights: names.map((name) => ({ name, shape: vars[name].shape })),
      optimizer: opt.names.map((name, i) => ({ name, shape: opt.shapes[i] })),
      history: progress.history,
    };
    await this.store.set(this.key(`${tag}/state`), state);
    await this.store.set(this.key('latest'), { step: progress.step, tag });
    await this.dropOld(tag, keep);
  }

  private async dropOld(current: string, keep: number): Promise<void> {
    const tags = new Set<string>();
    for (const k of await this.store.keys(this.key('step-'))) tags.add(k.slice(this.key('').length).split('/')[0]);
    const sorted = [...tags].sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
    for (const old of sorted.slice(0, Math.max(0, sorted.length - Math.max(1, keep)))) {
      if (old === current) continue;
      for (const k of await this.store.keys(this.key(`${old}/`))) await this.store.del(k);
    }
  }

  /**
   * Reads the latest checkpoint into `vars` and `optimizer`; null when there is none.
   * Everything is read and checked before anything is changed.
   */
  async restore<H>(vars: Record<string, tf.Variable>, optimizer: AdamW): Promise<TrainProgressState<H> | null> {
    const latest = (await this.store.get(this.key('latest'))) as { step: number; tag: string } | undefined;
    if (!latest) return null;
    const where = `checkpoint ${this.prefix}${latest.tag}`;
    const state = (await this.store.get(this.key(`${latest.tag}/state`))) as StateRecord<H> | undefined;
    if (state?.format !== 1) throw new Error(`${where}: its state record is missing or unreadable`);
    const want = new Set(Object.keys(vars));
    for (const { name, shape } of state.weights) {
      const v = vars[name];
      if (!v) throw new Error(`${where}: tensor "${name}" is not a weight of this model`);
      if (v.shape.join() !== shape.join()) {
        throw new Error(`${where}: tensor "${name}" has shape [${shape}], this model's is [${v.shape}]`);
      }
      want.delete(name);
    }
    if (want.size) throw new Error(`${where}: tensors missing: ${[...want].slice(0, 5).join(', ')}`);
    const load = async (k: string, shape: number[]) => {
      const bytes = expectBytes(await this.store.get(this.key(`${latest.tag}/${k}`)), `${where}/${k}`);
      const n = shape.reduce((a, b) => a * b, 1);
      if (bytes.byteLength !== n * 4) throw new Error(`${where}/${k}: ${bytes.byteLength} bytes, expected ${n * 4}`);
      return new Float32Array(bytes.slice().buffer);
    };
    const values = new Map<string, Float32Array>();
    for (const { name, shape } of state.weights) values.set(name, await load(`w/${name}`, shape));
    const m: Float32Array[] = [];
    const v: Float32Array[] = [];
    for (const { name, shape } of state.optimizer) {
      m.push(await load(`m/${name}`, shape));
      v.push(await load(`v/${name}`, shape));
    }
    // everything read: now change the model
    for (const [name, data] of values) {
      const t = tf.tensor(data, vars[name].shape);
      vars[name].assign(t);
      t.dispose();
    }
    optimizer.setState({
      names: state.optimizer.map((o) => o.name),
      shapes: state.optimizer.map((o) => o.shape),
      m,
      v,
    });
    return { step: state.step, seed: state.seed, data: state.data, history: state.history };
  }
}
