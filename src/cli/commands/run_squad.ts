/**
 * run_squad: fine-tunes a model on span extraction (CMRC 2018, SQuAD-style JSON) and predicts,
 * with Google BERT's run_squad.py flags, so its command lines run unchanged:
 *   --vocab_file --bert_config_file --init_checkpoint --train_file --predict_file --do_train --do_predict
 *   --max_seq_length --doc_stride --max_query_length --max_answer_length --n_best_size ...
 * Questions become windows of their context (src/core/tasks/squadFeatures.ts), the model learns start
 * and end logits (src/core/finetune/spanTask.ts) through the run layer's loop, and answers are decoded
 * back to the original context's characters (src/core/tasks/squadDecode.ts).
 *
 * Writes to --output_dir: predictions.json ({question id: answer text}, every question of predict_file),
 * nbest_predictions.json, and, when predict_file has gold answers, eval_results.txt with the official
 * CMRC 2018 F1 and EM (src/core/tasks/cmrc2018Metric.ts); besides: metrics.jsonl, train_state/
 * (resumable) and export/ (the fine-tuned model, BertForQuestionAnswering).
 */
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { makeOutputDir } from '../outputPath.ts';
import path from 'node:path';
import { UsageError } from '../args.ts';
import { loadBaseModel } from '../baseModel.ts';
import { defineCommand } from '../command.ts';
import { withCtrlC } from '../stopSignal.ts';
import { openFile } from '../files.ts';
import { FsStore } from '../fsStore.ts';
import { exportCheckpoint } from '../../core/checkpoint/exportCheckpoint.ts';
import { fineTuneWeights } from '../../core/finetune/fineTune.ts';
import { FINETUNE_DEFAULTS, fineTuneSchedule } from '../../core/finetune/fineTuneOptions.ts';
import { spanLogitsOf, spanTask } from '../../core/finetune/spanTask.ts';
import { disposeWeights } from '../../core/model/student.ts';
import { FINETUNE_FLAGS, fineTuneOptionsFromFlags } from '../../core/options/finetuneFlags.ts';
import { inMemoryTrainingSet } from '../../core/run/task.ts';
import { train } from '../../core/run/train.ts';
import { Trainer } from '../../core/run/trainer.ts';
import { evaluateCmrc2018, formatCmrc2018Result } from '../../core/tasks/cmrc2018Metric.ts';
import { readJsonDocument } from '../../core/tasks/jsonDocument.ts';
import { decodeSquad, type SpanLogits } from '../../core/tasks/squadDecode.ts';
import { squadFeatures } from '../../core/tasks/squadFeatures.ts';
import { squadExamples } from '../../core/tasks/squadFile.ts';
import { BertTokenizer } from '../../core/tokenizer/bertTokenizer.ts';

const FLAGS = {
  ...FINETUNE_FLAGS,
  train_file: { type: 'string', help: 'SQuAD-style JSON to train on (e.g. cmrc2018_train.json).' },
  predict_file: { type: 'string', help: 'SQuAD-style JSON to predict (e.g. cmrc2018_dev.json).' },
  max_seq_length: { ...FINETUNE_FLAGS.max_seq_length, default: 384 },
  train_batch_size: { ...FINETUNE_FLAGS.train_batch_size, default: FINETUNE_DEFAULTS.trainBatchSize },
  doc_stride: { type: 'int', default: 128, min: 1, help: 'Tokens between the starts of two context windows.' },
  max_query_length: { type: 'int', default: 64, min: 1, help: 'Question tokens kept (the rest is cut).' },
  max_answer_length: { type: 'int', default: 30, min: 1, help: 'Longest answer, in tokens.' },
  n_best_size: { type: 'int', default: 20, min: 1, help: 'Candidates kept per question in nbest_predictions.json.' },
} as const;

async function readSquad(file: string) {
  const doc = await readJsonDocument(await openFile(file), { name: file });
  return { doc, set: squadExamples(doc.value, file, doc.locate) };
}

