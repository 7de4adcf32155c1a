import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOOL_NAME, TOOL_VERSION } from '../version.ts';
import { wilsonInterval } from '../run/binomialInterval.ts';
import { LOSS_PRESETS } from './lossConfig.ts';
import type { BertConfig } from '../model/config.ts';
import type { Weights } from '../model/weights.ts';
import { cardEvaluations, cardStudent, type ModelCardRecord, modelCard, modelCardFile } from './modelCard.ts';

function record(over: Partial<ModelCardRecord> = {}): ModelCardRecord {
  return {
    title: 'lr 3e-4 | 3 layers',
    notes: 'first try\nwith the news corpus',
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    date: '2026-12-02T04:00:00.000Z',
    format: 'safetensors',
    teacher: { name: 'chinese-roberta-wwm-ext', layers: 12, hidden: 768 },
    student: {
      layers: 3,
      hidden: 768,
      heads: 12,
      intermediate: 3072,
      vocabSize: 21128,
      parameters: 45_000_000,
      teacherLayers: [0, 5, 11],
    },
    data: {
      exampleSet: 'news.txt · seq 128',
      sources: [{ name: 'news.txt', bytes: 1_234_567, documents: 321 }, { name: 'wiki.txt' }],
      flags: { max_seq_length: 128, dupe_factor: 5, do_whole_word_mask: true },
      examples: 2000,
      trainExamples: 1900,
      heldOutExamples: 100,
      teacherTopK: 128,
    },
    loss: { preset: 'seed', config: LOSS_PRESETS.seed },
    training: {
      stepsTrained: 500,
      plannedSteps: 1000,
      learningRate: 3e-4,
      warmupSteps: 50,
      batchSize: 32,
      gradientAccumulationSteps: 1,
      seed: 12345,
      backend: 'wasm',
    },
    evaluations: [
      { step: 0, loss: 5.1, teacherAgreement: 0.4, goldAccuracy: 0.2, top5Overlap: 0.3 },
      { step: 250, examples: 100, loss: 3.2, teacherAgreement: 0.71, goldAccuracy: 0.35, top5Overlap: 0.6 },
      { step: 500, examples: 100, loss: 3.0, teacherAgreement: 0.69, goldAccuracy: 0.36, top5Overlap: 0.62 },
    ],
    ...over,
  };
}

