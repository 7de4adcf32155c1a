/**
 * `convert`: reads a checkpoint in any supported format and writes it as
 * Hugging Face safetensors (model.safetensors + config.json + vocab.txt) or pytorch_model.bin, a TF1
 * checkpoint (bert_model.ckpt.* + bert_config.json + vocab.txt), tfjs
 * (model.json + shards) or the ONNX folder transformers.js loads (onnx/model.onnx,
 * onnx/model_quantized.onnx, tokenizer.json, ...); with --layers it first builds a
 * student keeping those layers.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { makeOutputDir } from '../outputPath.ts';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { defineCommand } from '../command.ts';
import { UsageError } from '../args.ts';
import { checkpointFiles, INIT_CHECKPOINT_FLAG } from '../checkpointFiles.ts';
import { disposeCheckpoint, loadCheckpoint } from '../../core/checkpoint/loadCheckpoint.ts';
import { exportCheckpoint, type ExportFormat } from '../../core/checkpoint/exportCheckpoint.ts';
import { buildStudent, type BuiltStudent } from '../../core/model/buildStudent.ts';
import { parseLayerList } from '../../core/model/student.ts';
import { cardStudent, conversionCard } from '../../core/distill/modelCard.ts';
import { TOOL_NAME, TOOL_VERSION } from '../../core/version.ts';

/** The README.md (model card) of the checkpoint folder read, if it has one. */
async function sourceCard(initCheckpoint: string): Promise<string | undefined> {
  const folder = (await stat(initCheckpoint).catch(() => null))?.isDirectory()
    ? initCheckpoint
    : path.dirname(initCheckpoint);
  return readFile(path.join(folder, 'README.md'), 'utf8').catch(() => undefined);
}

const FORMATS: readonly ExportFormat[] = ['safetensors', 'pytorch', 'tf', 'tfjs', 'onnx'];

function isExportFormat(s: string): s is ExportFormat {
  return FORMATS.some((f) => f === s);
}

const command = defineCommand({
  description:
    'Convert a BERT checkpoint between formats (safetensors | tf | tfjs | onnx); with --layers=0,1,2 build a student\n' +
    'that keeps those encoder layers (plus embeddings, pooler and masked-LM head).',
  usesTensors: true,
  flags: {
    init_checkpoint: INIT_CHECKPOINT_FLAG,
    output_dir: {
      type: 'string',
      required: true,
      help: 'folder to write the converted checkpoint into (created if needed)',
    },
    format: {
      type: 'string',
      default: 'safetensors',
      help: 'safetensors (Hugging Face), pytorch (Hugging Face with pytorch_model.bin, for loaders without safetensors), tf (TF1 checkpoint), tfjs, or onnx (the folder transformers.js loads)',
    },
    layers: { type: 'string', help: 'comma-separated teacher layers to keep, e.g. 0,1,2 (builds a student)' },
    bert_config_file: { type: 'string', help: 'config JSON to use instead of the one next to the weights' },
    vocab_file: { type: 'string', help: 'vocab.txt to use instead of the one next to the weights' },
  },
  async run(flags) {
    tf.enableProdMode();
    // checked here rather than by parseFlags (`choices`), so that run() itself rejects a bad --format
    const format = flags.format;
    if (!isExportFormat(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
    const layers = flags.layers ? parseLayerList(flags.layers) : undefined;
    const dir = flags.output_dir;
    await makeOutputDir(dir, '--output_dir');
    const files = await checkpointFiles(flags.init_checkpoint, {
      configFile: flags.bert_config_file || undefined,
      vocabFile: flags.vocab_file || undefined,
    });
    const ckpt = await loadCheckpoint(files);
    let student: BuiltStudent | undefined;
    try {
      // a student keeps the source's pooler and MLM head, or gets fresh ones (said in its notes)
      if (layers) student = buildStudent({ kind: 'layers', layers }, { weights: ckpt.weights, config: ckpt.config }, 0);
      const weights = student?.weights ?? ckpt.weights;
      const cfg = student?.cfg ?? ckpt.config;
      const card = conversionCard({
        source: flags.init_checkpoint,
        sourceFormat: ckpt.format,
        format,
        tool: { name: TOOL_NAME, version: TOOL_VERSION },
        date: new Date().toISOString(),
        student: cardStudent(cfg, weights, layers),
        sourceCard: await sourceCard(flags.init_checkpoint),
      });
      const out = [
        ...(await exportCheckpoint(format, weights, cfg, ckpt.vocab)),
        { name: 'README.md', data: new TextEncoder().encode(card) },
      ];
      for (const f of out) {
        const file = path.join(dir, f.name);
        await mkdir(path.dirname(file), { recursive: true }); // onnx/model.onnx
        await writeFile(file, f.data);
      }
      for (const w of ckpt.warnings) console.error(`warning: ${w}`);
      for (const note of student?.notes ?? []) console.error(`student: ${note}`);
      console.error(
        `converted ${ckpt.format} (${ckpt.config.num_hidden_layers} layers${layers ? `, kept ${layers.join(',')}` : ''}) → ${format} in ${dir}: ` +
          out.map((f) => `${f.name} (${f.data.length} bytes)`).join(', '),
      );
    } finally {
      if (student) for (const t of Object.values(student.weights)) t.dispose();
      disposeCheckpoint(ckpt);
    }
  },
});

export default command;
