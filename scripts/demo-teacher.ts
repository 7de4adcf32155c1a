/**
 * `npm run demo:teacher`: makes the embedded demo from scratch, deterministically.
 *  1. public/demo/corpus.txt: classical Chinese from the chinese-poetry package (MIT), BERT's text layout;
 *  2. public/demo/vocab.txt: BERT's special tokens + the corpus's characters seen at least --min_count times;
 *  3. public/demo/teacher/: a small BERT trained by plain masked-LM pre-training (hard-label loss only),
 *     exported as model.safetensors (float16) + config.json + vocab.txt;
 *  4. public/demo/README.md and teacher/metrics.json: held-out masked-token accuracy vs the unigram baseline.
 * Flags: --steps --batch --hidden --layers --heads --intermediate --seq --lr --seed --min_count --backend
 *        --out_dir (default public/demo) --corpus_only.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { configToJson, parseBertConfig, type BertConfig } from '../src/core/model/config.ts';
import { parameterCount } from '../src/core/model/weights.ts';
import { Rng } from '../src/core/random/rng.ts';
import { openSafetensors } from '../src/core/checkpoint/safetensors.ts';
import { buildPoetryCorpus, poetryPackage, POETRY_SOURCES } from './demo/poetryCorpus.ts';
import { buildCharVocab, vocabToText } from './demo/charVocab.ts';
import { initWeights, maskedLmLoss, mlmLogits, type MiniBatch } from './demo/miniBert.ts';
import { writeSafetensors } from './demo/writeSafetensors.ts';

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
const num = (k: string, d: number) => (F[k] === undefined ? d : Number(F[k]));

const OUT = F.out_dir ?? 'public/demo';
const SEED = num('seed', 20200601);
const MIN_COUNT = num('min_count', 3);
const SEQ = num('seq', 128);
const MAX_PRED = num('max_predictions', 20);
const MASK_PROB = 0.15;
const BATCH = num('batch', 32);
/** Most steps train on windows of SHORT_SEQ tokens (attention is the slow part on wasm); every LONG_EVERY-th step on full spans at SEQ with half the batch, so every position embedding is trained. */
const SHORT_SEQ = num('short_seq', 32);
const LONG_EVERY = num('long_every', 4);
const STEPS = num('steps', 1000);
const LR = num('lr', 1e-3);
const WARMUP = Math.round(STEPS * 0.06);
const EVAL_EVERY = num('eval_every', 100);
const HELD_OUT = 0.04;

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
  'Layout: one sentence or paragraph per line, a blank line between documents (Google BERT\'s plain-text layout).',
  'Whitespace is removed; lines holding Latin letters or digits (editorial notes) are dropped; short verse lines are',
  'joined into lines of about 24 characters.',
  '',
  '| file in chinese-poetry/dist | work | documents | characters |',
  '|---|---|---:|---:|',
  ...stats.map((s) => `| ${s.file} | ${s.title} | ${s.documents} | ${s.chars} |`),
  '',
  `Total: ${stats.reduce((a, s) => a + s.documents, 0)} documents, ${stats.reduce((a, s) => a + s.chars, 0)} characters, ${Buffer.byteLength(corpus)} bytes (UTF-8).`,
  '',
  'public/demo/vocab.txt is derived from this corpus by the project\'s own code (scripts/demo/charVocab.ts);',
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

const ids = new Map(vocab.map((t, i) => [t, i]));
const PAD = 0, UNK = 1, CLS = 2, SEP = 3, MASK = 4;
const V = vocab.length;

// Documents → spans of at most SEQ-2 tokens, whole lines packed together.
// (The demo vocabulary is one token per character, which is exactly what BERT's
// tokenizer produces on this text: every CJK character and punctuation mark splits.)
const spans: Int32Array[] = [];
for (const doc of corpus.split(/\n\s*\n/u)) {
  let cur: number[] = [];
  for (const line of doc.split('\n')) {
    const toks = [...line].filter((c) => !/\s/u.test(c)).map((c) => ids.get(c) ?? UNK);
    if (toks.length === 0) continue;
    if (cur.length + toks.length > SEQ - 2 && cur.length > 0) {
      spans.push(Int32Array.from(cur));
      cur = [];
    }
    for (let i = 0; i < toks.length; i += SEQ - 2) {
      const piece = toks.slice(i, i + SEQ - 2);
      if (cur.length + piece.length > SEQ - 2) {
        spans.push(Int32Array.from(cur));
        cur = [];
      }
      cur.push(...piece);
    }
  }
  if (cur.length > 0) spans.push(Int32Array.from(cur));
}
const splitRng = new Rng(SEED);
splitRng.shuffle(spans);
const nHeld = Math.max(8, Math.round(spans.length * HELD_OUT));
const heldOut = spans.slice(0, nHeld);
const train = spans.slice(nHeld);
log(`${spans.length} spans: ${train.length} train, ${heldOut.length} held out`);

