/**
 * A student that starts from a checkpoint of its own (as the original initialised its student
 * from RoBERTa-wwm-ext base while the teacher was the large model): the rules that checkpoint
 * must meet, checked from configs and vocabularies before any weights are read, and the summary
 * of what will be trained.
 *
 * The student learns from the teacher's top-k token ids, so both must give every id the same
 * token: the vocabularies are compared token by token. Hidden size, heads and layer count may
 * differ (the loss only sees vocabulary-sized outputs).
 */
import type { BertConfig } from './config.ts';
import { parameterCount } from './weights.ts';

/** A checkpoint as the checks see it: its config, its vocab.txt (if it came with one), its parts. */
export interface CheckpointSummary {
  config: BertConfig;
  vocab?: string[];
  hasMlmHead: boolean;
}

/**
 * Where two vocabularies first differ, in words, or null when they are the same token for token.
 * A different size is said as such (every id past the shorter one would differ).
 */
export function compareVocabularies(teacher: readonly string[], student: readonly string[]): string | null {
  if (teacher.length !== student.length) {
    return `the student's vocabulary has ${student.length} tokens, the teacher's ${teacher.length}; teacher and student must share one vocabulary`;
  }
  for (let id = 0; id < teacher.length; id++) {
    if (teacher[id] !== student[id]) {
      return (
        `the student's vocabulary differs from the teacher's at id ${id}: the teacher has ${JSON.stringify(teacher[id])}, ` +
        `the student ${JSON.stringify(student[id])}; teacher and student must share one vocabulary`
      );
    }
  }
  return null;
}

/**
 * Checks a student checkpoint against its teacher before any work: the same vocabulary (size from
 * the configs, then token by token), and position embeddings for examples of `exampleLength`
 * tokens when that is known. Throws an Error naming what differs.
 */
export function checkStudentSource(
  teacher: CheckpointSummary,
  student: CheckpointSummary,
  exampleLength?: number,
): void {
  const t = teacher.config;
  const s = student.config;
  if (s.vocab_size !== t.vocab_size) {
    throw new Error(
      `the student's checkpoint has vocab_size ${s.vocab_size}, the teacher's ${t.vocab_size}; teacher and student must share one vocabulary`,
    );
  }
  if (!student.vocab) throw new Error("the student's checkpoint has no vocab.txt; drop it together with the weights");
  if (!teacher.vocab) throw new Error('the teacher has no vocab.txt to compare the student’s with');
  const differs = compareVocabularies(teacher.vocab, student.vocab);
  if (differs) throw new Error(differs);
  if (exampleLength !== undefined && s.max_position_embeddings < exampleLength) {
    throw new Error(
      `the student's checkpoint has max_position_embeddings ${s.max_position_embeddings}, shorter than the examples' max_seq_length ${exampleLength}`,
    );
  }
}

/**
 * Bytes a student takes while it trains, float32: its weights and AdamW's two moments (m, v) per
 * weight, 3 × 4 bytes a parameter (activations and gradients come and go with each step).
 */
export function trainingBytes(parameters: number): number {
  return parameters * 4 * 3;
}

/** What will be trained, as the Models step shows it before any weights are read. */
export interface StudentSummary {
  config: BertConfig;
  parameters: number;
  /** weights + Adam state (trainingBytes) */
  trainingBytes: number;
  /** the masked-LM head is made fresh, its decoder tied to the word embeddings (the source has none) */
  newMlmHead: boolean;
  /** the pooler is made fresh (the source has none) */
  newPooler: boolean;
}

/** The student that `config` (already cut to its layers) and its source's parts make: it always has a pooler and a head. */
export function summariseStudent(
  config: BertConfig,
  source: { hasMlmHead: boolean; hasPooler: boolean },
): StudentSummary {
  const parameters = parameterCount(config, { pooler: true, mlmHead: true });
  return {
    config,
    parameters,
    trainingBytes: trainingBytes(parameters),
    newMlmHead: !source.hasMlmHead,
    newPooler: !source.hasPooler,
  };
}
