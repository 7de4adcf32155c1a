/**
 * Every job a worker runs: its input, its progress events and its output.
 * These are plain data (structured-clone safe: Blobs, typed arrays, numbers,
 * strings), shared by the page (src/store) and the workers. Where a job
 * carries an engine concept (a BERT config, example-building options, a loss,
 * a learning-rate schedule) it carries core's own type, as core names it.
 */
import type { MaskPrediction } from '../core/model/predictMasked.ts';
import type { StudentSpec } from '../core/model/student.ts';
import type { PretrainingOptions } from '../core/examples/createPretrainingData.ts';
import type { CorpusTokenStats } from '../core/estimate/corpusTokens.ts';
import type { LossConfig, LossPresetName } from '../core/distill/lossConfig.ts';
import type { RunCardFacts } from '../core/distill/modelCard.ts';
import type { BertConfig } from '../core/model/config.ts';
import type { Interval } from '../core/run/binomialInterval.ts';
import type { ScheduleConfig } from '../core/run/schedule.ts';
import type { FineTuneOptions } from '../core/finetune/fineTuneOptions.ts';
import type { TaskKind, TaskName } from '../core/tasks/taskRegistry.ts';

/** A student download: Hugging Face (safetensors, or pytorch_model.bin for older loaders), TF1 or tfjs. */
export type StudentExportFormat = 'hf' | 'hf-pytorch' | 'tf1' | 'tfjs' | 'onnx';

export type { StudentSpec };
export interface CorpusStatsResult {
  bytes: number;
  documents: number;
  lines: number;
  characters: number;
  encoding: string;
  format: string;
  /** size and hash of the stored file (core's contentKey): the same file dropped again has the same key */
  contentKey?: string;
}

export interface TokenPreviewResult {
  /** The first characters of the corpus, as text. */
  text: string;
  /** WordPiece tokens of that text (empty when no vocabulary is loaded yet). */
  tokens: string[];
  /** Whole-word groups: the tokens of each word as masking groups them. */
  words: string[][];
  /** Why tokens are empty, when they are. */
  note?: string;
}

export interface ModelInfo {
  format: string;
  config: BertConfig;
  parameters: number;
  /** Bytes the float32 weights take in memory. */
  memoryBytes: number;
  sizeBytes: number;
  vocabSize: number;
  hasMlmHead: boolean;
  fingerprint: string;
  /** How the teacher worker keeps the weights ("float16 kept, widened per layer: …" or "float32 …"). */
  weightsInMemory?: string;
}

/** The student the Models step will train, before any weights are read (core's StudentSummary with ModelInfo's fields). */
export interface StudentInfo extends ModelInfo {
  /** layers kept of the source, null for a fresh config */
  layers: number[] | null;
  /** bytes while training, float32: weights + Adam's m and v */
  trainingBytes: number;
  /** the masked-LM head is new (random init, decoder tied to the word embeddings): the source has none */
  newMlmHead: boolean;
  /** the pooler is new (random init): the source has none */
  newPooler: boolean;
}

/** A worker's tfjs tensor memory (tf.memory()). */
export interface TensorMemory {
  numTensors: number;
  numBytes: number;
}

/**
 * A training run's settings, in core's names: the loss (the preset it started from and the
 * weights and temperature used, core's LossConfig), the learning-rate schedule and batch
 * (core's TrainerConfig), and how often the loop (core's train()) evaluates and checkpoints.
 */
export interface RunConfig {
  /** the preset the loss started from (shown; the weights used are `loss`) */
  lossPreset: LossPresetName;
  loss: LossConfig;
  schedule: ScheduleConfig;
  /** items per optimiser step */
  batchSize: number;
  /** micro-batches per step; batchSize must be a multiple of it */
  gradientAccumulationSteps: number;
  /** seeds the data order, dropout and a fresh student */
  seed: number;
  evalEvery: number;
  checkpointEvery: number;
}

export interface MetricPoint {
  step: number;
  /** Loss components by name; `total` is always there. */
  losses: Record<string, number>;
  lr: number;
  gradNorm?: number;
  examplesPerSec: number;
  tokensPerSec: number;
  /** ms since epoch */
  time: number;
}

