/**
 * The exported ONNX graph run by onnxruntime-node against the project's own forward
 * pass (bert.ts, heads.ts) on the cpu backend: every output within 1e-4, on several
 * batch sizes and lengths with padding and token types, for each activation and head.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { padBatch, onnxSession, runBertOnnx, type PaddedBatch } from '../../testing/onnxRun.ts';
import { randomIds, randomWeights, tinyConfig } from '../../testing/tinyBert.ts';
import { bertEncoder, bertPooler, mlmLogits } from '../model/bert.ts';
import type { BertConfig } from '../model/config.ts';
import { CLASSIFIER_NAMES, classifierLogits, QA_NAMES, spanLogits } from '../model/heads.ts';
import type { Weights } from '../model/weights.ts';
import { Rng } from '../random/rng.ts';
import { bertOnnxModel } from './bertGraph.ts';
import { floatWeights } from './exportOnnx.ts';
import { encodeModel } from './onnxProto.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Rows of the given lengths with random ids and token types, padded. */
function batchOf(lengths: number[], cfg: BertConfig, seed: number): PaddedBatch {
  const rng = new Rng(seed);
  const ids = lengths.map((n) => randomIds(rng, 1, n, cfg.vocab_size)[0]);
  const types = lengths.map((n) => randomIds(rng, 1, n, cfg.type_vocab_size)[0]);
  return padBatch(ids, 0, types);
}

/** The project's outputs, named as the ONNX model names them. */
function projectOutputs(w: Weights, cfg: BertConfig, b: PaddedBatch): Record<string, tf.Tensor> {
  const seq = bertEncoder(w, cfg, {
    inputIds: tf.tensor2d(b.ids, undefined, 'int32'),
    attentionMask: tf.tensor2d(b.mask, undefined, 'int32'),
    tokenTypeIds: tf.tensor2d(b.types, undefined, 'int32'),
  });
  const out: Record<string, tf.Tensor> = { last_hidden_state: seq };
  if (w[CLASSIFIER_NAMES.W]) out.logits = classifierLogits(w, cfg, seq, { training: false });
  else if (w[QA_NAMES.W]) {
    const { start, end } = spanLogits(w, seq);
    out.start_logits = start;
    out.end_logits = end;
  } else {
    if (w['bert.pooler.dense.weight']) out.pooler_output = bertPooler(w, cfg, seq);
    if (w['cls.predictions.bias']) out.logits = mlmLogits(w, cfg, seq);
  }
  return out;
}

async function expectSame(w: Weights, cfg: BertConfig, batches: PaddedBatch[], outputs: string[]) {
  const session = await onnxSession(encodeModel(bertOnnxModel(await floatWeights(w), cfg)));
  expect([...session.inputNames].sort()).toEqual(['attention_mask', 'input_ids', 'token_type_ids']);
  expect([...session.outputNames].sort()).toEqual([...outputs].sort());
  for (const b of batches) {
    const got = await runBertOnnx(session, b);
    const want = projectOutputs(w, cfg, b);
    for (const name of outputs) {
      expect(got[name].dims, name).toEqual(want[name].shape);
      const ref = await want[name].data();
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[name].data[i]));
      expect(maxDiff, `${name}, batch ${b.ids.length}×${b.ids[0].length}`).toBeLessThan(1e-4);
    }
    tf.dispose(Object.values(want));
  }
  await session.release();
}

function randomHead(names: { W: string; B: string }, outputs: number, H: number, seed: number): Weights {
  const rng = new Rng(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => 0.3 * rng.normal());
  return { [names.W]: tf.tensor(values(outputs * H), [outputs, H]), [names.B]: tf.tensor(values(outputs), [outputs]) };
}

describe('ONNX export matches the project forward in onnxruntime-node', () => {
  const shapes = [[7], [9, 5, 2], [20, 20, 13, 1], [4, 11]];

  it('masked LM with pooler (gelu): last_hidden_state, pooler_output, logits', async () => {
    const cfg = tinyConfig();
    const w = randomWeights(cfg, { pooler: true, mlmHead: true }, 1);
    await expectSame(
      w,
      cfg,
      shapes.map((s, i) => batchOf(s, cfg, 10 + i)),
      ['last_hidden_state', 'pooler_output', 'logits'],
    );
  });

  for (const act of ['gelu_new', 'gelu_pytorch_tanh', 'relu']) {
    it(`hidden_act ${act}, three layers, eight heads`, async () => {
      const cfg = tinyConfig({ hidden_act: act, num_hidden_layers: 3, num_attention_heads: 8 });
      const w = randomWeights(cfg, { pooler: true, mlmHead: true }, 2);
      await expectSame(w, cfg, [batchOf([6, 3], cfg, 3)], ['last_hidden_state', 'pooler_output', 'logits']);
    });
  }

  it('encoder only (no pooler, no MLM head): feature extraction', async () => {
    const cfg = tinyConfig();
    const w = randomWeights(cfg, { pooler: false, mlmHead: false }, 4);
    await expectSame(w, cfg, [batchOf([8, 3, 5], cfg, 5), batchOf([1], cfg, 6)], ['last_hidden_state']);
  });

  it('sequence classification head: logits [batch, labels]', async () => {
    const cfg = tinyConfig();
    const w = { ...randomWeights(cfg, { pooler: true, mlmHead: false }, 7), ...randomHead(CLASSIFIER_NAMES, 3, 16, 8) };
    await expectSame(w, cfg, [batchOf([10, 4, 7], cfg, 9), batchOf([2], cfg, 10)], ['last_hidden_state', 'logits']);
  });

  it('question answering head: start_logits, end_logits', async () => {
    const cfg = tinyConfig();
    const w = { ...randomWeights(cfg, { pooler: true, mlmHead: false }, 11), ...randomHead(QA_NAMES, 2, 16, 12) };
    await expectSame(
      w,
      cfg,
      [batchOf([12, 3], cfg, 13), batchOf([5, 5, 5], cfg, 14)],
      ['last_hidden_state', 'start_logits', 'end_logits'],
    );
  });
});

describe('ONNX export: bad input', () => {
  const cfg = tinyConfig();
  it('names a missing tensor', async () => {
    const values = await floatWeights(randomWeights(cfg, { pooler: true, mlmHead: true }, 1));
    delete values['bert.encoder.layer.1.output.dense.bias'];
    expect(() => bertOnnxModel(values, cfg)).toThrow('"bert.encoder.layer.1.output.dense.bias" is missing');
  });
  it('names a tensor whose shape the config does not allow', async () => {
    const values = await floatWeights(randomWeights(cfg, { pooler: true, mlmHead: true }, 1));
    expect(() => bertOnnxModel(values, { ...cfg, intermediate_size: 64 })).toThrow(
      '"bert.encoder.layer.0.intermediate.dense.weight" has shape [32, 16], the config needs [64, 16]',
    );
  });
  it('refuses an activation it cannot write', async () => {
    const values = await floatWeights(randomWeights(cfg, { pooler: true, mlmHead: true }, 1));
    expect(() => bertOnnxModel(values, { ...cfg, hidden_act: 'swish' })).toThrow('hidden_act "swish" is not supported');
  });
  it('refuses a classifier without a pooler', async () => {
    const values = await floatWeights({
      ...randomWeights(cfg, { pooler: false, mlmHead: false }, 1),
      ...randomHead(CLASSIFIER_NAMES, 2, 16, 2),
    });
    expect(() => bertOnnxModel(values, cfg)).toThrow('a classifier head needs the pooler');
  });
});
