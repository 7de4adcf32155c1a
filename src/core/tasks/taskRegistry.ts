/**
 * The downstream tasks the workbench evaluates students on: what kind each is, its labels in
 * the order the reference fine-tuning code numbers them, and the file names its distribution
 * uses.
 *
 * Label orders are those of CLUE's baselines (classifier_utils.py): AFQMC "0","1"; CMNLI and
 * OCNLI "contradiction","entailment","neutral"; TNEWS the 15 codes 100–116 without 105 and 111.
 * LCQMC is numbered "0","1" as in Google BERT-style processors.
 */

export type TaskKind = 'pair' | 'single' | 'span';
export type TaskName = 'lcqmc' | 'afqmc' | 'ocnli' | 'cmnli' | 'tnews' | 'cmrc2018';
export type TaskSplit = 'train' | 'dev' | 'test';

export interface TaskSpec {
  name: TaskName;
  kind: TaskKind;
  /** One line for lists and help. */
  title: string;
  /** Label strings, index = label id (classification tasks only). */
  labels?: readonly string[];
  /** File name of each split in the task's own distribution. */
  files: Partial<Record<TaskSplit, string>>;
  /** Other names a file of this task may have (given explicitly), as a pattern. */
  otherNames?: RegExp;
}

const TNEWS_LABELS = [
  '100',
  '101',
  '102',
  '103',
  '104',
  '106',
  '107',
  '108',
  '109',
  '110',
  '112',
  '113',
  '114',
  '115',
  '116',
];
const NLI_LABELS = ['contradiction', 'entailment', 'neutral'];
const CLUE_FILES = { train: 'train.json', dev: 'dev.json', test: 'test.json' };

export const TASKS: Readonly<Record<TaskName, TaskSpec>> = {
  lcqmc: {
    name: 'lcqmc',
    kind: 'pair',
    title: 'LCQMC: question matching, text_a<TAB>text_b<TAB>label',
    labels: ['0', '1'],
    files: { train: 'train.tsv', dev: 'dev.tsv', test: 'test.tsv' },
    otherNames: /\.(tsv|txt)$/i,
  },
  afqmc: {
    name: 'afqmc',
    kind: 'pair',
    title: 'AFQMC (CLUE): financial question matching, JSON lines',
    labels: ['0', '1'],
    files: CLUE_FILES,
  },
  ocnli: {
    name: 'ocnli',
    kind: 'pair',
    title: 'OCNLI (CLUE): natural language inference, JSON lines',
    labels: NLI_LABELS,
    files: CLUE_FILES,
    otherNames: /^train\.(3k|50k)\.json$/i,
  },
  cmnli: {
    name: 'cmnli',
    kind: 'pair',
    title: 'CMNLI (CLUE): natural language inference, JSON lines',
    labels: NLI_LABELS,
    files: CLUE_FILES,
  },
  tnews: {
    name: 'tnews',
    kind: 'single',
    title: 'TNEWS (CLUE): news title classification, JSON lines',
    labels: TNEWS_LABELS,
    files: CLUE_FILES,
  },
  cmrc2018: {
    name: 'cmrc2018',
    kind: 'span',
    title: 'CMRC 2018: span-extraction reading comprehension, SQuAD-style JSON',
    files: { train: 'cmrc2018_train.json', dev: 'cmrc2018_dev.json' },
    otherNames: /\.json$/i,
  },
};

export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

/** The spec of a task by name; an unknown name is an error listing the known ones. */
export function taskSpec(name: string): TaskSpec {
  const spec = (TASKS as Record<string, TaskSpec | undefined>)[name.toLowerCase()];
  if (!spec) throw new Error(`unknown task "${name}"; tasks: ${TASK_NAMES.join(', ')}`);
  return spec;
}

/** The file name a split of the task has in its distribution, or undefined where it publishes none. */
export function taskFileName(task: TaskName, split: TaskSplit): string | undefined {
  return TASKS[task].files[split];
}

/**
 * The split a file name stands for in the task's distribution ('train', 'dev', 'test'), 'other'
 * for a name the task also accepts when given explicitly, or undefined for a name it does not use.
 */
export function splitOfFileName(task: TaskName, fileName: string): TaskSplit | 'other' | undefined {
  const base = fileName.replace(/^.*[\\/]/, '');
  const spec = TASKS[task];
  for (const split of ['train', 'dev', 'test'] as const) {
    if (spec.files[split] === base) return split;
  }
  return spec.otherNames?.test(base) ? 'other' : undefined;
}