/** One masked example as flat arrays (80% [MASK] / 10% random / 10% kept, or all [MASK] when evaluating). */
function maskSpan(span: Int32Array, rng: Rng, allMask: boolean, seq = SEQ) {
  const inputIds = new Int32Array(seq);
  const inputMask = new Float32Array(seq);
  inputIds[0] = CLS;
  inputIds.set(span, 1);
  inputIds[span.length + 1] = SEP;
  inputMask.fill(1, 0, span.length + 2);
  const cand = Array.from({ length: span.length }, (_, i) => i + 1);
  rng.shuffle(cand);
  const n = Math.min(MAX_PRED, Math.max(1, Math.round(span.length * MASK_PROB)));
  const pos = cand.slice(0, n).sort((a, b) => a - b);
  const positions = new Int32Array(MAX_PRED);
  const gold = new Int32Array(MAX_PRED);
  const weights = new Float32Array(MAX_PRED);
  pos.forEach((p, j) => {
    positions[j] = p;
    gold[j] = inputIds[p];
    weights[j] = 1;
    const r = allMask ? 0 : rng.random();
    if (r < 0.8) inputIds[p] = MASK;
    else if (r < 0.9) inputIds[p] = rng.randint(5, V - 1);
  });
  return { inputIds, inputMask, positions, gold, weights };
}

function makeBatch(exs: ReturnType<typeof maskSpan>[]) {
  const B = exs.length;
  const SEQ = exs[0].inputIds.length;
  const ii = new Int32Array(B * SEQ), im = new Float32Array(B * SEQ), fp = new Int32Array(B * MAX_PRED);
  const g = new Int32Array(B * MAX_PRED), w = new Float32Array(B * MAX_PRED);
  exs.forEach((e, b) => {
    ii.set(e.inputIds, b * SEQ);
    im.set(e.inputMask, b * SEQ);
    for (let j = 0; j < MAX_PRED; j++) fp[b * MAX_PRED + j] = b * SEQ + e.positions[j];
    g.set(e.gold, b * MAX_PRED);
    w.set(e.weights, b * MAX_PRED);
  });
  const batch: MiniBatch = {
    inputIds: tf.tensor2d(ii, [B, SEQ], 'int32'),
    segmentIds: tf.zeros([B, SEQ], 'int32') as tf.Tensor2D,
    inputMask: tf.tensor2d(im, [B, SEQ]),
    flatPositions: tf.tensor1d(fp, 'int32'),
  };
  return { batch, gold: tf.tensor1d(g, 'int32'), weights: tf.tensor1d(w), goldArr: g, weightArr: w };
}
const disposeBatch = (b: ReturnType<typeof makeBatch>) => tf.dispose([b.batch.inputIds, b.batch.segmentIds, b.batch.inputMask, b.batch.flatPositions, b.gold, b.weights]);

// Unigram baseline: the most frequent token of the training text.
const freq = new Float64Array(V);
for (const s of train) for (const t of s) freq[t]++;
let topToken = 5;
for (let t = 5; t < V; t++) if (freq[t] > freq[topToken]) topToken = t;

// Held-out examples are masked once, with their own seed, every slot [MASK].
const evalRng = new Rng(SEED + 1);
const evalExamples = heldOut.map((s) => maskSpan(s, evalRng, true));

// The unigram baselines: always the most frequent training token (top-1), the five most frequent (top-5),
// and the add-one-smoothed training frequencies as a distribution (loss).
const byFreq = Array.from({ length: V - 5 }, (_, i) => i + 5).sort((a, b) => freq[b] - freq[a]);
const top5Tokens = new Set(byFreq.slice(0, 5));
const freqTotal = freq.reduce((a, b) => a + b, 0);
const unigramLogProb = (t: number) => Math.log((freq[t] + 1) / (freqTotal + V));

