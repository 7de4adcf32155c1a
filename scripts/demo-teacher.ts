/**
 * `npm run demo:teacher`: makes the embedded demo, deterministically, with the project's own pipeline.
 *  1. public/demo/corpus.txt: classical Chinese from the chinese-poetry package (MIT), BERT's text layout;
 *  2. public/demo/vocab.txt: BERT's special tokens + the corpus's characters seen at least --min_count times;
 *  3. public/demo/teacher/: a small BERT trained by plain masked-LM pre-training (hard-label loss only):
 *     documents (src/core/corpus/readCorpus.ts) → whole-word-masked examples in seed mode
 *     (src/core/examples/createPretrainingData.ts) → the distillation Trainer with the `mlm` loss preset
 *     (the run layer, src/core/run/) → model.safetensors (float16, src/core/checkpoint/exportSafetensors.ts)
 *     + config.json + vocab.txt;
 *  4. public/demo/README.md and teacher/metrics.json: held-out masked-token accuracy vs the unigram baseline,
 *     rewritten at every evaluation, so a run stopped at any time (Ctrl-C / SIGTERM) leaves a usable teacher.
 * The held-out set is whole documents (a seeded 4% of them), never trained on.
 * Flags: --steps --stop_after --batch --seq --lr --warmup --dropout --dupe_factor --eval_every --seed --min_count
 *        --max_predictions --hidden --layers --heads --intermediate --max_position --init_checkpoint (continue from a saved teacher folder)
 *        --backend --out_dir (default public/demo) --corpus_only --eval_only.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../src/core/backend/useBackend.ts';
import { configToJson, parseBertConfig, type BertConfig } from '../src/core/model/config.ts';
import { parameterCount, type Weights } from '../src/core/model/weights.ts';
import { disposeWeights } from '../src/core/model/student.ts';
import { Rng } from '../src/core/random/rng.ts';
import { readDocuments } from '../src/core/corpus/readCorpus.ts';
import { createPretrainingExamples, type PretrainingOptions } from '../src/core/examples/createPretrainingData.ts';
import type { MaskedExample } from '../src/core/examples/maskedExample.ts';
import { BertTokenizer } from '../src/core/tokenizer/bertTokenizer.ts';
import { bertMaskedLm, disposeBatch, toBatchTensors, type TrainItem } from '../src/core/distill/batch.ts';
import { LOSS_PRESETS } from '../src/core/distill/loss.ts';
import { distillTask } from '../src/core/distill/distillTask.ts';
import { addMissingParts, buildStudent } from '../src/core/model/buildStudent.ts';
import { inMemoryTrainingSet } from '../src/core/run/task.ts';
import { Trainer } from '../src/core/run/trainer.ts';
import { train } from '../src/core/run/train.ts';
import { safetensorsBytes } from '../src/core/checkpoint/exportSafetensors.ts';
import { loadCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { checkpointFiles } from '../src/cli/checkpointFiles.ts';
import { useWasmBackend } from '../src/cli/nodeBackend.ts';
import { buildPoetryCorpus, poetryPackage, POETRY_SOURCES } from './demo/poetryCorpus.ts';
import { buildCharVocab, vocabToText } from './demo/charVocab.ts';

function flags(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of process.argv.slice(2)) {
    const m = /^--([a-z_]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`demo-teacher: unknown argument ${a} (flags look like --steps=1200)`);
    out[m[1]] = m[2] ?? 'true';
  }
  return out;
}
const F = flags();
const num = (k: string, d: number) => {
  if (F[k] === undefined) return d;
  const v = Number(F[k]);
  if (!Number.isFinite(v)) throw new Error(`demo-teacher: --${k} must be a number, got "${F[k]}"`);
  return v;
};

const OUT = F.out_dir ?? 'public/demo';
const SEED = num('seed', 20200601);
const MIN_COUNT = num('min_count', 3);
/** --eval_only re-evaluates on the held-out examples the shipped teacher was evaluated on (its recorded sequence length). */
const PREV_METRICS = F.eval_only
  ? (JSON.parse(readFileSync(join(OUT, 'teacher', 'metrics.json'), 'utf8')) as MetricsFile)
  : null;
