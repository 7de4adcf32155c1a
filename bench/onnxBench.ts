/**
 * ONNX export benchmark, side by side in one run:
 *  - the machine's native float32 matmul peak: one MatMul node (n×n · n×n) in onnxruntime-node
 *    on all cores (its own CPU kernels, MLAS), in GFLOP/s, the best of a measurement before and one
 *    after the model runs (the machine is shared: a peak timed while it was busy would flatter the models);
 *  - the same exported encoder (last_hidden_state) on the same batch: onnxruntime-node float32 and
 *    int8 (model_quantized.onnx), onnxruntime-web's wasm kernels (what transformers.js runs in a page;
 *    here in Node, one thread) beside the project's forward on tfjs-wasm, in examples/s and as a
 *    percentage of the native peak (model FLOP/s ÷ native matmul FLOP/s);
 *  - the demo teacher's model.onnx and model_quantized.onnx sizes, and the int8 model's top-1
 *    agreement with float32 (and float32's with the project's tfjs forward) at the masked positions of
 *    the demo's held-out examples (the teacher's held-out documents, as scripts/demo-teacher.ts builds them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { useBackend } from '../src/core/backend/useBackend.ts';
import { loadCheckpoint, disposeCheckpoint } from '../src/core/checkpoint/loadCheckpoint.ts';
import { readDocuments } from '../src/core/corpus/readCorpus.ts';
import { createPretrainingExamples } from '../src/core/examples/createPretrainingData.ts';
import type { MaskedExample } from '../src/core/examples/maskedExample.ts';
import { bertEncoder, mlmLogitsAtPositions } from '../src/core/model/bert.ts';
import type { BertConfig } from '../src/core/model/config.ts';
import { initWeights } from '../src/core/model/init.ts';
import { disposeWeights } from '../src/core/model/student.ts';
import { bertOnnxModel } from '../src/core/onnx/bertGraph.ts';
import { floatWeights, onnxModelFiles } from '../src/core/onnx/exportOnnx.ts';
import { GraphBuilder } from '../src/core/onnx/graphBuilder.ts';
import { encodeModel, ONNX_DTYPE } from '../src/core/onnx/onnxProto.ts';
import { Rng } from '../src/core/random/rng.ts';
import { BertTokenizer } from '../src/core/tokenizer/bertTokenizer.ts';
import { configureWasmPaths } from '../src/cli/nodeBackend.ts';
import { runBertOnnx, type PaddedBatch } from '../src/testing/onnxRun.ts';
import { syntheticExamples } from '../src/testing/syntheticExamples.ts';
import { onnxTeacher } from '../src/cli/onnxTeacher.ts';
import { computeTeacherOutputsOnnx } from '../src/core/distill/teacherOutputsOnnx.ts';
import { bertForwardFlops, timeRepeated as timeReps } from './modelBench.ts';

/** ms per step: `step` once to warm up, then repeated until minSeconds (see modelBench's timeRepeated). */
const timeRepeated = async (step: () => Promise<void>, minSeconds: number, maxReps: number): Promise<number> =>
  (await timeReps(step, minSeconds, maxReps)).ms;

export interface OnnxEngineRow {
  engine: string;
  msPerBatch: number;
  examplesPerSec: number;
  gflops: number;
  /** model FLOP/s ÷ native matmul FLOP/s */
  ofNativePeak: number;
}

export interface OnnxTeacherPassRow {
  case: string;
  batch: number;
  seq: number;
  examplesPerSec: number;
  gflops: number;
  ofNativePeak: number;
}

export interface OnnxBenchResult {
  nativeMatmul: { n: number; gflops: number; threads: string };
  /** create_teacher_output_data --engine=onnxruntime: top-128 at 20 masked positions per example */
  teacherPass?: OnnxTeacherPassRow | null;
  forward: { case: string; batch: number; seq: number; rows: OnnxEngineRow[] };
  demo: {
    modelBytes: number;
    quantizedBytes: number;
    examples: number;
    positions: number;
    /** int8 top-1 = float32 top-1 */
    int8Agreement: number;
    /** onnxruntime float32 top-1 = the project's tfjs top-1 */
    float32Agreement: number;
    /** top-1 = the original token (held-out accuracy), float32 and int8 */
    float32Accuracy: number;
    int8Accuracy: number;
  };
}

