/**
 * The one place a student's starting weights are made, for every run (page,
 * CLI, demo): either some encoder layers of a source model (the teacher, or a
 * checkpoint given for the student), or a fresh random model of any size.
 *
 * Whatever the source, the student always has a pooler and a masked-LM head:
 * taken from the source when it has them, made fresh (random init, the head's
 * decoder tied to the word embeddings as in BERT) when it has not. The MLM
 * head is what distillation trains; the pooler is what downstream classifiers
 * start from, so an exported student carries it.
 */
import type { BertConfig } from './config.ts';
import { initWeights } from './init.ts';
import { checkpointLayers, type StudentSpec, studentFromLayers } from './student.ts';
import { expectedShapes, MLM_HEAD_NAMES, POOLER_NAMES, type WeightParts, type Weights } from './weights.ts';

export type StudentPlan =
  /** keep these encoder layers of the source, in this order */
  | { kind: 'layers'; layers: number[] }
  /** random init for this config */
  | { kind: 'fresh'; config: BertConfig };

export interface StudentSource {
  weights: Weights;
  config: BertConfig;
}

export interface BuiltStudent {
  weights: Weights;
  cfg: BertConfig;
  /** what was made fresh and why, in words for the page and the CLI */
  notes: string[];
}

/** Builds a student; the source's tensors are copied, never taken, so the source stays usable. */
export function buildStudent(plan: StudentPlan, source: StudentSource | null, seed: number): BuiltStudent {
  if (plan.kind === 'fresh') {
    return {
      weights: initWeights(plan.config, { pooler: true, mlmHead: true }, seed),
      cfg: { ...plan.config },
      notes: ['random initialisation'],
    };
  }
  if (!source) throw new Error('student: keeping layers needs a source model (the teacher or a checkpoint)');
  const { weights, cfg } = studentFromLayers(source.weights, source.config, plan.layers);
  return { weights, cfg, notes: addMissingParts(weights, cfg, seed) };
}

/**
 * Adds a fresh pooler and/or MLM head (those of `parts`) where `weights` lacks them;
 * returns notes saying which.
 */
export function addMissingParts(
  weights: Weights,
  cfg: BertConfig,
  seed: number,
  parts: WeightParts = { pooler: true, mlmHead: true },
): string[] {
  const absent = new Set(
    [...expectedShapes(cfg, parts).keys()].filter(
      (n) => (n.startsWith('bert.pooler.') || n.startsWith('cls.predictions.')) && !(n in weights),
    ),
  );
  if (absent.size === 0) return [];
  Object.assign(
    weights,
    initWeights(cfg, parts, seed, (n) => absent.has(n)),
  );
  const notes: string[] = [];
  if (absent.has(POOLER_NAMES.W)) notes.push('the pooler is new (random init): the source has none');
  if (absent.has(MLM_HEAD_NAMES.transformW)) {
    notes.push('the masked-LM head is new (random init, decoder tied to the word embeddings): the source has none');
  }
  return notes;
}

/**
 * The plan that makes the student a spec describes, its config `cfg` already checked
 * (studentConfig): layers kept of the teacher or of the student's own checkpoint (the source then
 * is that model), or a fresh model of `cfg`.
 */
export function studentPlan(spec: StudentSpec, cfg: BertConfig, source?: BertConfig): StudentPlan {
  if (spec.kind === 'layers') return { kind: 'layers', layers: spec.layers };
  if (spec.kind === 'checkpoint') {
    if (!source) throw new Error("student: a student from its own checkpoint needs that checkpoint's config");
    return { kind: 'layers', layers: checkpointLayers(spec, source) };
  }
  return { kind: 'fresh', config: cfg };
}