function evaluate(w: Record<string, tf.Tensor>, cfg: BertConfig) {
  let correct = 0, correct5 = 0, unigram = 0, unigram5 = 0, unigramNll = 0, total = 0, lossSum = 0;
  for (let i = 0; i < evalExamples.length; i += 64) {
    const b = makeBatch(evalExamples.slice(i, i + 64));
    const { top, loss } = tf.tidy(() => {
      const logits = mlmLogits(w, cfg, b.batch, null);
      return { top: tf.topk(logits, 5).indices, loss: maskedLmLoss(logits, b.gold, b.weights) };
    });
    const p = top.dataSync();
    let n = 0;
    for (let j = 0; j < b.goldArr.length; j++) {
      if (b.weightArr[j] === 0) continue;
      n++;
      const g = b.goldArr[j];
      if (p[j * 5] === g) correct++;
      for (let r = 0; r < 5; r++) if (p[j * 5 + r] === g) correct5++;
      if (g === topToken) unigram++;
      if (top5Tokens.has(g)) unigram5++;
      unigramNll -= unigramLogProb(g);
    }
    lossSum += loss.dataSync()[0] * n;
    total += n;
    tf.dispose([top, loss]);
    disposeBatch(b);
  }
  return {
    accuracy: correct / total,
    top5Accuracy: correct5 / total,
    unigramAccuracy: unigram / total,
    unigramTop5Accuracy: unigram5 / total,
    loss: lossSum / total,
    unigramLoss: unigramNll / total,
    positions: total,
  };
}

// ---------------------------------------------------------------- 3. train
async function main() {
  const backend = F.backend ?? 'wasm';
  await tf.setBackend(backend);
  await tf.ready();
  if (F.eval_only) {
    // Re-evaluates the shipped teacher and rewrites metrics.json / README.md (training history kept).
    const tdir = join(OUT, 'teacher');
    const cfg = parseBertConfig(JSON.parse(readFileSync(join(tdir, 'config.json'), 'utf8')), join(tdir, 'config.json'));
    const prev = JSON.parse(readFileSync(join(tdir, 'metrics.json'), 'utf8')) as { history: HistoryRow[]; trainSeconds: number; stoppedAt?: number };
    await finish(cfg, prev.history, prev.trainSeconds, prev.stoppedAt ?? STEPS);
    return;
  }
  const cfg = parseBertConfig(
    {
      vocab_size: V,
      hidden_size: num('hidden', 128),
      num_hidden_layers: num('layers', 4),
      num_attention_heads: num('heads', 2),
      intermediate_size: num('intermediate', 512),
      max_position_embeddings: SEQ,
      type_vocab_size: 2,
    },
    'demo teacher config',
  );
  log(`backend ${tf.getBackend()}, config`, JSON.stringify(cfg), `params ${parameterCount(cfg, { pooler: false, mlmHead: true })}`);
  const rng = new Rng(SEED + 2);
  const scales = { queryKey: F.qk_init_std === undefined ? undefined : Number(F.qk_init_std), position: F.pos_init_std === undefined ? undefined : Number(F.pos_init_std), sinusoidalPosition: F.sin_pos_std === undefined ? undefined : Number(F.sin_pos_std) };
  const vars = initWeights(cfg, rng, scales);
  const varList = Object.values(vars);
  const opt = tf.train.adam(LR, 0.9, 0.98, 1e-6);
  const history: HistoryRow[] = [];
  const dropRng = new Rng(SEED + 3);
  const dropout = (x: tf.Tensor) => // hidden dropout; attention-probability dropout is left out (its random mask is the slowest op on wasm)
    tf.dropout(x, cfg.hidden_dropout_prob, undefined, dropRng.nextUint32());
  const order: number[] = [];
  let cursor = 0;
  const t0 = Date.now();
  let lossEma = NaN;
  const stopAfter = Math.min(STEPS, num('stop_after', STEPS));
  for (let step = 1; step <= stopAfter; step++) {
    const lr = step <= WARMUP ? (LR * step) / WARMUP : (LR * (STEPS - step + 1)) / (STEPS - WARMUP + 1);
    (opt as unknown as { learningRate: number }).learningRate = lr;
    const exs = [];
    const long = step % LONG_EVERY === 0;
    const seq = long ? SEQ : SHORT_SEQ;
    for (let i = 0; i < (long ? Math.max(1, BATCH >> 1) : BATCH); i++) {
      if (cursor >= order.length) {
        order.length = 0;
        for (let j = 0; j < train.length; j++) order.push(j);
        rng.shuffle(order);
        cursor = 0;
      }
      let span = train[order[cursor++]];
      if (span.length > seq - 2) {
        const start = rng.randint(0, span.length - (seq - 2));
        span = span.subarray(start, start + seq - 2);
      }
      exs.push(maskSpan(span, rng, false, seq));
    }
    const b = makeBatch(exs);
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => maskedLmLoss(mlmLogits(vars, cfg, b.batch, dropout), b.gold, b.weights), varList);
      // Global-norm clipping at 1.0.
      const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
      const scale = tf.div(1, tf.maximum(norm, 1));
      const clipped: Record<string, tf.Tensor> = {};
      for (const [k, g] of Object.entries(grads)) clipped[k] = tf.mul(g, scale);
      opt.applyGradients(clipped as unknown as Parameters<typeof opt.applyGradients>[0]);
      return value;
    });
    const lv = (await loss.data())[0];
    loss.dispose();
    disposeBatch(b);
    if (!Number.isFinite(lv)) throw new Error(`demo-teacher: loss became ${lv} at step ${step}; nothing exported`);
    lossEma = Number.isNaN(lossEma) ? lv : 0.95 * lossEma + 0.05 * lv;
    const rec: (typeof history)[number] = { step, loss: lv, lr };
    if (step % EVAL_EVERY === 0 || step === stopAfter) {
      const ev = evaluate(vars, cfg);
      rec.evalAccuracy = ev.accuracy;
      await exportWeights(vars, cfg); // a usable teacher exists from the first evaluation on
      rec.evalLoss = ev.loss;
      const el = (Date.now() - t0) / 1000;
      log(`step ${step}/${STEPS} loss(ema) ${lossEma.toFixed(3)} lr ${lr.toExponential(2)} | held-out acc ${(ev.accuracy * 100).toFixed(2)}% (unigram ${(ev.unigramAccuracy * 100).toFixed(2)}%) loss ${ev.loss.toFixed(3)} | ${(el / step).toFixed(2)} s/step, ${Math.round(el)} s, tensors ${tf.memory().numTensors}`);
    } else if (step % 10 === 0) {
      const el = (Date.now() - t0) / 1000;
      log(`step ${step}/${STEPS} loss(ema) ${lossEma.toFixed(3)} ${(el / step).toFixed(2)} s/step`);
    }
    history.push(rec);
  }
  const trainSeconds = (Date.now() - t0) / 1000;
  await exportWeights(vars, cfg);
  await finish(cfg, history.filter((h) => h.evalAccuracy !== undefined), trainSeconds, stopAfter);
}