const now = () => performance.now();

/** One MatMul node [n, n] · [n, n] in onnxruntime-node, all cores: GFLOP/s. */
export async function nativeMatmulPeak(n: number, minSeconds: number): Promise<number> {
  const g = new GraphBuilder('matmul');
  const a = g.input('a', ONNX_DTYPE.FLOAT, [n, n]);
  const rng = new Rng(1);
  const b = g.floats(
    'b',
    Float32Array.from({ length: n * n }, () => rng.normal()),
    [n, n],
  );
  g.output(g.op1('MatMul', [a, b], [], 'c'), ONNX_DTYPE.FLOAT, [n, n]);
  const bytes = encodeModel({ graph: g.graph(), opset: 17, irVersion: 8, producerName: 'bench', producerVersion: '0' });
  const session = await ort.InferenceSession.create(bytes);
  const input = new ort.Tensor(
    'float32',
    Float32Array.from({ length: n * n }, () => rng.normal()),
    [n, n],
  );
  const ms = await timeRepeated(
    async () => {
      await session.run({ a: input });
    },
    minSeconds,
    200,
  );
  await session.release();
  return (2 * n ** 3) / (ms / 1000) / 1e9;
}

function randomBatch(cfg: BertConfig, batch: number, seq: number): PaddedBatch {
  const rng = new Rng(7);
  const ids = Array.from({ length: batch }, () =>
    Array.from({ length: seq }, () => rng.randint(0, cfg.vocab_size - 1)),
  );
  return { ids, mask: ids.map((r) => r.map(() => 1)), types: ids.map((r) => r.map(() => 0)) };
}

/** A padded batch as onnxruntime-web's int64 input tensors. */
function webFeeds(batch: PaddedBatch): Record<string, ortWeb.Tensor> {
  const t = (rows: number[][]) =>
    new ortWeb.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
  return { input_ids: t(batch.ids), attention_mask: t(batch.mask), token_type_ids: t(batch.types) };
}

/** The encoder forward (no MLM head) in onnxruntime-node and onnxruntime-web (wasm) float32 / int8 and in tfjs-wasm, same weights and batch. */
export async function benchOnnxForward(opts: {
  cfg: BertConfig;
  name: string;
  batch: number;
  seq: number;
  nativeGflops: number;
  minSeconds: number;
  log: (s: string) => void;
}): Promise<OnnxBenchResult['forward']> {
  const { cfg, batch, seq, nativeGflops, minSeconds } = opts;
  configureWasmPaths();
  await useBackend('wasm'); // the tfjs side runs on wasm; the weights are made there too
  const weights = initWeights(cfg, { pooler: false, mlmHead: false }, 3);
  const values = await floatWeights(weights);
  const flops = bertForwardFlops(cfg, batch, seq);
  const input = randomBatch(cfg, batch, seq);
  const rows: OnnxEngineRow[] = [];
  const row = (engine: string, ms: number) => {
    const gflops = flops / (ms / 1000) / 1e9;
    rows.push({
      engine,
      msPerBatch: ms,
      examplesPerSec: batch / (ms / 1000),
      gflops,
      ofNativePeak: gflops / nativeGflops,
    });
    opts.log(`onnx: ${engine}: ${ms.toFixed(0)} ms per batch, ${(gflops).toFixed(1)} GFLOP/s`);
  };
  for (const quantize of [false, true]) {
    const model = encodeModel(bertOnnxModel(values, cfg, { quantize }));
    const session = await ort.InferenceSession.create(model);
    row(
      `onnxruntime-node ${quantize ? 'int8' : 'float32'}`,
      await timeRepeated(async () => void (await runBertOnnx(session, input)), minSeconds, 50),
    );
    await session.release();
    // onnxruntime-web's wasm kernels (what transformers.js runs in a browser), here in Node
    ortWeb.env.wasm.numThreads = 1;
    const web = await ortWeb.InferenceSession.create(model, { executionProviders: ['wasm'] });
    const feeds = webFeeds(input);
    row(
      `onnxruntime-web wasm ${quantize ? 'int8' : 'float32'} (1 thread, in Node)`,
      await timeRepeated(async () => void (await web.run(feeds)), minSeconds, 50),
    );
    await web.release();
  }
  const ids = tf.tensor2d(input.ids, undefined, 'int32');
  const mask = tf.tensor2d(input.mask, undefined, 'int32');
  row(
    'tfjs-wasm (the project forward)',
    await timeRepeated(
      async () => {
        const out = bertEncoder(weights, cfg, { inputIds: ids, attentionMask: mask });
        await out.data();
        out.dispose();
      },
      minSeconds,
      50,
    ),
  );
  tf.dispose([ids, mask]);
  disposeWeights(weights);
  return { case: opts.name, batch, seq, rows };
}