/** The demo distils at sequence length 64 (src/store/demoPlan.ts), so the teacher trains and is evaluated there. */
const SEQ = num('seq', PREV_METRICS?.maxSeqLength ?? 64);
const MAX_PRED = num('max_predictions', PREV_METRICS?.maxPredictions ?? 10);
const BATCH = num('batch', 32);
const STEPS = num('steps', 2000);
const LR = num('lr', 1e-3);
const WARMUP = num('warmup', 30);
const DROPOUT = num('dropout', 0);
const DUPE = num('dupe_factor', 3);
const EVAL_EVERY = num('eval_every', 100);
const HELD_OUT = 0.04;
const INIT = F.init_checkpoint;

const log = (...a: unknown[]) => console.log(new Date().toISOString().slice(11, 19), ...a);

// ---------------------------------------------------------------- 1. corpus
const pkg = poetryPackage();
const { text: corpus, stats } = buildPoetryCorpus();
mkdirSync(join(OUT, 'teacher'), { recursive: true });
writeFileSync(join(OUT, 'corpus.txt'), corpus);
const sourcesMd = [
  '# Sources of the demo corpus',
  '',
  `public/demo/corpus.txt is made by \`npm run demo:teacher\` (scripts/demo-teacher.ts, scripts/demo/poetryCorpus.ts)`,
  `from the npm package **chinese-poetry ${pkg.version}** (https://github.com/chinese-poetry/chinese-poetry),`,
  `licence **${pkg.license}** (Copyright (c) 2016 JackeyGao). The texts themselves are classical works in the public domain.`,
  '',
  "Layout: one sentence or paragraph per line, a blank line between documents (Google BERT's plain-text layout).",
  'Whitespace is removed; lines holding Latin letters or digits (editorial notes) are dropped; short verse lines are',
  'joined into lines of about 24 characters.',
  '',
  '| file in chinese-poetry/dist | work | documents | characters |',
  '|---|---|---:|---:|',
  ...stats.map((s) => `| ${s.file} | ${s.title} | ${s.documents} | ${s.chars} |`),
  '',
  `Total: ${stats.reduce((a, s) => a + s.documents, 0)} documents, ${stats.reduce((a, s) => a + s.chars, 0)} characters, ${Buffer.byteLength(corpus)} bytes (UTF-8).`,
  '',
  "public/demo/vocab.txt is derived from this corpus by the project's own code (scripts/demo/charVocab.ts);",
  'public/demo/teacher/ is trained on it by scripts/demo-teacher.ts. Nothing from the test data in ../shared/ref is used.',
  '',
].join('\n');
writeFileSync(join(OUT, 'SOURCES.md'), sourcesMd);
void POETRY_SOURCES;

// ---------------------------------------------------------------- 2. vocabulary
const vocab = buildCharVocab(corpus, MIN_COUNT);
writeFileSync(join(OUT, 'vocab.txt'), vocabToText(vocab));
writeFileSync(join(OUT, 'teacher', 'vocab.txt'), vocabToText(vocab));
log(`corpus ${Buffer.byteLength(corpus)} bytes, vocab ${vocab.length} tokens`);
if (F.corpus_only) process.exit(0);

const tokenizer = BertTokenizer.fromVocabText(vocabToText(vocab), {
  doLowerCase: true,
  source: join(OUT, 'vocab.txt'),
});
const V = vocab.length;

// ---------------------------------------------------------------- 3. examples
// Documents as the CLI reads them; a seeded 4% of them are held out (whole documents, never trained on).
const docs: string[][] = [];
for await (const d of readDocuments(new Blob([corpus]), { name: join(OUT, 'corpus.txt'), format: 'text' }))
  docs.push(d);
