/**
 * Students: smaller BERTs to distil into. Either cut from a teacher (or any base
 * checkpoint) by keeping some of its encoder layers, as the seed's 3-layer
 * students keep layers 0,1,2 and DistilBERT keeps every other layer; or built
 * from a fresh config with random init (then the hidden size may differ from
 * the teacher's).
 */
import * as tf from '@tensorflow/tfjs';
import { parseBertConfig, type BertConfig } from './config.ts';
import { initWeights } from './init.ts';
import type { WeightParts, Weights } from './weights.ts';

const LAYER_NAME = /^bert\.encoder\.layer\.(\d+)\.(.+)$/;

/**
 * How a student is made: keeping some of the teacher's layers, from a checkpoint of its own (all its
 * layers, or those listed), or from a fresh config of these sizes.
 */
export type StudentSpec =
  | { kind: 'layers'; layers: number[] }
  /** `checkpointId` names the stored checkpoint as its caller does (the page's model id); `layers` null keeps all */
  | { kind: 'checkpoint'; checkpointId: string; layers: number[] | null }
  | {
      kind: 'fresh';
      hidden_size: number;
      num_hidden_layers: number;
      num_attention_heads: number;
      intermediate_size: number;
    };

/**
 * The config of a student, from its teacher's config and a spec, checked before any weights
 * are made: kept layers as studentFromLayers checks them, a fresh config as parseBertConfig does.
 * A student from its own checkpoint needs that checkpoint's config, `source`.
 */
export function studentConfig(teacher: BertConfig, spec: StudentSpec, source?: BertConfig): BertConfig {
  if (spec.kind === 'layers') return studentConfigFromLayers(teacher, spec.layers);
  if (spec.kind === 'checkpoint') {
    if (!source) throw new Error("student: a student from its own checkpoint needs that checkpoint's config");
    return studentConfigFromLayers(source, checkpointLayers(spec, source), "the student's checkpoint");
  }
  return parseBertConfig(
    {
      ...teacher,
      num_hidden_layers: spec.num_hidden_layers,
      hidden_size: spec.hidden_size,
      num_attention_heads: spec.num_attention_heads,
      intermediate_size: spec.intermediate_size,
    },
    'student config',
  );
}

/** The config of a student keeping the teacher's encoder layers `layers` (checked: in range, none twice, not empty). */
export function studentConfigFromLayers(
  teacherCfg: BertConfig,
  layers: number[],
  sourceName = 'the teacher',
): BertConfig {
  validateLayers(layers, teacherCfg.num_hidden_layers, sourceName);
  return { ...teacherCfg, num_hidden_layers: layers.length };
}

/**
 * A student keeping the teacher's encoder layers `layers` (in the order given),
 * renumbered 0..n−1, plus copies of the embeddings, pooler and MLM head and any
 * other non-layer tensors. Every tensor is a clone: disposing the student leaves
 * the teacher usable and the other way round.
 */
export function studentFromLayers(
  teacher: Weights,
  teacherCfg: BertConfig,
  layers: number[],
): { weights: Weights; cfg: BertConfig } {
  const cfg = studentConfigFromLayers(teacherCfg, layers);
  const newIndex = new Map(layers.map((teacherLayer, i) => [teacherLayer, i]));
  for (const teacherLayer of layers) {
    const prefix = `bert.encoder.layer.${teacherLayer}.`;
    if (!Object.keys(teacher).some((name) => name.startsWith(prefix))) {
      throw new Error(`student: the teacher's weights have no tensors for layer ${teacherLayer} (${prefix}*)`);
    }
  }
  const weights: Weights = {};
  for (const [name, tensor] of Object.entries(teacher)) {
    const m = LAYER_NAME.exec(name);
    if (m) {
      const i = newIndex.get(Number(m[1]));
      if (i !== undefined) weights[`bert.encoder.layer.${i}.${m[2]}`] = tf.clone(tensor);
    } else {
      weights[name] = tf.clone(tensor);
    }
  }
  return { weights, cfg };
}

/** The layers a student from its own checkpoint keeps: those listed, or all of the checkpoint's. */
export function checkpointLayers(spec: { layers: number[] | null }, source: BertConfig): number[] {
  return spec.layers ?? [...Array(source.num_hidden_layers).keys()];
}

/**
 * Which of a source's tensors a student keeping `layers` needs (canonical names): every tensor
 * outside the encoder layers, and the kept layers' own. Loading only these keeps a worker from
 * holding layers it then drops.
 */
export function keepsTensor(layers: number[]): (name: string) => boolean {
  const kept = new Set(layers);
  return (name) => {
    const m = LAYER_NAME.exec(name);
    return !m || kept.has(Number(m[1]));
  };
}

/**
 * Every other layer of an n-layer teacher, starting at the first: [0, 2, 4, ...]
 * (⌈n/2⌉ layers). DistilBERT initialises its student from alternate teacher
 * layers; we start at layer 0 so the student keeps the layer that reads the
 * embeddings directly.
 */
export function everyOtherLayer(n: number): number[] {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`everyOtherLayer: layer count must be a positive integer, got ${n}`);
  const out: number[] = [];
  for (let i = 0; i < n; i += 2) out.push(i);
  return out;
}

/** A student with fresh random weights (truncated normal, initializer_range) for any config. */
export function studentFromConfig(
  cfg: BertConfig,
  parts: WeightParts,
  seed: number,
): { weights: Weights; cfg: BertConfig } {
  return { weights: initWeights(cfg, parts, seed), cfg: { ...cfg } };
}

/** Frees every tensor of a weight map. */
export function disposeWeights(weights: Weights): void {
  for (const t of Object.values(weights)) t.dispose();
}

/** Parses a layer list such as "0,1,2" (the CLI's --layers) into indices; the error names the bad item. */
export function parseLayerList(text: string, source = '--layers'): number[] {
  const items = text.split(',').map((s) => s.trim());
  return items.map((item, i) => {
    if (!/^\d+$/.test(item))
      throw new Error(`${source}: item ${i + 1} "${item}" is not a layer index (expected e.g. 0,1,2)`);
    return Number(item);
  });
}

function validateLayers(layers: number[], teacherLayers: number, sourceName: string): void {
  if (layers.length === 0) throw new Error('student: the list of layers to keep is empty');
  const seen = new Set<number>();
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= teacherLayers) {
      throw new Error(`student: layer ${l} is out of range, ${sourceName} has layers 0..${teacherLayers - 1}`);
    }
    if (seen.has(l)) throw new Error(`student: layer ${l} is listed twice`);
    seen.add(l);
  }
}