describe('model card', () => {
  it('names the teacher, data, loss, schedule, seed, date and tool version', () => {
    const md = modelCard(record());
    expect(md.startsWith('# lr 3e-4 \\| 3 layers\n')).toBe(true);
    expect(md).toContain('distilled from **chinese-roberta-wwm-ext** with wwm-distill-workbench 0.1.0');
    expect(md).toContain('exported on 2026-12-02T04:00:00.000Z (safetensors)');
    expect(md).toContain('> first try\n> with the news corpus');
    expect(md).toContain('| teacher (chinese-roberta-wwm-ext) | 12 | 768 |');
    expect(md).toContain('| student | 3 | 768 |');
    expect(md).toContain("initialised from the teacher's layers 0, 5, 11");
    expect(md).toContain('45,000,000 parameters');
    expect(md).toContain('- Sources: news.txt (1,234,567 bytes, 321 documents); wiki.txt');
    expect(md).toContain('`--max_seq_length=128` `--dupe_factor=5` `--do_whole_word_mask=true`');
    expect(md).toContain('- Examples: 2,000 (training 1,900, held out 100)');
    expect(md).toContain('top-128 probabilities per masked position');
    expect(md).toContain('Preset: original; temperature 1.');
    expect(md).toContain('| soft cross-entropy against the teacher top-k | 1 |');
    expect(md).toContain('| hard-label masked-LM cross-entropy | 0 |');
    expect(md).toContain('- Steps: 500 trained of 1,000 planned');
    expect(md).toContain('- Learning rate: 0.0003 (AdamW, 50 warmup steps, then linear decay)');
    expect(md).toContain('- Batch: 32 examples per step (1 micro-batch)');
    expect(md).toContain('- Seed: 12345');
    expect(md).toContain('- Backend: wasm');
  });

  it('gives the metrics with their held-out size: first, best and last rows', () => {
    const md = modelCard(record());
    expect(md).toContain('Measured on 100 held-out examples (never trained on).');
    expect(md).toContain('| first | 0 | — | 5.1 | 40.0% | 20.0% | 30.0% |');
    expect(md).toContain('| best teacher agreement | 250 | 100 | 3.2 | 71.0% | 35.0% | 60.0% |');
    expect(md).toContain('| last (these weights) | 500 | 100 | 3 | 69.0% | 36.0% | 62.0% |');
    expect(md).not.toContain('rough');
  });

  it('says so when the held-out set is tiny, unrecorded or never evaluated', () => {
    const tiny = modelCard(record({ data: { ...record().data, heldOutExamples: 1 } }));
    expect(tiny).toContain('Measured on 1 held-out example (never trained on).');
    expect(tiny).toContain('With only 1 held-out examples these figures are rough');
    const unknown = modelCard(
      record({
        data: { ...record().data, heldOutExamples: null, examples: null, trainExamples: null, sources: [], flags: {} },
        evaluations: [],
        notes: undefined,
        student: { ...record().student, parameters: undefined, teacherLayers: undefined },
        training: { ...record().training, backend: undefined },
      }),
    );
    expect(unknown).toContain('their number was not recorded');
    expect(unknown).toContain('No held-out evaluation was recorded.');
    expect(unknown).toContain('- Sources: not recorded');
    expect(unknown).toContain('- Flags: not recorded');
    expect(unknown).toContain('- Examples: not recorded (training not recorded, held out not recorded)');
    expect(unknown).toContain('initialised at random');
    expect(unknown).toContain('parameters not counted');
    expect(unknown).toContain('- Backend: not recorded');
    expect(unknown).not.toContain('>');
    const noTeacherSizes = modelCard(record({ teacher: { name: 'outputs in t.tfrecord' } }));
    expect(noTeacherSizes).toContain('| teacher (outputs in t.tfrecord) | not recorded | not recorded |');
  });

  it('takes the evaluations from a run history and counts the student parameters', () => {
    const evals = cardEvaluations([
      {
        kind: 'train',
        step: 1,
        total: 3,
        components: {},
        lr: 1e-4,
        gradNorm: 1,
        examplesPerSec: 1,
        tokensPerSec: 1,
        seconds: 1,
      },
      {
        kind: 'eval',
        step: 1,
        examples: 7,
        loss: 2.5,
        components: {},
        goldAccuracy: 0.25,
        teacherTop1Agreement: 0.5,
        top5Overlap: 0.75,
        positions: 20,
        goldAccuracyInterval: wilsonInterval(5, 20),
        teacherAgreementInterval: wilsonInterval(10, 20),
      },
    ]);
    expect(evals).toEqual([
      {
        step: 1,
        examples: 7,
        loss: 2.5,
        teacherAgreement: 0.5,
        teacherAgreementInterval: wilsonInterval(10, 20),
        goldAccuracy: 0.25,
        goldAccuracyInterval: wilsonInterval(5, 20),
        top5Overlap: 0.75,
      },
    ]);
    // the card writes each rate with its 95% interval
    const card = modelCard(record({ evaluations: evals }));
    expect(card).toContain('| 50.0% (95% CI 29.9–70.1%) | 25.0% (95% CI 11.2–46.9%) | 75.0% |');
    const cfg = { num_hidden_layers: 2, hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, vocab_size: 30 };
    const weights = { a: { size: 240 }, b: { size: 8 } } as unknown as Weights;
    expect(cardStudent(cfg as BertConfig, weights, [0, 3])).toEqual({
      layers: 2,
      hidden: 8,
      heads: 2,
      intermediate: 16,
      vocabSize: 30,
      parameters: 248,
      teacherLayers: [0, 3],
    });
  });

  it('a single evaluation is one "last" row; the file is README.md ending in one newline', () => {
    const one = modelCard(record({ evaluations: [{ step: 10, loss: 2, teacherAgreement: 0.5 }] }));
    expect(one).toContain('| last (these weights) | 10 | — | 2 | 50.0% | — | — |');
    expect(one).not.toContain('| first |');
    expect(one).not.toContain('| best teacher agreement |');
    const file = modelCardFile(record());
    expect(file.name).toBe('README.md');
    const text = new TextDecoder().decode(file.data);
    expect(text).toBe(modelCard(record()));
    expect(text.endsWith('|\n')).toBe(true);
  });

  it("a student started from its own checkpoint names that checkpoint, not the teacher's layers", () => {
    const cfg = { num_hidden_layers: 2, hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, vocab_size: 30 };
    const weights = { a: { size: 10 } } as unknown as Weights;
    const student = cardStudent(cfg as BertConfig, weights, [0, 2], 'roberta-base.bin');
    const md = modelCard(record({ student }));
    expect(md).toContain('initialised from layers 0, 2 of roberta-base.bin');
    expect(md).not.toContain("the teacher's layers");
  });

  it("the tool version is package.json's", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(TOOL_NAME).toBe(pkg.name);
    expect(TOOL_VERSION).toBe(pkg.version);
  });
});
