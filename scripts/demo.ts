/**
 * `npm run demo`: the embedded demo from the command line, in one command and with nothing to download.
 * Loads the demo teacher (public/demo/teacher), builds whole-word-masked examples from the demo corpus,
 * runs the teacher pass (top-k probabilities at each masked position), then distils a 3-layer student
 * (the seed's loss: cross-entropy + cosine against the teacher's top-k) for a short while, printing the
 * training loss and, on held-out examples, the student's top-1 agreement with the teacher as it rises.
 *
 * Flags (defaults in brackets): --demo_dir [public/demo] --max_seq_length [64] --max_predictions_per_seq [10]
 *   --num_examples [768] --truncation_factor [128] --student_layers [0,1,2] (teacher layers the student keeps;
 *   "fresh" for a random 3-layer student) --train_batch_size [16] --num_train_steps [80] --learning_rate [5e-4]
 *   --eval_every [10] --backend [wasm] --random_seed [12345]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/core/backend/useBackend.ts';
import '@tensorflow/tfjs-backend-wasm';
import { openFile } from '../src/cli/files.ts';
import { assertTeacher, disposeCheckpoint, loadCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { bertMaskedLm, type TrainItem } from '../src/core/distill/batch.ts';
import { LOSS_PRESETS } from '../src/core/distill/loss.ts';
import { computeTeacherOutputs, exampleTopK } from '../src/core/distill/teacherOutputs.ts';
import { type DistillScores, distillTask } from '../src/core/distill/distillTask.ts';
import { splitHeldOut } from '../src/core/run/heldOut.ts';
import { inMemoryTrainingSet } from '../src/core/run/task.ts';
import { type EvalMetrics, Trainer } from '../src/core/run/trainer.ts';
import { NEVER_STOP, train } from '../src/core/run/train.ts';
import { createPretrainingExamples } from '../src/core/examples/createPretrainingData.ts';
import type { MaskedExample } from '../src/core/examples/maskedExample.ts';
import { buildStudent } from '../src/core/model/buildStudent.ts';
import { BertTokenizer } from '../src/core/tokenizer/bertTokenizer.ts';
import { configureWasmPaths } from '../src/cli/nodeBackend.ts';

function parseFlags(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of process.argv.slice(2)) {
    const m = /^--([a-z_]+)(?:=(.*))?$/.exec(a);
    if (!m)
      throw new Error(`demo: unknown argument "${a}" (flags look like --num_train_steps=80; see scripts/demo.ts)`);
    out[m[1]] = m[2] ?? 'true';
  }
  return out;
}

const F = parseFlags();
const num = (k: string, d: number): number => {
  if (F[k] === undefined) return d;
  const v = Number(F[k]);
  if (!Number.isFinite(v)) throw new Error(`demo: --${k} must be a number, got "${F[k]}"`);
  return v;
};
const DIR = F.demo_dir ?? 'public/demo';
const SEQ = num('max_seq_length', 64);
const MAX_PRED = num('max_predictions_per_seq', 10);
const N_EXAMPLES = num('num_examples', 768);
const K = num('truncation_factor', 128);
const BATCH = num('train_batch_size', 16);
const STEPS = num('num_train_steps', 80);
const LR = num('learning_rate', 5e-4);
const EVAL_EVERY = num('eval_every', 10);
const SEED = num('random_seed', 12345);

const t0 = performance.now();
const say = (s: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${s}`);

async function main(): Promise<void> {
  configureWasmPaths();
  const backend = F.backend ?? 'wasm';
  await useBackend(backend, { who: 'demo' });
  say(`backend ${tf.getBackend()}`);

  // 1. The teacher.
  const tdir = join(DIR, 'teacher');
  const files = new Map<string, Blob>();
  for (const f of ['config.json', 'vocab.txt', 'model.safetensors'])
    files.set(`teacher/${f}`, await openFile(join(tdir, f)));
  const teacher = await loadCheckpoint(files);
  assertTeacher(teacher);
  const cfg = teacher.config;
  say(
    `teacher: ${cfg.num_hidden_layers} layers, hidden ${cfg.hidden_size}, vocab ${cfg.vocab_size} (${(teacher.sizeBytes / 1e6).toFixed(2)} MB ${teacher.format})`,
  );

  // 2. Masked examples from the demo corpus (seed mode, whole-word masking).
  const vocabText = readFileSync(join(tdir, 'vocab.txt'), 'utf8');
  const tokenizer = BertTokenizer.fromVocabText(vocabText, { doLowerCase: true, source: join(tdir, 'vocab.txt') });
  const corpus = readFileSync(join(DIR, 'corpus.txt'), 'utf8');
  const docs = corpus
    .split(/\n\s*\n/u)
    .map((d) => d.split('\n').filter((l) => l.trim().length > 0))
    .filter((d) => d.length > 0);
  async function* docStream(): AsyncGenerator<string[]> {
    for (const d of docs) yield d;
  }
  const examples: MaskedExample[] = [];
  for await (const ex of createPretrainingExamples(docStream(), tokenizer, {
    mode: 'seed',
    doWholeWordMask: true,
    maxSeqLength: SEQ,
    maxPredictionsPerSeq: MAX_PRED,
    docStride: SEQ,
    dupeFactor: 1,
    randomSeed: SEED,
    shuffleBufferSize: 4096,
  })) {
    examples.push(ex);
    if (examples.length >= N_EXAMPLES) break;
  }
  if (examples.length < 2 * BATCH)
    throw new Error(
      `demo: only ${examples.length} examples were built from ${join(DIR, 'corpus.txt')}; need at least ${2 * BATCH}`,
    );
  say(`examples: ${examples.length} (seq ${SEQ}, at most ${MAX_PRED} masked tokens each, whole-word masking)`);

  // 3. The teacher pass: top-k probabilities at every masked position.
  const model = bertMaskedLm(cfg);
  const items: TrainItem[] = [];
  for (let i = 0; i < examples.length; i += 64) {
    const chunk = examples.slice(i, i + 64);
    const out = await computeTeacherOutputs(model, teacher.weights, chunk, K);
    chunk.forEach((example, j) => {
      items.push({ example, teacher: exampleTopK(out, j) });
    });
  }
  say(
    `teacher outputs: top-${K} at ${items.reduce((a, it) => a + it.example.maskedLmWeights.reduce((s, w) => s + w, 0), 0)} masked positions`,
  );

  // 4. The student: three of the teacher's layers (as the original built its students), or a fresh one.
  const fresh = F.student_layers === 'fresh';
  const layers = fresh ? [] : (F.student_layers ?? '0,1,2').split(',').map(Number);
  const student = buildStudent(
    fresh ? { kind: 'fresh', config: { ...cfg, num_hidden_layers: 3 } } : { kind: 'layers', layers },
    { weights: teacher.weights, config: cfg },
    SEED,
  );
  disposeCheckpoint(teacher);
  say(
    `student: 3 layers ${fresh ? '(random init)' : `(teacher layers ${layers.join(',')})`}; ${student.notes.join('; ')}`,
  );

  // 5. Distil, evaluating on the held-out examples (the run layer's rule) as it goes.
  const { train: trainSet, heldOut } = splitHeldOut(inMemoryTrainingSet(items));
  if (!heldOut) throw new Error(`demo: ${items.length} examples are too few to hold any out`);
  const trainer = new Trainer({
    task: distillTask(student.cfg, LOSS_PRESETS.seed),
    weights: student.weights,
    config: {
      schedule: { learningRate: LR, numWarmupSteps: Math.round(STEPS * 0.1), numTrainSteps: STEPS },
      batchSize: BATCH,
      seed: SEED,
    },
    data: trainSet,
  });
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const evals: EvalMetrics<DistillScores>[] = [];
  await train(trainer, { heldOut, evalEvery: EVAL_EVERY, evalAtStart: true, checkpointEvery: 0 }, NEVER_STOP, {
    step: (m) => {
      if (m.step % 5 !== 0) return;
      const parts = Object.entries(m.components)
        .map(([k, v]) => `${k} ${v.toFixed(4)}`)
        .join(', ');
      say(
        `step ${String(m.step).padStart(3)}/${STEPS}: loss ${m.total.toFixed(4)} (${parts}), lr ${m.lr.toExponential(2)}, ${m.examplesPerSec.toFixed(1)} examples/s`,
      );
    },
    eval: (e) => {
      evals.push(e);
      say(
        `eval @ step ${String(e.step).padStart(3)} (${e.examples} held-out examples, ${e.positions} positions): teacher top-1 agreement ${pct(e.teacherTop1Agreement)}, top-5 overlap ${pct(e.top5Overlap)}, gold accuracy ${pct(e.goldAccuracy)}, loss ${e.loss.toFixed(4)}`,
      );
    },
  });
  trainer.dispose();
  const first = evals[0];
  const last = evals[evals.length - 1];
  say(
    `teacher agreement ${pct(first.teacherTop1Agreement)} → ${pct(last.teacherTop1Agreement)}; loss ${first.loss.toFixed(4)} → ${last.loss.toFixed(4)} over ${STEPS} steps`,
  );
}

main().catch((e) => {
  console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