const docOrder = new Rng(SEED).shuffle([...docs.keys()]);
const nHeldDocs = Math.max(8, Math.round(docs.length * HELD_OUT));
const heldSet = new Set(docOrder.slice(0, nHeldDocs));
const trainDocs = docs.filter((_, i) => !heldSet.has(i));
const heldDocs = docs.filter((_, i) => heldSet.has(i));
async function* stream(ds: string[][]): AsyncGenerator<string[]> {
  yield* ds;
}
const exampleOpts: Partial<PretrainingOptions> = {
  mode: 'seed',
  doWholeWordMask: true,
  maxSeqLength: SEQ,
  maxPredictionsPerSeq: MAX_PRED,
  maskedLmProb: 0.15,
  docStride: Math.floor((SEQ - 2) / 2),
  minDocumentChars: 20,
  shortSeqProb: 0.1,
};
async function collect(ds: string[][], opts: Partial<PretrainingOptions>): Promise<MaskedExample[]> {
  const out: MaskedExample[] = [];
  for await (const ex of createPretrainingExamples(stream(ds), tokenizer, { ...exampleOpts, ...opts })) out.push(ex);
  return out;
}
const t00 = Date.now();
const trainExamples = await collect(trainDocs, { dupeFactor: DUPE, randomSeed: SEED + 2, shuffleBufferSize: 10000 });
// Held-out examples: masked once with their own seed; every masked slot shows [MASK] (no random / kept tokens).
const evalExamples = await collect(heldDocs, { dupeFactor: 1, randomSeed: SEED + 1, shuffleBufferSize: 0 });
for (const ex of evalExamples) {
  for (let j = 0; j < ex.maskedLmPositions.length; j++)
    if (ex.maskedLmWeights[j] > 0) ex.inputIds[ex.maskedLmPositions[j]] = tokenizer.maskId;
}
log(
  `${docs.length} documents: ${trainDocs.length} train → ${trainExamples.length} examples (dupe_factor ${DUPE}), ${heldDocs.length} held out → ${evalExamples.length} examples; built in ${((Date.now() - t00) / 1000).toFixed(0)} s`,
);

// Unigram baseline: token frequencies of the training documents' text.
const freq = new Float64Array(V);
for (const d of trainDocs) for (const line of d) for (const t of tokenizer.encode(line)) freq[t]++;
const FIRST_REAL = 5;
const byFreq = Array.from({ length: V - FIRST_REAL }, (_, i) => i + FIRST_REAL).sort((a, b) => freq[b] - freq[a]);
const topToken = byFreq[0];
const top5Tokens = new Set(byFreq.slice(0, 5));
const freqTotal = freq.reduce((a, b) => a + b, 0);
const unigramLogProb = (t: number) => Math.log((freq[t] + 1) / (freqTotal + V));

interface Evaluation {
  accuracy: number;
  top5Accuracy: number;
  unigramAccuracy: number;
  unigramTop5Accuracy: number;
  loss: number;
  unigramLoss: number;
  positions: number;
}

/** Held-out masked-token accuracy (top-1, top-5) and cross-entropy, with the unigram baseline on the same slots. */
async function evaluate(weights: Weights, cfg: BertConfig): Promise<Evaluation> {
  const model = bertMaskedLm(cfg);
  let correct = 0,
    correct5 = 0,
    unigram = 0,
    unigram5 = 0,
    unigramNll = 0,
    nll = 0,
    total = 0;
  for (let i = 0; i < evalExamples.length; i += 64) {
    const items: TrainItem[] = evalExamples.slice(i, i + 64).map((example) => ({ example }));
    const batch = toBatchTensors(items, false);
    const { top, logp } = tf.tidy(() => {
      const logits = model(weights, batch, { training: false });
      const lp = tf.logSoftmax(logits);
      const goldLogp = tf.sum(tf.mul(lp, tf.oneHot(batch.goldIds, V)), -1);
      return { top: tf.topk(logits, 5).indices, logp: goldLogp };
    });
    const p = (await top.data()) as Int32Array;
    const lp = (await logp.data()) as Float32Array;
    tf.dispose([top, logp]);
    disposeBatch(batch);
    items.forEach(({ example: ex }, b) => {
      for (let j = 0; j < MAX_PRED; j++) {
        if (!(ex.maskedLmWeights[j] > 0)) continue;
        const s = b * MAX_PRED + j;
        const g = ex.maskedLmIds[j];
        total++;
        if (p[s * 5] === g) correct++;
        for (let r = 0; r < 5; r++) if (p[s * 5 + r] === g) correct5++;
        if (g === topToken) unigram++;
        if (top5Tokens.has(g)) unigram5++;
        unigramNll -= unigramLogProb(g);
        nll -= lp[s];
      }
    });
  }
  return {
    accuracy: correct / total,
    top5Accuracy: correct5 / total,
    unigramAccuracy: unigram / total,
    unigramTop5Accuracy: unigram5 / total,
    loss: nll / total,
    unigramLoss: unigramNll / total,
    positions: total,
  };
}