interface HistoryRow {
  step: number;
  loss: number;
  lr: number;
  evalAccuracy?: number;
  evalLoss?: number;
}

/** Evaluates the exported float16 weights (read back through the project's reader) and writes metrics.json and README.md. */
async function finish(cfg: BertConfig, history: HistoryRow[], trainSeconds: number, stoppedAt: number): Promise<void> {
  const tdir = join(OUT, 'teacher');
  const fileBytes = readFileSync(join(tdir, 'model.safetensors'));
  const src = await openSafetensors(new Blob([fileBytes]), join(tdir, 'model.safetensors'));
  const loaded: Record<string, tf.Tensor> = {};
  for await (const t of src.tensors()) loaded[t.name] = tf.tensor(t.data, t.shape);
  const final = evaluate(loaded, cfg);
  tf.dispose(Object.values(loaded));
  const metrics = {
    seed: SEED,
    backend: tf.getBackend(),
    config: cfg,
    parameters: parameterCount(cfg, { pooler: false, mlmHead: true }),
    weightsBytes: fileBytes.byteLength,
    dtype: 'F16',
    corpusBytes: Buffer.byteLength(corpus),
    vocabSize: V,
    trainSpans: train.length,
    heldOutSpans: heldOut.length,
    steps: STEPS,
    stoppedAt,
    batch: BATCH,
    seq: SEQ,
    shortSeq: SHORT_SEQ,
    maxPredictions: MAX_PRED,
    learningRate: LR,
    trainSeconds: Math.round(trainSeconds),
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
    history,
  };
  writeFileSync(join(tdir, 'metrics.json'), JSON.stringify(metrics, null, 1) + '\n');
  writeReadme(metrics);
  log(`held-out masked-token accuracy ${(final.accuracy * 100).toFixed(2)}% vs unigram ${(final.unigramAccuracy * 100).toFixed(2)}% ('${vocab[topToken]}'); top-5 ${(final.top5Accuracy * 100).toFixed(2)}% vs ${(final.unigramTop5Accuracy * 100).toFixed(2)}%; loss ${final.loss.toFixed(3)} vs ${final.unigramLoss.toFixed(3)} nats; ${final.positions} positions; weights ${(fileBytes.byteLength / 1e6).toFixed(2)} MB`);
}