/** The demo's held-out examples, as scripts/demo-teacher.ts builds them (seed mode, seq 64, every masked slot [MASK]). */
async function demoHeldOut(root: string, tokenizer: BertTokenizer, maxExamples: number): Promise<MaskedExample[]> {
  const corpus = readFileSync(join(root, 'public', 'demo', 'corpus.txt'), 'utf8');
  const docs: string[][] = [];
  for await (const d of readDocuments(new Blob([corpus]), { name: 'public/demo/corpus.txt', format: 'text' }))
    docs.push(d);
  const seed = 20200601;
  const order = new Rng(seed).shuffle([...docs.keys()]);
  const held = new Set(order.slice(0, Math.max(8, Math.round(docs.length * 0.04))));
  async function* stream(): AsyncGenerator<string[]> {
    yield* docs.filter((_, i) => held.has(i));
  }
  const out: MaskedExample[] = [];
  for await (const ex of createPretrainingExamples(stream(), tokenizer, {
    mode: 'seed',
    doWholeWordMask: true,
    maxSeqLength: 64,
    maxPredictionsPerSeq: 10,
    maskedLmProb: 0.15,
    docStride: 31,
    minDocumentChars: 20,
    shortSeqProb: 0.1,
    dupeFactor: 1,
    randomSeed: seed + 1,
    shuffleBufferSize: 0,
  })) {
    for (let j = 0; j < ex.maskedLmPositions.length; j++)
      if (ex.maskedLmWeights[j] > 0) ex.inputIds[ex.maskedLmPositions[j]] = tokenizer.maskId;
    out.push(ex);
    if (out.length >= maxExamples) break;
  }
  return out;
}

const argmax = (a: Float32Array, from: number, n: number) => {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[from + i] > a[from + best]) best = i;
  return best;
};