export interface EvalPoint {
  step: number;
  loss: number;
  goldAccuracy: number;
  teacherAgreement: number;
  top5Overlap: number;
  /** masked positions scored (absent in evaluations saved before it was recorded) */
  positions?: number;
  /** held-out examples scored */
  examples?: number;
  /** 95% Wilson intervals (src/core/run/binomialInterval.ts) */
  teacherAgreementInterval?: Interval | null;
  goldAccuracyInterval?: Interval | null;
  /** said beside the scores when too few positions were scored (src/core/run/heldOut.ts), else null */
  sizeWarning?: string | null;
}

export interface CountProgress {
  done: number;
  total: number;
  /** units per second, measured by the worker */
  rate: number;
  unit: string;
  /** bytes stored so far, where that applies */
  storedBytes?: number;
  /** items produced so far (e.g. examples built while documents are counted) */
  produced?: number;
  message?: string;
}

export type TrainProgress =
  | { kind: 'metrics'; points: MetricPoint[] }
  | { kind: 'eval'; point: EvalPoint }
  | { kind: 'checkpoint'; step: number }
  | { kind: 'status'; message: string };

/** The top-k predictions at one masked character. */
export type PredictionRow = MaskPrediction;

export interface ExportedFile {
  name: string;
  data: Uint8Array;
}

/** Where a teacher pass's outputs are (the engine's TeacherCache key and layout). */
export interface TeacherCacheRef {
  key: { teacherFingerprint: string; exampleSetId: string; k: number };
  layout: { numExamples: number; batchSize: number; slots: number; vocabSize: number };
}

/** Everything a training run is made of; the training worker rebuilds a run from it (after a reload too). */
export interface RunSpec {
  runId: string;
  teacherId: string;
  exampleSetId: string;
  cache: TeacherCacheRef;
  student: StudentSpec;
  config: RunConfig;
}

/** Reference to a model the workers can load: its stored files by id, or a run's student. */
export type ModelRef = { kind: 'files'; modelId: string } | { kind: 'run'; run: RunSpec };

/** What a dropped task file holds, as the reader told it from its content. */
export interface TaskFileInfo {
  kind: TaskKind | 'labels';
  /** tsv, jsonl, squad… */
  format: string;
  /** the file's labels (index = label id); empty for span and label files */
  labels: string[];
  /** examples (rows kept) */
  examples: number;
  /** rows without a label (test files) */
  unlabeled: number;
  /** the task the format suggests (LCQMC for TSV pairs…), null when it cannot tell */
  suggestedTask: TaskName | null;
}

/**
 * The model a fine-tuning starts from: a stored checkpoint (the teacher), a distillation run's
 * student at its latest checkpoint, or a fresh random model of a student's config (the floor).
 */
export type FineTuneBase =
  | { kind: 'checkpoint'; modelId: string }
  | { kind: 'run'; run: RunSpec }
  | { kind: 'fresh'; teacherId: string; student: StudentSpec };

/** Everything a fine-tuning evaluation is made of; the training worker rebuilds it from this (after a reload too). */
export interface EvalSpec {
  evalId: string;
  /** the task the files are checked against, null for labels read from the files */
  task: TaskName | null;
  /** label list, index = label id (the same for train and dev) */
  labels: string[];
  trainFileId: string;
  devFileId: string;
  base: FineTuneBase;
  /** the model whose vocab.txt tokenizes the task (the teacher: runs share its vocabulary) */
  vocabModelId: string;
  doLowerCase: boolean;
  /** run_classifier's options (core's FineTuneOptions) */
  options: FineTuneOptions;
  /** evaluate on the dev set every N steps (and at the last step) */
  evalEvery: number;
  /** save a checkpoint every N steps (and on pause and at the end) */
  checkpointEvery: number;
}

/** One dev-set evaluation during fine-tuning. */
export interface DevPoint {
  step: number;
  loss: number;
  accuracy: number;
  /** dev examples scored, and the accuracy's 95% interval (absent in evaluations saved before) */
  examples?: number;
  accuracyInterval?: Interval | null;
}