/** Writes teacher/model.safetensors (float16) and teacher/config.json. */
async function exportWeights(vars: Record<string, tf.Tensor>, cfg: BertConfig): Promise<Uint8Array> {
  const tensors = [];
  for (const [name, v] of Object.entries(vars)) tensors.push({ name, shape: v.shape, data: (await v.data()) as Float32Array });
  const bytes = writeSafetensors(tensors, 'F16', { format: 'pt' });
  const tdir = join(OUT, 'teacher');
  writeFileSync(join(tdir, 'model.safetensors'), bytes);
  writeFileSync(join(tdir, 'config.json'), JSON.stringify(configToJson(cfg), null, 2) + '\n');
  return bytes;
}

function writeReadme(m: Record<string, any>): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const c = m.config as BertConfig;
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
max positions ${c.max_position_embeddings}, ${m.parameters.toLocaleString('en')} parameters) trained from random initialisation by plain
masked-LM pre-training: hard-label cross-entropy on the masked tokens only, no teacher. ${m.stoppedAt} steps${m.stoppedAt < m.steps ? ` (of a ${m.steps}-step schedule, stopped early with --stop_after=${m.stoppedAt})` : ''}: three in four on batch ${m.batch}
of ${SHORT_SEQ}-token windows, every ${LONG_EVERY}th on batch ${Math.max(1, m.batch >> 1)} of full spans at sequence length ${m.seq} (15% of tokens masked, at most ${m.maxPredictions}; 80% [MASK] / 10% random / 10% kept, re-masked every epoch),
Adam (β2 0.98, ε 1e-6), learning rate ${m.learningRate} with ${WARMUP} warm-up steps then linear decay, global-norm clipping 1.0,
hidden dropout 0.1 (no attention dropout), on tfjs ${m.backend} in Node (${Math.round(m.trainSeconds / 60)} minutes on a 2-core CPU).

## Held-out evaluation

${m.heldOutSpans} spans (${(HELD_OUT * 100).toFixed(0)}% of the corpus's spans, never trained on), masked once with their own seed, every
masked slot replaced by [MASK]; ${m.heldOut.positions} masked positions. Evaluated on the float16 weights as shipped, read back
through the project's safetensors reader.

| predictor | masked-token accuracy (top-1) | top-5 | cross-entropy (nats) |
|---|---:|---:|---:|
| unigram baseline (the most frequent training tokens, top-1 '${m.heldOut.unigramToken}'; add-one-smoothed training frequencies) | ${pct(m.heldOut.unigramAccuracy)} | ${pct(m.heldOut.unigramTop5Accuracy)} | ${m.heldOut.unigramLoss.toFixed(3)} |
| **the demo teacher** | **${pct(m.heldOut.maskedTokenAccuracy)}** | **${pct(m.heldOut.top5Accuracy)}** | **${m.heldOut.loss.toFixed(3)}** |

The teacher is deliberately small and briefly trained (the whole run fits in about half an hour on a 2-core CPU with
tfjs wasm). Masked-LM training from scratch spends its first thousand or so steps close to the unigram solution
before attention learns to use the neighbouring characters, so this teacher is only a little better than the
baseline; it is a teacher for demonstrating distillation (the student learns to agree with it), not a useful language
model. A longer run (\`npm run demo:teacher -- --steps=5000\`, same seed and data; not measured here) is the way to a better one.

| step | held-out accuracy |
|---:|---:|
${(m.history as { step: number; evalAccuracy: number }[]).map((h) => `| ${h.step} | ${pct(h.evalAccuracy)} |`).join('\n')}
`;
  writeFileSync(join(OUT, 'README.md'), md);
}

await main();
