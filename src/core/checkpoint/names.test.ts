import { describe, expect, it } from 'vitest';
import { expectedShapes } from '../model/weights.ts';
import { canonicalName, canonicalToTf, notBertHint, tfToCanonical } from './names.ts';
import { tinyConfig } from '../../testing/checkpointFixtures.ts';

describe('weight names', () => {
  const all = [...expectedShapes(tinyConfig({ num_hidden_layers: 12 }), { pooler: true, mlmHead: true }).keys()];

  it('every canonical name maps to a Google name and back, with kernels (and only kernels) transposed', () => {
    for (const n of all) {
      const { tfName, transpose } = canonicalToTf(n);
      expect(tfToCanonical(tfName), n).toEqual({ kind: 'weight', canonical: n, transpose });
      expect(transpose, n).toBe(tfName.endsWith('/kernel'));
      expect(canonicalName(n)).toEqual({ kind: 'weight', canonical: n, transpose: false });
    }
    expect(canonicalToTf('bert.encoder.layer.11.attention.self.query.weight').tfName).toBe(
      'bert/encoder/layer_11/attention/self/query/kernel',
    );
    expect(canonicalToTf('cls.predictions.transform.LayerNorm.weight').tfName).toBe(
      'cls/predictions/transform/LayerNorm/gamma',
    );
    expect(canonicalToTf('cls.predictions.bias').tfName).toBe('cls/predictions/output_bias');
    expect(canonicalToTf('bert.embeddings.word_embeddings.weight')).toEqual({
      tfName: 'bert/embeddings/word_embeddings',
      transpose: false,
    });
  });

  it("downstream heads keep Google's run_classifier / run_squad names, untransposed", () => {
    const pairs: [string, string][] = [
      ['classifier.weight', 'output_weights'],
      ['classifier.bias', 'output_bias'],
      ['qa_outputs.weight', 'cls/squad/output_weights'],
      ['qa_outputs.bias', 'cls/squad/output_bias'],
    ];
    for (const [hf, google] of pairs) {
      expect(canonicalToTf(hf)).toEqual({ tfName: google, transpose: false });
      expect(tfToCanonical(google)).toEqual({ kind: 'weight', canonical: hf, transpose: false });
      expect(canonicalName(hf)).toEqual({ kind: 'weight', canonical: hf, transpose: false });
    }
  });

  it('accepts names without bert., with module., and old gamma/beta LayerNorm names', () => {
    expect(canonicalName('encoder.layer.3.output.LayerNorm.gamma')).toEqual({
      kind: 'weight',
      canonical: 'bert.encoder.layer.3.output.LayerNorm.weight',
      transpose: false,
    });
    expect(canonicalName('module.bert.embeddings.LayerNorm.beta')).toEqual({
      kind: 'weight',
      canonical: 'bert.embeddings.LayerNorm.bias',
      transpose: false,
    });
    expect(canonicalName('pooler.dense.weight')).toMatchObject({ canonical: 'bert.pooler.dense.weight' });
    expect(canonicalName('cls.predictions.decoder.weight').kind).toBe('tiedDecoder');
    expect(canonicalName('cls.predictions.decoder.bias').kind).toBe('decoderBias');
    expect(canonicalName('bert.embeddings.position_ids').kind).toBe('skip');
    expect(canonicalName('cls.seq_relationship.weight').kind).toBe('skip');
    expect(canonicalName('lm_head.dense.weight').kind).toBe('unknown');
  });

  it('skips optimizer slots, counters and the NSP head in TF1 names', () => {
    for (const n of [
      'bert/pooler/dense/kernel/adam_m',
      'bert/pooler/dense/kernel/adam_v',
      'global_step',
      'cls/seq_relationship/output_weights',
    ]) {
      expect(tfToCanonical(n).kind, n).toBe('skip');
    }
    expect(tfToCanonical('bert/encoder/layer_shared/output/dense/kernel').kind).toBe('unknown');
    expect(notBertHint(['bert/embeddings/word_embeddings_2'])).toMatch(/ALBERT/);
    expect(notBertHint(all)).toBeUndefined();
  });
});
