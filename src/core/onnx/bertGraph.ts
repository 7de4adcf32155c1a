/**
 * BERT as an ONNX graph (opset 17), the same computation as src/core/model/bert.ts's
 * forward pass without dropout, with the inputs and outputs transformers.js and
 * Hugging Face's exporters use:
 *
 *   inputs   input_ids, attention_mask, token_type_ids   int64 [batch_size, sequence_length]
 *   outputs  last_hidden_state [batch, seq, hidden]      always
 *            pooler_output     [batch, hidden]           when the weights have a pooler and no task head
 *            logits            [batch, seq, vocab]       masked-LM head (fill-mask)
 *            logits            [batch, labels]           classification head (sequence classification)
 *            start_logits, end_logits [batch, seq]      span head (question answering)
 *
 * Both axes are dynamic. Each Linear is MatMul(x, Wᵀ) + b with Wᵀ stored [in, out];
 * with `quantize` the matrices and the word embeddings are stored as uint8 per output
 * column (quantize.ts) and multiplied by MatMulInteger after DynamicQuantizeLinear.
 */
import type { BertConfig } from '../model/config.ts';
import { CLASSIFIER_NAMES, QA_NAMES } from '../model/heads.ts';
import { EMBEDDING_NAMES, MLM_HEAD_NAMES, POOLER_NAMES, expectedShapes, layerNames } from '../model/weights.ts';
import { attr, GraphBuilder } from './graphBuilder.ts';
import { ONNX_DTYPE, type OnnxModel } from './onnxProto.ts';
import { quantizeColumns, quantizeRows, transpose } from './quantize.ts';

/** A weight's values, row-major, with its Hugging Face shape. */
export interface FloatTensor {
  shape: number[];
  data: Float32Array;
}
export type FloatWeights = Record<string, FloatTensor>;

export interface BertGraphOptions {
  /** int8 (uint8 per-column) weights with MatMulInteger; default false (float32) */
  quantize?: boolean;
  /**
   * The teacher pass's graph instead (create_teacher_output_data): a fourth input
   * masked_lm_positions int64 [batch, predictions], and as the only outputs the softmax's
   * top k at those positions, top_k_probs float [batch, predictions, k] and top_k_indices
   * int64 [batch, predictions, k] (sorted, largest first).
   */
  teacherTopK?: number;
}

export const ONNX_OPSET = 17;
/** IR version 8 goes with opset 17. */
export const ONNX_IR_VERSION = 8;
/** The attention mask's additive value for padding, as bert.ts's ATTENTION_MASK_VALUE. */
const MASK_VALUE = -10000;

const BATCH = 'batch_size';
const SEQ = 'sequence_length';

function get(weights: FloatWeights, name: string, shape: number[]): FloatTensor {
  const t = weights[name];
  if (t === undefined) throw new Error(`ONNX export: tensor "${name}" is missing`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(
      `ONNX export: tensor "${name}" has shape [${t.shape.join(', ')}], the config needs [${shape.join(', ')}]`,
    );
  }
  if (t.data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new Error(`ONNX export: tensor "${name}" has ${t.data.length} values for shape [${shape.join(', ')}]`);
  }
  return t;
}

