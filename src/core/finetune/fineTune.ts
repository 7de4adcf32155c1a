/**
 * What a fine-tuning run needs besides the loop (src/core/run/train.ts) and its
 * options (fineTuneOptions.ts): the model (an encoder with its pooler from any
 * checkpoint, plus a fresh task head), and the task's items from task files
 * (src/core/tasks/). The CLI (run_classifier, run_squad) and the page use it.
 */
import { addMissingParts } from '../model/buildStudent.ts';
import type { BertConfig } from '../model/config.ts';
import { CLASSIFIER_NAMES, type HeadKind, headShapes, initHead, QA_NAMES } from '../model/heads.ts';
import type { Weights } from '../model/weights.ts';
import { classificationFeatures } from '../tasks/classificationFeatures.ts';
import type { PairTaskFile, SingleTaskFile } from '../tasks/taskFiles.ts';
import type { BertTokenizer } from '../tokenizer/bertTokenizer.ts';
import type { ClassificationItem } from './classifierTask.ts';

/**
 * The model to fine-tune: the base checkpoint's encoder and pooler (a fresh pooler
 * when it has none), without its masked-LM head, plus the task head: the base's own
 * when it already has one of this kind and size (a fine-tuned model fine-tuned
 * further), else a fresh one. The base's tensors are copied, never taken.
 */
export function fineTuneWeights(
  base: Weights,
  cfg: BertConfig,
  head: HeadKind,
  outputs: number,
  seed: number,
): { weights: Weights; notes: string[] } {
  const weights: Weights = {};
  for (const [name, t] of Object.entries(base)) {
    if (name.startsWith('cls.predictions.') || name.startsWith('classifier.') || name.startsWith('qa_outputs.'))
      continue;
    weights[name] = t.clone();
  }
  const notes = addMissingParts(weights, cfg, seed, { pooler: true, mlmHead: false });
  const shapes = headShapes(cfg, head, outputs);
  const own = [...shapes].every(([n, s]) => base[n]?.shape.join() === s.join());
  if (own) {
    for (const n of shapes.keys()) weights[n] = base[n].clone();
    notes.push(`the ${head} head is the checkpoint's own`);
  } else {
    Object.assign(weights, initHead(cfg, head, outputs, seed));
    const had = base[head === 'classification' ? CLASSIFIER_NAMES.W : QA_NAMES.W];
    notes.push(
      had
        ? `the ${head} head is new: the checkpoint's has ${had.shape[0]} outputs, this task ${outputs}`
        : `the ${head} head is new (random init)`,
    );
  }
  return { weights, notes };
}

/** Classification items of a task file; unlabelled rows (test files) get label −1 and are counted. */
export function classificationItems(
  file: PairTaskFile | SingleTaskFile,
  tokenizer: BertTokenizer,
  labels: readonly string[],
  maxSeqLength: number,
): { items: ClassificationItem[]; truncated: number; unlabelled: number } {
  const features = classificationFeatures(file.examples, tokenizer, [...labels], maxSeqLength);
  return {
    items: features.map((f) => ({
      inputIds: f.inputIds,
      inputMask: f.inputMask,
      segmentIds: f.segmentIds,
      label: f.labelId,
    })),
    truncated: features.filter((f) => f.truncated).length,
    unlabelled: features.filter((f) => f.labelId < 0).length,
  };
}
