/**
 * Every job a worker runs: its input, its progress events and its output.
 * These are plain data (structured-clone safe: Blobs, typed arrays, numbers,
 * strings), shared by the page (src/store) and the workers.
 */
export interface CorpusStatsResult {
  bytes: number;
  documents: number;
  lines: number;
  characters: number;
  encoding: string;
  format: string;
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

/** The seed's create_pretraining_data flags, as the form edits them. */
export interface ExampleFlags {
  mode: 'seed' | 'bert';
  do_lower_case: boolean;
  do_whole_word_mask: boolean;
  max_seq_length: number;
  max_predictions_per_seq: number;
  masked_lm_prob: number;
  dupe_factor: number;
  short_seq_prob: number;
  doc_stride: number;
  random_seed: number;
}

export interface ModelInfo {
  format: string;
  config: Record<string, number | string>;
  parameters: number;
  /** Bytes the float32 weights take in memory. */
  memoryBytes: number;
  sizeBytes: number;
  vocabSize: number;
  hasMlmHead: boolean;
  fingerprint: string;
}

/** How the student is made. */
export type StudentSpec =
  | { kind: 'layers'; layers: number[] }
  | {
      kind: 'fresh';
      hidden_size: number;
      num_hidden_layers: number;
      num_attention_heads: number;
      intermediate_size: number;
    };

export interface RunConfig {
  loss: string;
  /** Per-component loss weights (names as the engine's loss presets use them). */
  weights: Record<string, number>;
  temperature: number;
  learningRate: number;
  warmupSteps: number;
  steps: number;
  batchSize: number;
  accumulation: number;
  evalEvery: number;
  checkpointEvery: number;
  seed: number;
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

export interface PredictionRow {
  position: number;
  /** The character or token that was masked. */
  original: string;
  top: { token: string; prob: number }[];
}

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

export interface JobTypes {
  corpusStats: { input: { corpusId: string }; progress: CountProgress; output: CorpusStatsResult };
  tokenPreview: {
    input: { corpusId: string; vocabModelId?: string; doLowerCase: boolean; maxChars: number };
    progress: CountProgress;
    output: TokenPreviewResult;
  };
  buildExamples: {
    input: { setId: string; corpusIds: string[]; vocabModelId: string; flags: ExampleFlags };
    progress: CountProgress;
    output: { count: number; storedBytes: number };
  };
  inspectModel: { input: { modelId: string }; progress: CountProgress; output: ModelInfo };
  studentInfo: { input: { teacherId: string; spec: StudentSpec }; progress: CountProgress; output: ModelInfo };
  teacherPass: {
    input: { cacheId: string; modelId: string; exampleSetId: string; k: number; batchSize: number };
    progress: CountProgress;
    output: { positions: number; examples: number; storedBytes: number; complete: boolean; cache: TeacherCacheRef };
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
    input: { run: RunSpec; format: 'hf' | 'tf1' | 'tfjs' };
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