/** The ONNX model of BERT with the heads its weights carry. */
export function bertOnnxModel(weights: FloatWeights, cfg: BertConfig, opts: BertGraphOptions = {}): OnnxModel {
  const quantize = opts.quantize === true;
  const H = cfg.hidden_size;
  const V = cfg.vocab_size;
  const heads = cfg.num_attention_heads;
  const d = H / heads;
  const eps = cfg.layer_norm_eps;
  const shapes = expectedShapes(cfg, { pooler: true, mlmHead: true });
  const w = (name: string) => get(weights, name, shapes.get(name) ?? weights[name]?.shape ?? []);
  const has = (name: string) => weights[name] !== undefined;
  const hasPooler = has(POOLER_NAMES.W);
  const hasMlm = Object.values(MLM_HEAD_NAMES).every(has);
  const head = has(CLASSIFIER_NAMES.W) ? 'classification' : has(QA_NAMES.W) ? 'span' : null;
  if (head === 'classification' && !hasPooler) {
    throw new Error(`ONNX export: a classifier head needs the pooler ("${POOLER_NAMES.W}" is missing)`);
  }
  const act = activation(cfg.hidden_act);
  const teacherK = opts.teacherTopK;
  if (teacherK !== undefined) {
    if (!hasMlm) throw new Error('ONNX export: the teacher graph needs the masked-LM head (cls.predictions.*)');
    if (!Number.isInteger(teacherK) || teacherK < 1 || teacherK > V)
      throw new Error(`ONNX export: top-k ${teacherK} must be an integer from 1 to the vocabulary size ${V}`);
  }

  const g = new GraphBuilder('bert');
  const inputIds = g.input('input_ids', ONNX_DTYPE.INT64, [BATCH, SEQ]);
  const attentionMask = g.input('attention_mask', ONNX_DTYPE.INT64, [BATCH, SEQ]);
  const tokenTypeIds = g.input('token_type_ids', ONNX_DTYPE.INT64, [BATCH, SEQ]);

  /** x · Wᵀ + b for an HF Linear weight W [out, in] over x [..., in]. */
  const linear = (x: string, wName: string, bName: string): string => {
    const W = w(wName);
    const [out, inSize] = W.shape;
    const bias = g.floats(bName, w(bName).data, [out]);
    const wT = transpose(W.data, out, inSize); // [in, out]
    if (!quantize) return g.op1('Add', [g.op1('MatMul', [x, g.floats(wName, wT, [inSize, out])]), bias]);
    const q = quantizeColumns(wT, inSize, out);
    const product = quantizedMatMul(
      x,
      g.uint8s(`${wName}_quantized`, q.q, [inSize, out]),
      g.uint8s(`${wName}_zero_point`, q.zeroPoint, [out]),
      g.floats(`${wName}_scale`, q.scale, [out]),
    );
    return g.op1('Add', [product, bias]);
  };

  /** DynamicQuantizeLinear(x), MatMulInteger with uint8 B [in, out], rescaled to float. */
  const quantizedMatMul = (x: string, bQ: string, bZero: string, bScale: string): string => {
    const [xQ, xScale, xZero] = g.op('DynamicQuantizeLinear', [x], [], ['x_quantized', 'x_scale', 'x_zero_point']);
    const integer = g.op1('MatMulInteger', [xQ, bQ, xZero, bZero]);
    const asFloat = g.op1('Cast', [integer], [attr.int('to', ONNX_DTYPE.FLOAT)]);
    return g.op1('Mul', [asFloat, g.op1('Mul', [xScale, bScale])]);
  };

  const layerNorm = (x: string, gammaName: string, betaName: string): string =>
    g.op1(
      'LayerNormalization',
      [x, g.floats(gammaName, w(gammaName).data, [H]), g.floats(betaName, w(betaName).data, [H])],
      [attr.int('axis', -1), attr.float('epsilon', eps)],
    );

  // ------------------------------------------------------------ embeddings
  const word = w(EMBEDDING_NAMES.word);
  let wordRows: string;
  /** the tied MLM decoder: x [..., H] · wordᵀ → [..., V] */
  let decoder: (x: string) => string;
  if (!quantize) {
    const table = g.floats(EMBEDDING_NAMES.word, word.data, [V, H]);
    wordRows = g.op1('Gather', [table, inputIds]);
    decoder = (x) => g.op1('MatMul', [x, g.op1('Transpose', [table], [attr.ints('perm', [1, 0])])]);
  } else {
    // one scale and zero point per token: a row of the table, a column of the decoder
    const q = quantizeRows(word.data, V, H);
    const table = g.uint8s(`${EMBEDDING_NAMES.word}_quantized`, q.q, [V, H]);
    const zeroF = g.floats(`${EMBEDDING_NAMES.word}_zero_point_float`, Float32Array.from(q.zeroPoint), [V, 1]);
    const scaleCol = g.floats(`${EMBEDDING_NAMES.word}_scale_column`, q.scale, [V, 1]);
    // rows: (q[id] − zero[id]) · scale[id]
    const rowsQ = g.op1('Cast', [g.op1('Gather', [table, inputIds])], [attr.int('to', ONNX_DTYPE.FLOAT)]);
    wordRows = g.op1('Mul', [
      g.op1('Sub', [rowsQ, g.op1('Gather', [zeroF, inputIds])]),
      g.op1('Gather', [scaleCol, inputIds]),
    ]);
    decoder = (x) =>
      quantizedMatMul(
        x,
        g.op1('Transpose', [table], [attr.ints('perm', [1, 0])]), // [H, V], folded at load time
        g.uint8s(`${EMBEDDING_NAMES.word}_zero_point`, q.zeroPoint, [V]),
        g.floats(`${EMBEDDING_NAMES.word}_scale`, q.scale, [V]),
      );
  }
  const typeRows = g.op1('Gather', [
    g.floats(EMBEDDING_NAMES.tokenType, w(EMBEDDING_NAMES.tokenType).data, [cfg.type_vocab_size, H]),
    tokenTypeIds,
  ]);
  // position ids 0..seq-1: the first seq rows of the table
  const seqLen = g.op1('Gather', [g.op1('Shape', [inputIds]), g.int64s('seq_axis', [1])], [attr.int('axis', 0)]);
  const positions = g.op1('Slice', [
    g.floats(EMBEDDING_NAMES.position, w(EMBEDDING_NAMES.position).data, [cfg.max_position_embeddings, H]),
    g.int64s('zero', [0]),
    seqLen,
    g.int64s('axis0', [0]),
  ]);
  let x = layerNorm(
    g.op1('Add', [g.op1('Add', [wordRows, typeRows]), positions]),
    EMBEDDING_NAMES.lnWeight,
    EMBEDDING_NAMES.lnBias,
  );

  // (1 − mask) · −10000 as [batch, 1, 1, seq]
  const maskFloat = g.op1('Cast', [attentionMask], [attr.int('to', ONNX_DTYPE.FLOAT)]);
  const maskAdd = g.op1('Unsqueeze', [
    g.op1('Mul', [g.op1('Sub', [g.scalar('one', 1), maskFloat]), g.scalar('mask_value', MASK_VALUE)]),
    g.int64s('mask_axes', [1, 2]),
  ]);

  // ------------------------------------------------------------ encoder
  const headShape = g.int64s('head_shape', [0, 0, heads, d]);
  const hiddenShape = g.int64s('hidden_shape', [0, 0, H]);
  const invSqrtD = g.scalar('inv_sqrt_head_size', 1 / Math.sqrt(d));
  const splitHeads = (t: string, perm: number[]) =>
    g.op1('Transpose', [g.op1('Reshape', [t, headShape])], [attr.ints('perm', perm)]);
  for (let i = 0; i < cfg.num_hidden_layers; i++) {
    const n = layerNames(i);
    const q = splitHeads(linear(x, n.qW, n.qB), [0, 2, 1, 3]); // [batch, heads, seq, d]
    const kT = splitHeads(linear(x, n.kW, n.kB), [0, 2, 3, 1]); // [batch, heads, d, seq]
    const v = splitHeads(linear(x, n.vW, n.vB), [0, 2, 1, 3]); // [batch, heads, seq, d]
    const scores = g.op1('Add', [g.op1('MatMul', [g.op1('Mul', [q, invSqrtD]), kT]), maskAdd]);
    const probs = g.op1('Softmax', [scores], [attr.int('axis', -1)]);
    const context = g.op1('Reshape', [
      g.op1('Transpose', [g.op1('MatMul', [probs, v])], [attr.ints('perm', [0, 2, 1, 3])]),
      hiddenShape,
    ]);
    const a = layerNorm(g.op1('Add', [linear(context, n.attnOutW, n.attnOutB), x]), n.attnLnW, n.attnLnB);
    const inter = act(g, linear(a, n.interW, n.interB));
    x = layerNorm(g.op1('Add', [linear(inter, n.outW, n.outB), a]), n.outLnW, n.outLnB);
  }
  /** the MLM head's logits over hidden states [..., H] → [..., V] */
  const mlmLogits = (hidden: string, outName: string) => {
    const transformed = layerNorm(
      act(g, linear(hidden, MLM_HEAD_NAMES.transformW, MLM_HEAD_NAMES.transformB)),
      MLM_HEAD_NAMES.lnW,
      MLM_HEAD_NAMES.lnB,
    );
    return g.op1(
      'Add',
      [decoder(transformed), g.floats(MLM_HEAD_NAMES.bias, w(MLM_HEAD_NAMES.bias).data, [V])],
      [],
      outName,
    );
  };

  if (teacherK !== undefined) {
    // hidden states at the masked positions: out[b, p] = x[b, positions[b, p]]
    const positions = g.input('masked_lm_positions', ONNX_DTYPE.INT64, [BATCH, 'predictions']);
    const atPositions = g.op1(
      'GatherND',
      [x, g.op1('Unsqueeze', [positions, g.int64s('last_axis', [2])])],
      [attr.int('batch_dims', 1)],
    );
    const probs = g.op1('Softmax', [mlmLogits(atPositions, 'masked_logits')], [attr.int('axis', -1)]);
    const [values, indices] = g.op(
      'TopK',
      [probs, g.int64s('k', [teacherK])],
      [attr.int('axis', -1), attr.int('largest', 1), attr.int('sorted', 1)],
      ['top_k_probs', 'top_k_indices'],
    );
    g.output(values, ONNX_DTYPE.FLOAT, [BATCH, 'predictions', teacherK]);
    g.output(indices, ONNX_DTYPE.INT64, [BATCH, 'predictions', teacherK]);
    return modelOf(g, cfg, quantize, ` teacher top-${teacherK}`);
  }

  const lastHidden = g.op1('Identity', [x], [], 'last_hidden_state');
  g.output(lastHidden, ONNX_DTYPE.FLOAT, [BATCH, SEQ, H]);

  // ------------------------------------------------------------ pooler and heads
  const pooled = hasPooler
    ? g.op1('Tanh', [
        linear(g.op1('Gather', [x, g.int64s('first', [0], [])], [attr.int('axis', 1)]), POOLER_NAMES.W, POOLER_NAMES.B),
      ])
    : null;
  if (head === 'classification' && pooled) {
    const labels = weights[CLASSIFIER_NAMES.W].shape[0];
    const logits = floatLinear(g, weights, pooled, CLASSIFIER_NAMES.W, CLASSIFIER_NAMES.B, [labels, H], 'logits');
    g.output(logits, ONNX_DTYPE.FLOAT, [BATCH, labels]);
  } else if (head === 'span') {
    const both = floatLinear(g, weights, x, QA_NAMES.W, QA_NAMES.B, [2, H], 'span_logits');
    const pick = (k: number, name: string) =>
      g.op1('Gather', [both, g.int64s(`${name}_index`, [k], [])], [attr.int('axis', 2)], name);
    g.output(pick(0, 'start_logits'), ONNX_DTYPE.FLOAT, [BATCH, SEQ]);
    g.output(pick(1, 'end_logits'), ONNX_DTYPE.FLOAT, [BATCH, SEQ]);
  } else {
    if (pooled) g.output(g.op1('Identity', [pooled], [], 'pooler_output'), ONNX_DTYPE.FLOAT, [BATCH, H]);
    if (hasMlm) g.output(mlmLogits(x, 'logits'), ONNX_DTYPE.FLOAT, [BATCH, SEQ, V]);
  }
  return modelOf(g, cfg, quantize, '');
}