const command = defineCommand({
  description: [
    "Fine-tunes a model on span extraction (CMRC 2018 / SQuAD-style JSON) and predicts, with Google BERT's run_squad flags.",
    'Writes predictions.json and nbest_predictions.json, and eval_results.txt with the official CMRC 2018 F1/EM when',
    'predict_file has answers; train_state/ makes a stopped run resumable.',
  ].join('\n'),
  usesTensors: true,
  flags: FLAGS,
  async run(flags) {
    if (!flags.do_train && !flags.do_predict)
      throw new UsageError('at least one of --do_train or --do_predict must be set');
    if (flags.do_train && !flags.train_file) throw new UsageError('--do_train needs --train_file');
    if (flags.do_predict && !flags.predict_file) throw new UsageError('--do_predict needs --predict_file');
    if (!flags.init_checkpoint && !flags.bert_config_file) {
      throw new UsageError('give --init_checkpoint, or --bert_config_file for a randomly initialised model');
    }
    if (flags.doc_stride >= flags.max_seq_length)
      throw new UsageError('--doc_stride must be less than --max_seq_length');
    const options = fineTuneOptionsFromFlags(flags);
    const outDir = flags.output_dir;
    await makeOutputDir(outDir, '--output_dir');
    const vocabText = await (await openFile(flags.vocab_file)).text();
    const tokenizer = BertTokenizer.fromVocabText(vocabText, {
      doLowerCase: flags.do_lower_case,
      source: flags.vocab_file,
    });
    const windows = {
      maxSeqLength: options.maxSeqLength,
      docStride: flags.doc_stride,
      maxQueryLength: flags.max_query_length,
    };
    const trainSet = flags.do_train ? (await readSquad(flags.train_file!)).set : null;
    const trainFeatures = trainSet
      ? squadFeatures(trainSet.examples, tokenizer, { ...windows, isTraining: true })
      : null;
    if (trainSet && trainFeatures!.features.length === 0) throw new Error(`${flags.train_file}: no trainable question`);
    const predict = flags.do_predict ? await readSquad(flags.predict_file!) : null;
    const predictFeatures = predict ? squadFeatures(predict.set.examples, tokenizer, windows).features : [];

    const base = await loadBaseModel({
      initCheckpoint: flags.init_checkpoint,
      bertConfigFile: flags.bert_config_file,
      seed: options.seed,
      vocabSize: tokenizer.vocabSize,
      maxSeqLength: options.maxSeqLength,
    });
    const { weights, notes } = fineTuneWeights(base.weights, base.cfg, 'span', 2, options.seed);
    disposeWeights(base.weights);
    const cfg = base.cfg;
    for (const note of notes) console.error(`model: ${note}`);

    const items = trainFeatures?.features ?? predictFeatures;
    const schedule = fineTuneSchedule(Math.max(1, items.length), options);
    const trainer = new Trainer({
      task: spanTask(cfg),
      weights,
      config: {
        schedule,
        batchSize: options.trainBatchSize,
        gradientAccumulationSteps: options.gradientAccumulationSteps,
        seed: options.seed,
      },
      data: inMemoryTrainingSet(items),
      store: new FsStore(path.join(outDir, 'train_state')),
    });
    const metricsFile = path.join(outDir, 'metrics.jsonl');
    try {
      if (await trainer.restore()) {
        console.error(`resuming from the checkpoint at step ${trainer.currentStep} in ${outDir}/train_state`);
      } else {
        await rm(metricsFile, { force: true });
      }
      if (trainSet && trainFeatures) {
        console.error(
          `${flags.train_file}: ${trainSet.examples.length} questions → ${trainFeatures.features.length} windows ` +
            `(${trainFeatures.skippedExamples} questions without a usable answer left out); ${schedule.numTrainSteps} steps`,
        );
        await withCtrlC((signal) =>
          train(trainer, { heldOut: null, evalEvery: 0, checkpointEvery: flags.save_checkpoints_steps }, signal, {
            step: async (m) => {
              const line = JSON.stringify(m);
              if (m.step % 10 === 0 || m.step === schedule.numTrainSteps) console.log(line);
              await appendFile(metricsFile, line + '\n');
            },
          }),
        );
        const files = await exportCheckpoint('safetensors', trainer.weights, cfg, [...tokenizer.vocab]);
        await mkdir(path.join(outDir, 'export'), { recursive: true });
        for (const f of files) await writeFile(path.join(outDir, 'export', f.name), f.data);
      }
      if (predict) {
        const logits: SpanLogits[] = [];
        for await (const batch of spanLogitsOf(
          trainer.weights,
          cfg,
          inMemoryTrainingSet(predictFeatures),
          flags.predict_batch_size,
        )) {
          logits.push(...batch.logits);
        }
        const decoded = decodeSquad(predict.set.examples, predictFeatures, logits, {
          nBestSize: flags.n_best_size,
          maxAnswerLength: flags.max_answer_length,
        });
        await writeFile(path.join(outDir, 'predictions.json'), `${JSON.stringify(decoded.predictions, null, 2)}\n`);
        await writeFile(path.join(outDir, 'nbest_predictions.json'), `${JSON.stringify(decoded.nbest, null, 2)}\n`);
        console.error(`wrote ${Object.keys(decoded.predictions).length} answers to ${outDir}/predictions.json`);
        if (predict.set.answers > 0) {
          const r = evaluateCmrc2018(predict.doc.value, decoded.predictions, {
            file: path.join(outDir, 'predictions.json'),
            datasetName: flags.predict_file,
          });
          const text = `F1 = ${r.F1}\nEM = ${r.EM}\nAVERAGE = ${r.AVERAGE}\nTOTAL = ${r.TOTAL}\nSKIP = ${r.SKIP}\nglobal_step = ${trainer.currentStep}\n`;
          await writeFile(path.join(outDir, 'eval_results.txt'), text);
          console.log(formatCmrc2018Result(r));
        }
      }
    } finally {
      trainer.dispose();
    }
  },
});
export default command;