export type FineTuneProgress =
  | { kind: 'metrics'; points: MetricPoint[] }
  | { kind: 'eval'; point: DevPoint }
  | { kind: 'checkpoint'; step: number }
  | { kind: 'status'; message: string; totalSteps?: number };

/** What a finished (or stopped) fine-tuning reports. */
export interface FineTuneResult {
  step: number;
  totalSteps: number;
  finished: boolean;
  message: string;
  /** dev accuracy of the final weights */
  accuracy: number;
  /** the best dev accuracy seen at any evaluation, and its step */
  bestAccuracy: number;
  bestStep: number;
  devExamples: number;
  /** the final accuracy's 95% Wilson interval over the dev examples, and a note when they are too few */
  accuracyInterval?: Interval | null;
  sizeWarning?: string | null;
  parameters: number;
  /** bytes of the float32 weights (what the model takes on disk as F32 safetensors, header aside) */
  weightBytes: number;
  /** dev-set inference throughput, measured by the worker after training */
  inferenceExamplesPerSec: number;
}

export interface JobTypes {
  corpusStats: { input: { corpusId: string }; progress: CountProgress; output: CorpusStatsResult };
  inspectVocabulary: { input: { modelId: string }; progress: CountProgress; output: { vocabSize: number } };
  tokenPreview: {
    input: { corpusId: string; vocabModelId?: string; doLowerCase: boolean; maxChars: number };
    progress: CountProgress;
    output: TokenPreviewResult;
  };
  corpusTokens: {
    input: { corpusId: string; vocabModelId: string; doLowerCase: boolean; minDocumentChars: number };
    progress: CountProgress;
    output: CorpusTokenStats;
  };
  buildExamples: {
    input: {
      setId: string;
      corpusIds: string[];
      vocabModelId: string;
      options: PretrainingOptions;
      /** stop after this many examples (null: all the corpora make) */
      maxExamples: number | null;
    };
    progress: CountProgress;
    output: { count: number; storedBytes: number };
  };
  inspectModel: { input: { modelId: string }; progress: CountProgress; output: ModelInfo };
  studentInfo: {
    /** exampleLength: the longest max_seq_length of the built example sets, checked against the student's positions */
    input: { teacherId: string; spec: StudentSpec; exampleLength?: number };
    progress: CountProgress;
    output: StudentInfo;
  };
  tensorMemory: { input: Record<string, never>; progress: CountProgress; output: TensorMemory };
  teacherPass: {
    input: { cacheId: string; modelId: string; exampleSetId: string; k: number; batchSize: number };
    progress: CountProgress;
    output: {
      /** masked positions (real prediction slots) of the examples done */
      positions: number;
      /** prediction slots stored: examples done × max_predictions_per_seq (padding slots included) */
      slots: number;
      examples: number;
      storedBytes: number;
      complete: boolean;
      cache: TeacherCacheRef;
    };
  };
  train: {
    input: { run: RunSpec; resume: boolean };
    progress: TrainProgress;
    output: { step: number; finished: boolean; message?: string };
  };
  predict: {
    input: { model: ModelRef; vocabModelId: string; text: string; maskChars: number[]; topK: number };
    progress: CountProgress;
    output: PredictionRow[];
  };
  exportStudent: {
    /** card: what the page knows for the model card (README.md) put in the zip */
    input: { run: RunSpec; format: StudentExportFormat; card: RunCardFacts };
    progress: CountProgress;
    output: { blob: Blob; name: string };
  };
  inspectTaskFile: { input: { fileId: string }; progress: CountProgress; output: TaskFileInfo };
  fineTune: {
    input: { spec: EvalSpec; resume: boolean };
    progress: FineTuneProgress;
    output: FineTuneResult;
  };
  exportFineTuned: {
    input: { spec: EvalSpec; format: 'hf' | 'tf1' | 'onnx' };
    progress: CountProgress;
    output: { blob: Blob; name: string };
  };
  exportRecords: {
    input: { what: 'examples' | 'teacher'; exampleSetId: string; cache?: TeacherCacheRef };
    progress: CountProgress;
    output: { blob: Blob; name: string };
  };
}

export type WorkerKind = 'data' | 'teacher' | 'train';