function modelOf(g: GraphBuilder, cfg: BertConfig, quantize: boolean, what: string): OnnxModel {
  return {
    graph: g.graph(),
    opset: ONNX_OPSET,
    irVersion: ONNX_IR_VERSION,
    producerName: 'wwm-distill-workbench',
    producerVersion: '0.1.0',
    docString: `BERT (${cfg.num_hidden_layers} layers, hidden ${cfg.hidden_size}, ${cfg.hidden_act})${quantize ? ', uint8 weights' : ''}${what}`,
  };
}

/** A task head kept in float32 even in the quantised model (few weights, and they decide the answer). */
function floatLinear(
  g: GraphBuilder,
  weights: FloatWeights,
  x: string,
  wName: string,
  bName: string,
  shape: [number, number],
  outName: string,
): string {
  const W = get(weights, wName, shape);
  const [out, inSize] = shape;
  const wT = g.floats(wName, transpose(W.data, out, inSize), [inSize, out]);
  return g.op1('Add', [g.op1('MatMul', [x, wT]), g.floats(bName, get(weights, bName, [out]).data, [out])], [], outName);
}

/** The activation named by the config's hidden_act, as ONNX nodes (the same formulas as bert.ts). */
function activation(name: string): (g: GraphBuilder, x: string) => string {
  switch (name) {
    case 'gelu': // 0.5 · x · (1 + erf(x / √2))
      return (g, x) =>
        g.op1('Mul', [
          g.op1('Mul', [x, g.scalar('half', 0.5)]),
          g.op1('Add', [g.scalar('one', 1), g.op1('Erf', [g.op1('Mul', [x, g.scalar('inv_sqrt2', Math.SQRT1_2)])])]),
        ]);
    case 'gelu_new':
    case 'gelu_pytorch_tanh': // 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))
      return (g, x) => {
        const cube = g.op1('Mul', [g.op1('Mul', [x, x]), x]);
        const inner = g.op1('Mul', [
          g.op1('Add', [x, g.op1('Mul', [cube, g.scalar('gelu_cubic', 0.044715)])]),
          g.scalar('sqrt_2_over_pi', Math.sqrt(2 / Math.PI)),
        ]);
        return g.op1('Mul', [
          g.op1('Mul', [x, g.scalar('half', 0.5)]),
          g.op1('Add', [g.scalar('one', 1), g.op1('Tanh', [inner])]),
        ]);
      };
    case 'relu':
      return (g, x) => g.op1('Relu', [x]);
    default:
      throw new Error(`ONNX export: hidden_act "${name}" is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)`);
  }
}
