import { describe, expect, it } from 'vitest';
import { tinyConfig } from '../../testing/tinyBert.ts';
import { checkpointLayers, keepsTensor, studentConfig } from './student.ts';
import {
  checkStudentSource,
  compareVocabularies,
  summariseStudent,
  trainingBytes,
  type CheckpointSummary,
} from './studentSource.ts';
import { parameterCount } from './weights.ts';

const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '学', '而', '时', '习', '之'];
const teacher: CheckpointSummary = {
  config: tinyConfig({ vocab_size: vocab.length, hidden_size: 32, num_hidden_layers: 4 }),
  vocab,
  hasMlmHead: true,
};
const student = (over: Partial<CheckpointSummary> = {}): CheckpointSummary => ({
  config: tinyConfig({ vocab_size: vocab.length, hidden_size: 16, num_hidden_layers: 3, max_position_embeddings: 64 }),
  vocab: [...vocab],
  hasMlmHead: false,
  ...over,
});

describe('compareVocabularies', () => {
  it('is null for the same tokens in the same order', () => {
    expect(compareVocabularies(vocab, [...vocab])).toBeNull();
  });

  it('names the first differing id and both tokens', () => {
    const other = [...vocab];
    other[6] = '習';
    other[8] = 'x';
    expect(compareVocabularies(vocab, other)).toBe(
      'the student\'s vocabulary differs from the teacher\'s at id 6: the teacher has "而", the student "習"; teacher and student must share one vocabulary',
    );
  });

  it('says when the sizes differ, with both sizes', () => {
    expect(compareVocabularies(vocab, [...vocab, '乎'])).toMatch(
      /the student's vocabulary has 11 tokens, the teacher's 10/,
    );
    expect(compareVocabularies(vocab, vocab.slice(0, 9))).toMatch(/has 9 tokens, the teacher's 10/);
  });
});

describe('checkStudentSource', () => {
  it('accepts another hidden size, layer count and heads with the same vocabulary', () => {
    expect(() => checkStudentSource(teacher, student(), 32)).not.toThrow();
  });

  it('refuses a different vocab_size from the configs, before comparing tokens', () => {
    const s = student({ config: { ...student().config, vocab_size: 11 }, vocab: [...vocab, '乎'] });
    expect(() => checkStudentSource(teacher, s)).toThrow(
      "the student's checkpoint has vocab_size 11, the teacher's 10; teacher and student must share one vocabulary",
    );
  });

  it('refuses a vocabulary of the same size that differs, naming the id and both tokens', () => {
    const v = [...vocab];
    v[4] = '[unused1]';
    expect(() => checkStudentSource(teacher, student({ vocab: v }))).toThrow(
      /at id 4: the teacher has "\[MASK\]", the student "\[unused1\]"/,
    );
  });

  it('refuses a student without a vocab.txt', () => {
    expect(() => checkStudentSource(teacher, student({ vocab: undefined }))).toThrow(/has no vocab.txt/);
  });

  it('refuses position embeddings shorter than the examples, and says both lengths', () => {
    expect(() => checkStudentSource(teacher, student(), 128)).toThrow(
      "the student's checkpoint has max_position_embeddings 64, shorter than the examples' max_seq_length 128",
    );
    expect(() => checkStudentSource(teacher, student(), 64)).not.toThrow();
    // unknown example length: nothing to check yet
    expect(() => checkStudentSource(teacher, student())).not.toThrow();
  });
});

describe('a student spec from its own checkpoint', () => {
  const source = student().config;

  it("keeps all the checkpoint's layers, or those listed, with the checkpoint's sizes", () => {
    const all = studentConfig(teacher.config, { kind: 'checkpoint', checkpointId: 'm', layers: null }, source);
    expect(all).toEqual(source);
    const two = studentConfig(teacher.config, { kind: 'checkpoint', checkpointId: 'm', layers: [0, 2] }, source);
    expect(two).toEqual({ ...source, num_hidden_layers: 2 });
    expect(two.hidden_size).toBe(16);
    expect(checkpointLayers({ layers: null }, source)).toEqual([0, 1, 2]);
  });

  it("checks the layers against the checkpoint's own count, naming it", () => {
    expect(() =>
      studentConfig(teacher.config, { kind: 'checkpoint', checkpointId: 'm', layers: [0, 3] }, source),
    ).toThrow("student: layer 3 is out of range, the student's checkpoint has layers 0..2");
    expect(() => studentConfig(teacher.config, { kind: 'checkpoint', checkpointId: 'm', layers: [0] })).toThrow(
      /needs that checkpoint's config/,
    );
  });

  it('loads only the tensors of the kept layers and everything outside the encoder', () => {
    const keep = keepsTensor([0, 2]);
    expect(keep('bert.embeddings.word_embeddings.weight')).toBe(true);
    expect(keep('cls.predictions.bias')).toBe(true);
    expect(keep('bert.encoder.layer.0.attention.self.query.weight')).toBe(true);
    expect(keep('bert.encoder.layer.2.output.dense.bias')).toBe(true);
    expect(keep('bert.encoder.layer.1.output.dense.bias')).toBe(false);
    expect(keep('bert.encoder.layer.12.output.dense.bias')).toBe(false);
  });
});

describe('summariseStudent', () => {
  it('counts the student with its pooler and head, and its memory as weights plus Adam state', () => {
    const cfg = { ...student().config, num_hidden_layers: 2 };
    const s = summariseStudent(cfg, { hasMlmHead: false, hasPooler: true });
    const n = parameterCount(cfg, { pooler: true, mlmHead: true });
    expect(s.parameters).toBe(n);
    expect(s.trainingBytes).toBe(n * 12);
    expect(trainingBytes(1000)).toBe(12_000);
    expect(s.newMlmHead).toBe(true);
    expect(s.newPooler).toBe(false);
  });
});