/** teacher/metrics.json as finish() writes it. */
type TeacherMetrics = Awaited<ReturnType<typeof teacherMetrics>>;

/** A metrics.json read back: the current layout, or an older one without stages (summary fields only). */
interface MetricsFile extends Partial<Omit<TeacherMetrics, 'stages' | 'steps'>> {
  stages?: Stage[];
  maxSeqLength?: number;
  maxPredictions?: number;
  seed?: number;
  steps: number;
  stoppedAt: number;
  trainSeconds: number;
  batch: number;
  seq: number;
  learningRate: number;
  trainSpans: number;
}

interface HistoryRow {
  step: number;
  loss: number;
  lr: number;
  evalAccuracy: number;
  evalTop5Accuracy: number;
  evalLoss: number;
  seconds: number;
}

interface Stage {
  /** where the stage started: "random initialisation (seed N)" or the --init_checkpoint folder */
  init: string;
  command: string;
  steps: number;
  stoppedAt: number;
  trainSeconds: number;
  batch: number;
  seq: number;
  learningRate: number;
  warmup: number;
  dropout: number;
  dupeFactor: number;
  trainExamples: number;
  history: HistoryRow[];
}

// ---------------------------------------------------------------- 4. train
async function main(): Promise<void> {
  const backend = F.backend ?? 'wasm';
  if (backend === 'wasm') {
    const why = await useWasmBackend();
    if (why) throw new Error(`demo-teacher: ${why} (try --backend=cpu, about 50x slower)`);
  } else {
    await useBackend(backend, { who: 'demo-teacher' });
  }
  const tdir = join(OUT, 'teacher');
  const prevMetricsPath = join(tdir, 'metrics.json');
  const readPrev = () => JSON.parse(readFileSync(prevMetricsPath, 'utf8')) as MetricsFile;
  if (F.eval_only) {
    // Re-evaluates the shipped teacher and rewrites metrics.json / README.md (training stages kept).
    const cfg = parseBertConfig(JSON.parse(readFileSync(join(tdir, 'config.json'), 'utf8')), join(tdir, 'config.json'));
    await finish(cfg, readPrev().stages as Stage[]);
    return;
  }
  let cfg: BertConfig;
  let weights: Weights;
  let earlier: Stage[] = [];
  if (INIT) {
    const ckpt = await loadCheckpoint(await checkpointFiles(INIT));
    if (!ckpt.parts.mlmHead) throw new Error(`--init_checkpoint ${INIT}: no masked-LM head (cls.predictions.*)`);
    if (ckpt.config.vocab_size !== V)
      throw new Error(`--init_checkpoint ${INIT}: vocab_size ${ckpt.config.vocab_size}, the demo vocabulary has ${V}`);
    if (ckpt.config.max_position_embeddings < SEQ)
      throw new Error(
        `--init_checkpoint ${INIT}: max_position_embeddings ${ckpt.config.max_position_embeddings} < --seq ${SEQ}`,
      );
    cfg = ckpt.config;
    weights = ckpt.weights;
    for (const note of addMissingParts(weights, cfg, SEED + 3)) log(`init checkpoint: ${note}`);
    // The stages that made the starting weights (an older metrics.json without stages: one summary stage).
    try {
      const prev = JSON.parse(readFileSync(join(INIT, 'metrics.json'), 'utf8')) as MetricsFile;
      earlier = prev.stages ?? [
        {
          init: `random initialisation (seed ${prev.seed})`,
          command: 'npm run demo:teacher (the previous version of scripts/demo-teacher.ts, in git history)',
          steps: prev.steps,
          stoppedAt: prev.stoppedAt,
          trainSeconds: prev.trainSeconds,
          batch: prev.batch,
          seq: prev.seq,
          learningRate: prev.learningRate,
          warmup: Math.round(prev.steps * 0.06),
          dropout: 0.1,
          dupeFactor: 0,
          trainExamples: prev.trainSpans,
          history: [],
        },
      ];
    } catch {
      earlier = [];
    }
    log(`continuing from ${INIT} (${earlier.reduce((a, s) => a + s.stoppedAt, 0)} earlier steps)`);
  } else {
    cfg = parseBertConfig(
      {
        vocab_size: V,
        hidden_size: num('hidden', 128),
        num_hidden_layers: num('layers', 4),
        num_attention_heads: num('heads', 2),
        intermediate_size: num('intermediate', 512),
        max_position_embeddings: num('max_position', 128),
        type_vocab_size: 2,
      },
      'demo teacher config',
    );
    weights = buildStudent({ kind: 'fresh', config: cfg }, null, SEED + 3).weights;
  }
  // Dropout while pre-training is --dropout (default 0: a 1.4M-parameter model trained for a few
  // thousand steps on fresh masks underfits; dropout only slows it). The shipped config keeps BERT's 0.1.
  const trainCfg: BertConfig = { ...cfg, hidden_dropout_prob: DROPOUT, attention_probs_dropout_prob: DROPOUT };
  log(
    `backend ${tf.getBackend()}, config`,
    JSON.stringify(cfg),
    `params ${parameterCount(cfg, { pooler: true, mlmHead: true })}`,
  );
  const start = await evaluate(weights, cfg);
  log(
    `held-out at the start: acc ${(start.accuracy * 100).toFixed(2)}% top-5 ${(start.top5Accuracy * 100).toFixed(2)}% loss ${start.loss.toFixed(3)} (unigram ${(start.unigramAccuracy * 100).toFixed(2)}%, ${start.positions} positions)`,
  );

  const trainer = new Trainer({
    task: distillTask(trainCfg, LOSS_PRESETS.mlm),
    weights,
    config: {
      schedule: { learningRate: LR, numWarmupSteps: WARMUP, numTrainSteps: STEPS },
      batchSize: BATCH,
      seed: SEED + 4,
    },
    data: inMemoryTrainingSet(trainExamples.map((example) => ({ example }))),
  });
  const stage: Stage = {
    init: INIT ? INIT : `random initialisation (seed ${SEED + 3})`,
    command: ['npm run demo:teacher --', ...process.argv.slice(2)].join(' ').replace(/ --$/, ''),
    steps: STEPS,
    stoppedAt: 0,
    trainSeconds: 0,
    batch: BATCH,
    seq: SEQ,
    learningRate: LR,
    warmup: WARMUP,
    dropout: DROPOUT,
    dupeFactor: DUPE,
    trainExamples: trainExamples.length,
    history: [],
  };
  const signal = { stopped: false };
  const onSignal = () => {
    signal.stopped = true;
    log('stopping after this step; exporting');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stopAfter = Math.min(STEPS, num('stop_after', STEPS));
  const t0 = Date.now();
  let lossEma = NaN;
  let lastLoss = NaN;
  const checkpoint = async () => {
    stage.stoppedAt = trainer.currentStep;
    stage.trainSeconds = Math.round((Date.now() - t0) / 1000);
    await exportWeights(trainer.weights, cfg);
    const m = await finish(cfg, [...earlier, stage]);
    stage.history.push({
      step: trainer.currentStep,
      loss: lastLoss,
      lr: trainer.history.length ? (trainer.history[trainer.history.length - 1] as { lr: number }).lr : 0,
      evalAccuracy: m.accuracy,
      evalTop5Accuracy: m.top5Accuracy,
      evalLoss: m.loss,
      seconds: stage.trainSeconds,
    });
    await finish(cfg, [...earlier, stage], m);
  };
  try {
    await train(trainer, { heldOut: null, evalEvery: 0, checkpointEvery: EVAL_EVERY, stopAfter }, signal, {
      step: (s) => {
        lastLoss = s.total;
        lossEma = Number.isNaN(lossEma) ? s.total : 0.95 * lossEma + 0.05 * s.total;
        const el = (Date.now() - t0) / 1000;
        if (s.step % 10 === 0)
          log(
            `step ${s.step}/${STEPS} loss(ema) ${lossEma.toFixed(3)} lr ${s.lr.toExponential(2)} |g| ${s.gradNorm.toFixed(2)} ${(el / s.step).toFixed(2)} s/step, tensors ${tf.memory().numTensors}`,
          );
      },
      checkpoint,
    });
  } finally {
    trainer.dispose();
  }
}

/** Evaluates the exported float16 weights (read back through the project's loader) and writes metrics.json and README.md. */
async function finish(cfg: BertConfig, stages: Stage[], known?: Evaluation): Promise<Evaluation> {
  const tdir = join(OUT, 'teacher');
  const fileBytes = readFileSync(join(tdir, 'model.safetensors'));
  let final = known;
  if (!final) {
    const ckpt = await loadCheckpoint(await checkpointFiles(tdir));
    final = await evaluate(ckpt.weights, cfg);
    disposeWeights(ckpt.weights);
  }
  const metrics = teacherMetrics(cfg, stages, final, fileBytes.byteLength);
  writeAtomic(join(tdir, 'metrics.json'), JSON.stringify(metrics, null, 1) + '\n');
  writeReadme(metrics);
  log(
    `held-out masked-token accuracy ${(final.accuracy * 100).toFixed(2)}% vs unigram ${(final.unigramAccuracy * 100).toFixed(2)}% ('${vocab[topToken]}'); top-5 ${(final.top5Accuracy * 100).toFixed(2)}% vs ${(final.unigramTop5Accuracy * 100).toFixed(2)}%; loss ${final.loss.toFixed(3)} vs ${final.unigramLoss.toFixed(3)} nats; ${final.positions} positions; weights ${(fileBytes.byteLength / 1e6).toFixed(2)} MB`,
  );
  return final;
}

/** The figures metrics.json records. */
function teacherMetrics(cfg: BertConfig, stages: Stage[], final: Evaluation, weightsBytes: number) {
  return {
    seed: SEED,
    backend: tf.getBackend(),
    config: cfg,
    parameters: parameterCount(cfg, { pooler: true, mlmHead: true }),
    weightsBytes,
    dtype: 'F16',
    corpusBytes: Buffer.byteLength(corpus),
    vocabSize: V,
    documents: docs.length,
    heldOutDocuments: heldDocs.length,
    heldOutExamples: evalExamples.length,
    maxSeqLength: SEQ,
    maxPredictions: MAX_PRED,
    steps: stages.reduce((a, s) => a + s.stoppedAt, 0),
    trainSeconds: stages.reduce((a, s) => a + s.trainSeconds, 0),
    heldOut: {
      positions: final.positions,
      maskedTokenAccuracy: final.accuracy,
      top5Accuracy: final.top5Accuracy,
      unigramToken: vocab[topToken],
      unigramAccuracy: final.unigramAccuracy,
      unigramTop5Accuracy: final.unigramTop5Accuracy,
      loss: final.loss,
      unigramLoss: final.unigramLoss,
    },
    stages,
  };
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  writeFileSync(path + '.tmp', data);
  renameSync(path + '.tmp', path);
}

/** Writes teacher/model.safetensors (float16, the project's exporter) and teacher/config.json. */
async function exportWeights(weights: Weights, cfg: BertConfig): Promise<void> {
  const tdir = join(OUT, 'teacher');
  writeAtomic(join(tdir, 'model.safetensors'), await safetensorsBytes(weights, cfg, 'F16'));
  writeAtomic(join(tdir, 'config.json'), JSON.stringify(configToJson(cfg), null, 2) + '\n');
}

function writeReadme(m: TeacherMetrics): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const c = m.config as BertConfig;
  const stages = m.stages as Stage[];
  const h = m.heldOut;
  const stageText = stages
    .map((s, i) => {
      const head = `${i + 1}. \`${s.command}\` — from ${s.init}: ${s.stoppedAt} steps${s.stoppedAt < s.steps ? ` (of a ${s.steps}-step schedule)` : ''}, ${Math.max(1, Math.round(s.trainSeconds / 60))} min.`;
      if (s.dupeFactor === 0) {
        return `${head} This stage predates the current script and is reproducible only with that earlier version: it trained the same architecture with its own small BERT implementation and tf.train.adam (batch ${s.batch}, mostly 32-token windows, learning rate ${s.learningRate}, hidden dropout 0.1) and ended close to the unigram baseline (held-out accuracy 9.8% vs 9.4% on its own split). Its weights were the previously shipped teacher/ folder, which the next stage continued from.`;
      }
      return `${head} The project's pipeline: whole-word-masked examples in seed mode (jieba words, 15% masked, at most ${m.maxPredictions} per example, 80% [MASK] / 10% random / 10% kept; dupe_factor ${s.dupeFactor} → ${s.trainExamples} examples of up to ${s.seq} tokens), the Trainer with the \`mlm\` loss preset (hard-label cross-entropy only, no teacher), batch ${s.batch}, AdamW (β2 0.98, ε 1e-6, weight decay 0.01), learning rate ${s.learningRate} with ${s.warmup} warm-up steps then linear decay, global-norm clipping 1.0, dropout ${s.dropout}.`;
    })
    .join('\n');
  const rows = stages.flatMap((s, i) =>
    s.history.map(
      (r) =>
        `| ${i + 1} | ${r.step} | ${Math.round(r.seconds / 60)} | ${r.loss.toFixed(3)} | ${pct(r.evalAccuracy)} | ${pct(r.evalTop5Accuracy)} | ${r.evalLoss.toFixed(3)} |`,
    ),
  );
  const md = `# The embedded demo

Everything here is made by \`npm run demo:teacher\` (scripts/demo-teacher.ts), deterministically (seed ${m.seed});
CI does not retrain it. Sources and licence of the text: [SOURCES.md](SOURCES.md).

| file | what |
|---|---|
| corpus.txt | ${(m.corpusBytes / 1e3).toFixed(0)} KB of classical Chinese (chinese-poetry, MIT), one sentence per line, blank line between documents |
| vocab.txt | ${m.vocabSize} tokens: [PAD] [UNK] [CLS] [SEP] [MASK] + every character seen at least ${MIN_COUNT} times in corpus.txt |
| teacher/model.safetensors | the teacher's weights, float16, ${(m.weightsBytes / 1e6).toFixed(2)} MB, Hugging Face BertForMaskedLM names |
| teacher/config.json, teacher/vocab.txt | its config and vocabulary (Hugging Face folder layout) |
| teacher/metrics.json | training figures and the held-out evaluation history |

## The teacher

A BERT masked-LM (${c.num_hidden_layers} layers, hidden ${c.hidden_size}, ${c.num_attention_heads} heads, intermediate ${c.intermediate_size},
max positions ${c.max_position_embeddings}, ${m.parameters.toLocaleString('en')} parameters) trained by plain masked-LM pre-training:
hard-label cross-entropy on the masked tokens only, no teacher; on tfjs ${m.backend} in Node on a 2-core CPU.
${m.steps} steps in all, ${Math.round(m.trainSeconds / 60)} minutes of training, in ${stages.length} stage${stages.length > 1 ? 's' : ''}, each continuing from the weights the one before it exported:

${stageText}

The shipped config.json keeps BERT's dropout 0.1 for whoever trains from it (the demo's student).
To reproduce, run the command(s) above in order (the corpus, vocabulary and held-out split are rebuilt identically each time).

## Held-out evaluation

${m.heldOutDocuments} of the corpus's ${m.documents} documents (a seeded ${(HELD_OUT * 100).toFixed(0)}%, never trained on), made into ${m.heldOutExamples} examples
by the same example builder (seed mode, whole-word masking, sequence length ${m.maxSeqLength} as the demo uses, their own seed, one masking), every masked slot replaced by [MASK];
${h.positions} masked positions. Evaluated on the float16 weights as shipped, read back through the project's checkpoint loader.

| predictor | masked-token accuracy (top-1) | top-5 | cross-entropy (nats) |
|---|---:|---:|---:|
| unigram baseline (the most frequent training tokens, top-1 '${h.unigramToken}'; add-one-smoothed training frequencies) | ${pct(h.unigramAccuracy)} | ${pct(h.unigramTop5Accuracy)} | ${h.unigramLoss.toFixed(3)} |
| **the demo teacher** | **${pct(h.maskedTokenAccuracy)}** | **${pct(h.top5Accuracy)}** | **${h.loss.toFixed(3)}** |

The teacher is ${(h.maskedTokenAccuracy / h.unigramAccuracy).toFixed(1)}× the unigram baseline's top-1 accuracy. It is deliberately small and briefly
trained (whole-word masking hides whole words, so it must often guess two characters of a word with neither visible):
a teacher for demonstrating distillation (the student learns to agree with it), not a strong language model.

| stage | step | minutes | training loss | held-out top-1 | top-5 | held-out loss |
|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}
`;
  writeAtomic(join(OUT, 'README.md'), md);
}

await main();
