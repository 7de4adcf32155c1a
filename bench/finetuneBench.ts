/**
 * Fine-tuning speed: a classification fine-tuning step (run_classifier's model and loss, AdamW)
 * through the run layer's Trainer, on the demo-size 3-layer student, in examples/s.
 * No node: imports: runs in Node (cpu, wasm) and in the bench page (webgpu, webgl, wasm, cpu).
 */
import { type ClassificationItem, classifierTask } from '../src/core/finetune/classifierTask.ts';
import type { BertConfig } from '../src/core/model/config.ts';
import { initHead } from '../src/core/model/heads.ts';
import { initWeights } from '../src/core/model/init.ts';
import { Rng } from '../src/core/random/rng.ts';
import { inMemoryTrainingSet } from '../src/core/run/task.ts';
import { Trainer } from '../src/core/run/trainer.ts';
import { train } from '../src/core/run/train.ts';

export interface FineTuneBenchResult {
  case: string;
  batch: number;
  seq: number;
  msPerStep: number;
  examplesPerSec: number;
}

/** Random pairs (real tokens on the first 3/4 of the sequence) with random binary labels. */
function syntheticPairs(cfg: BertConfig, count: number, seq: number): ClassificationItem[] {
  const rng = new Rng(9);
  const real = Math.floor((seq * 3) / 4);
  return Array.from({ length: count }, () => ({
    inputIds: Int32Array.from({ length: seq }, (_, i) => (i < real ? rng.randint(5, cfg.vocab_size - 1) : 0)),
    inputMask: Int32Array.from({ length: seq }, (_, i) => (i < real ? 1 : 0)),
    segmentIds: Int32Array.from({ length: seq }, (_, i) => (i >= real / 2 && i < real ? 1 : 0)),
    label: rng.randint(0, 1),
  }));
}

/** Times `steps` fine-tuning steps after 2 warm-up steps, on the backend already selected. */
export async function benchFineTuneStep(opts: {
  name: string;
  cfg: BertConfig;
  batch: number;
  seq: number;
  steps: number;
}): Promise<FineTuneBenchResult> {
  const trainer = new Trainer({
    task: classifierTask(opts.cfg, 2, 'bench pairs'),
    weights: {
      ...initWeights(opts.cfg, { pooler: true, mlmHead: false }, 1),
      ...initHead(opts.cfg, 'classification', 2, 1),
    },
    config: {
      schedule: { learningRate: 2e-5, numWarmupSteps: 0, numTrainSteps: opts.steps + 2 },
      batchSize: opts.batch,
    },
    data: inMemoryTrainingSet(syntheticPairs(opts.cfg, opts.batch * 4, opts.seq)),
  });
  try {
    const plan = { heldOut: null, evalEvery: 0, checkpointEvery: 0 };
    await train(trainer, { ...plan, stopAfter: 2 }); // kernels, shaders, optimiser slots
    const t0 = performance.now();
    await train(trainer, { ...plan, stopAfter: 2 + opts.steps });
    const msPerStep = (performance.now() - t0) / opts.steps;
    return {
      case: opts.name,
      batch: opts.batch,
      seq: opts.seq,
      msPerStep,
      examplesPerSec: (opts.batch * 1000) / msPerStep,
    };
  } finally {
    trainer.dispose();
  }
}