/** Sizes and top-1 agreement of the demo teacher's model.onnx and model_quantized.onnx. */
export async function benchOnnxDemo(root: string, maxExamples: number): Promise<OnnxBenchResult['demo']> {
  const dir = join(root, 'public', 'demo', 'teacher');
  const files = new Map<string, Blob>();
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt'])
    files.set(`teacher/${f}`, new Blob([readFileSync(join(dir, f))]));
  configureWasmPaths();
  await useBackend('wasm'); // the project's reference forward
  const ckpt = await loadCheckpoint(files);
  const cfg = ckpt.config;
  const tokenizer = new BertTokenizer(ckpt.vocab!);
  const examples = await demoHeldOut(root, tokenizer, maxExamples);
  const onnx = await onnxModelFiles(ckpt.weights, cfg);
  const sessions = [await ort.InferenceSession.create(onnx.model), await ort.InferenceSession.create(onnx.quantized)];
  let positions = 0;
  let int8Same = 0;
  let projectSame = 0;
  let floatRight = 0;
  let int8Right = 0;
  const V = cfg.vocab_size;
  for (let i = 0; i < examples.length; i += 16) {
    const chunk = examples.slice(i, i + 16);
    const batch: PaddedBatch = {
      ids: chunk.map((e) => Array.from(e.inputIds)),
      mask: chunk.map((e) => Array.from(e.inputMask)),
      types: chunk.map((e) => Array.from(e.segmentIds)),
    };
    const [f32, i8] = [await runBertOnnx(sessions[0], batch), await runBertOnnx(sessions[1], batch)];
    const S = batch.ids[0].length;
    const P = chunk[0].maskedLmPositions.length;
    const project = tf.tidy(() => {
      const seq = bertEncoder(ckpt.weights, cfg, {
        inputIds: tf.tensor2d(batch.ids, undefined, 'int32'),
        attentionMask: tf.tensor2d(batch.mask, undefined, 'int32'),
        tokenTypeIds: tf.tensor2d(batch.types, undefined, 'int32'),
      });
      const pos = tf.tensor2d(
        chunk.map((e) => Array.from(e.maskedLmPositions)),
        undefined,
        'int32',
      );
      return tf.argMax(mlmLogitsAtPositions(ckpt.weights, cfg, seq, pos), -1);
    });
    const projectTop = (await project.data()) as Int32Array;
    project.dispose();
    chunk.forEach((e, b) => {
      for (let j = 0; j < P; j++) {
        if (e.maskedLmWeights[j] <= 0) continue;
        const at = (b * S + e.maskedLmPositions[j]) * V;
        const topF = argmax(f32.logits.data, at, V);
        const topQ = argmax(i8.logits.data, at, V);
        positions++;
        if (topF === topQ) int8Same++;
        if (topF === projectTop[b * P + j]) projectSame++;
        if (topF === e.maskedLmIds[j]) floatRight++;
        if (topQ === e.maskedLmIds[j]) int8Right++;
      }
    });
  }
  for (const s of sessions) await s.release();
  disposeCheckpoint(ckpt);
  return {
    modelBytes: onnx.model.length,
    quantizedBytes: onnx.quantized.length,
    examples: examples.length,
    positions,
    int8Agreement: int8Same / positions,
    float32Agreement: projectSame / positions,
    float32Accuracy: floatRight / positions,
    int8Accuracy: int8Right / positions,
  };
}

/** The CLI's teacher pass on onnxruntime-node (create_teacher_output_data --engine=onnxruntime): examples/s and % of native peak. */
export async function benchOnnxTeacherPass(opts: {
  cfg: BertConfig;
  name: string;
  batch: number;
  batches: number;
  seq: number;
  nativeGflops: number;
}): Promise<OnnxTeacherPassRow> {
  const P = 20;
  const k = 128;
  configureWasmPaths();
  await useBackend('wasm');
  const examples = syntheticExamples({
    count: opts.batch * (opts.batches + 1),
    vocabSize: opts.cfg.vocab_size,
    maxSeqLength: opts.seq,
    maxPredictionsPerSeq: P,
  });
  const weights = initWeights(opts.cfg, { pooler: false, mlmHead: true }, 1);
  const teacher = await onnxTeacher(weights, opts.cfg, k);
  disposeWeights(weights);
  await computeTeacherOutputsOnnx(teacher.run, examples.slice(0, opts.batch), k); // warm-up
  const t0 = now();
  for (let b = 1; b <= opts.batches; b++)
    await computeTeacherOutputsOnnx(teacher.run, examples.slice(b * opts.batch, (b + 1) * opts.batch), k);
  const seconds = (now() - t0) / 1000;
  await teacher.release();
  const n = opts.batch * opts.batches;
  const gflops = (bertForwardFlops(opts.cfg, opts.batch, opts.seq, P) * opts.batches) / seconds / 1e9;
  return {
    case: opts.name,
    batch: opts.batch,
    seq: opts.seq,
    examplesPerSec: n / seconds,
    gflops,
    ofNativePeak: gflops / opts.nativeGflops,
  };
}
