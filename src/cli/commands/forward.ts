/**
 * `forward`: runs a BERT checkpoint (any format) on one sequence of token ids and
 * prints JSON {"sequence_output": [[...]], "mlm_logits": [[...]]} for all positions
 * (mlm_logits only when the checkpoint has the masked-LM head).
 * --init_checkpoint may be a folder, a weight file (model.safetensors,
 * pytorch_model.bin, model.json, bert_model.ckpt.index) or a TF1 prefix (dir/bert_model.ckpt).
 */
import { writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { defineCommand } from '../command.ts';
import { listFlag, UsageError } from '../args.ts';
import { checkpointFiles, INIT_CHECKPOINT_FLAG } from '../checkpointFiles.ts';
import { disposeCheckpoint, loadCheckpoint } from '../../core/checkpoint/loadCheckpoint.ts';
import { bertEncoder, mlmLogits } from '../../core/model/bert.ts';

function rows(t: tf.Tensor, width: number): number[][] {
  const v = t.dataSync();
  const out: number[][] = [];
  for (let i = 0; i < v.length; i += width) out.push(Array.from(v.subarray(i, i + width)));
  return out;
}

const command = defineCommand({
  description:
    'Run a BERT checkpoint on one sequence of token ids and print JSON {"sequence_output": [[...]], "mlm_logits": [[...]]}\n' +
    '(all positions; mlm_logits only when the checkpoint has the masked-LM head).',
  usesTensors: true,
  flags: {
    init_checkpoint: INIT_CHECKPOINT_FLAG,
    bert_config_file: {
      type: 'string',
      help: 'config JSON to use instead of the config.json / bert_config.json next to the weights',
    },
    input_ids: { type: 'list', required: true, help: 'comma-separated token ids of one sequence, e.g. 101,872,102' },
    output_file: { type: 'string', help: 'write the JSON here instead of printing it' },
  },
  async run(flags) {
    tf.enableProdMode();
    const ids = listFlag(flags.input_ids).map((s, i) => {
      if (!/^\d+$/.test(s)) throw new UsageError(`--input_ids: item ${i + 1} "${s}" is not a token id`);
      return Number(s);
    });
    if (ids.length === 0) throw new UsageError('--input_ids is empty');
    const files = await checkpointFiles(flags.init_checkpoint, { configFile: flags.bert_config_file || undefined });
    const ckpt = await loadCheckpoint(files);
    try {
      const cfg = ckpt.config;
      const bad = ids.findIndex((id) => id >= cfg.vocab_size);
      if (bad >= 0)
        throw new UsageError(`--input_ids: id ${ids[bad]} (item ${bad + 1}) is not below vocab_size ${cfg.vocab_size}`);
      if (ids.length > cfg.max_position_embeddings) {
        throw new UsageError(
          `--input_ids: ${ids.length} ids, more than max_position_embeddings ${cfg.max_position_embeddings}`,
        );
      }
      const result = tf.tidy(() => {
        const inputIds = tf.tensor2d([ids], [1, ids.length], 'int32');
        const seq = bertEncoder(ckpt.weights, cfg, { inputIds });
        const out: Record<string, number[][]> = { sequence_output: rows(seq, cfg.hidden_size) };
        if (ckpt.parts.mlmHead) out.mlm_logits = rows(mlmLogits(ckpt.weights, cfg, seq), cfg.vocab_size);
        return out;
      });
      const json = JSON.stringify(result);
      if (flags.output_file) await writeFile(flags.output_file, json + '\n');
      else process.stdout.write(json + '\n');
      for (const w of ckpt.warnings) console.error(`warning: ${w}`);
    } finally {
      disposeCheckpoint(ckpt);
    }
  },
});

export default command;
