/**
 * The model a fine-tuning command starts from: --init_checkpoint (any format the loaders read,
 * its own config unless it has none, then --bert_config_file), or, without it, random weights for
 * --bert_config_file (the floor a pre-trained model should beat). Checked against the vocabulary.
 */
import { loadCheckpoint } from '../core/checkpoint/loadCheckpoint.ts';
import { buildStudent } from '../core/model/buildStudent.ts';
import type { BertConfig } from '../core/model/config.ts';
import { disposeWeights } from '../core/model/student.ts';
import type { Weights } from '../core/model/weights.ts';
import { UsageError } from './args.ts';
import { readBertConfigFile } from './bertConfigFile.ts';
import { checkpointFiles } from './checkpointFiles.ts';

export async function loadBaseModel(opts: {
  initCheckpoint?: string;
  bertConfigFile?: string;
  seed: number;
  vocabSize: number;
  maxSeqLength: number;
}): Promise<{ weights: Weights; cfg: BertConfig }> {
  let base: { weights: Weights; cfg: BertConfig };
  if (opts.initCheckpoint) {
    const ckpt = await loadCheckpoint(
      await checkpointFiles(opts.initCheckpoint, { defaultConfigFile: opts.bertConfigFile }),
    );
    base = { weights: ckpt.weights, cfg: ckpt.config };
  } else if (opts.bertConfigFile) {
    const cfg = await readBertConfigFile(opts.bertConfigFile);
    base = { weights: buildStudent({ kind: 'fresh', config: cfg }, null, opts.seed).weights, cfg };
  } else {
    throw new UsageError('give --init_checkpoint, or --bert_config_file for a randomly initialised model');
  }
  const problem =
    base.cfg.vocab_size !== opts.vocabSize
      ? `--vocab_file has ${opts.vocabSize} tokens but the model's vocab_size is ${base.cfg.vocab_size}`
      : base.cfg.max_position_embeddings < opts.maxSeqLength
        ? `--max_seq_length ${opts.maxSeqLength} exceeds the model's max_position_embeddings ${base.cfg.max_position_embeddings}`
        : null;
  if (problem) {
    disposeWeights(base.weights);
    throw new UsageError(problem);
  }
  return base;
}
