/**
 * run_classifier: fine-tunes and scores a model on a sentence(-pair) classification task,
 * with Google BERT's run_classifier.py flags, so its command lines run unchanged:
 *   --task_name=lcqmc|afqmc|tnews|ocnli|cmnli --data_dir (train/dev/test files as each task
 *   publishes them) --vocab_file --bert_config_file --init_checkpoint --do_train --do_eval --do_predict ...
 * The loop is the run layer's (src/core/run/train.ts), the task src/core/finetune/classifierTask.ts.
 *
 * Writes to --output_dir, as Google's script does:
 *   eval_results.txt   `eval_accuracy = 0.8512` lines (+ eval_loss, global_step, the best dev accuracy and its step)
 *   test_results.tsv   one line per test example: the class probabilities, tab-separated, in label order
 * and besides: <task>_predict.json (CLUE submission style: {"id": n, "label": "..."} per line),
 * metrics.jsonl (every step and evaluation), train_state/ (resumable checkpoints: a run started
 * again with the same output_dir continues), export/ (the final model) and best/ (the best dev
 * accuracy's model), as Hugging Face folders (BertForSequenceClassification, id2label).
 */
import { appendFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { makeOutputDir } from '../outputPath.ts';
import path from 'node:path';
import { UsageError } from '../args.ts';
import { loadBaseModel } from '../baseModel.ts';
import { defineCommand } from '../command.ts';
import { withCtrlC } from '../stopSignal.ts';
import { openFile } from '../files.ts';
import { FsStore } from '../fsStore.ts';
import { exportCheckpoint } from '../../core/checkpoint/exportCheckpoint.ts';
import { type ClassificationItem, classifierTask, classProbabilities } from '../../core/finetune/classifierTask.ts';
import { classificationItems, fineTuneWeights } from '../../core/finetune/fineTune.ts';
import { fineTuneSchedule } from '../../core/finetune/fineTuneOptions.ts';
import type { BertConfig } from '../../core/model/config.ts';
import { disposeWeights } from '../../core/model/student.ts';
import type { Weights } from '../../core/model/weights.ts';
import { FINETUNE_FLAGS, fineTuneOptionsFromFlags } from '../../core/options/finetuneFlags.ts';
import { inMemoryTrainingSet } from '../../core/run/task.ts';
import { train } from '../../core/run/train.ts';
import { type RunMetrics, Trainer } from '../../core/run/trainer.ts';
import type { ClassifierScores } from '../../core/finetune/classifierTask.ts';
import { readLabelsFile, readTaskFile, type PairTaskFile, type SingleTaskFile } from '../../core/tasks/taskFiles.ts';
import { TASKS, type TaskName, taskFileName, type TaskSplit } from '../../core/tasks/taskRegistry.ts';
import { BertTokenizer } from '../../core/tokenizer/bertTokenizer.ts';

const CLASSIFICATION_TASKS = ['lcqmc', 'afqmc', 'tnews', 'ocnli', 'cmnli'] as const;

const FLAGS = {
  task_name: { type: 'string', required: true, choices: CLASSIFICATION_TASKS, help: 'The task.' },
  data_dir: {
    type: 'string',
    required: true,
    help: 'Folder with the task files as the task publishes them (LCQMC: train.tsv, dev.tsv, test.tsv; CLUE: train.json, dev.json, test.json; TNEWS: labels.json too).',
  },
  ...FINETUNE_FLAGS,
  do_eval: {
    type: 'bool',
    default: false,
    help: 'Score the dev file (after training, and every epoch while training).',
  },
  eval_batch_size: { type: 'int', default: 8, min: 1, help: 'Examples per evaluation batch.' },
} as const;

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Reads one split of the task from data_dir; the error names the file that is missing. */
async function readSplit(
  task: TaskName,
  dataDir: string,
  split: TaskSplit,
  labels: readonly string[] | undefined,
  ownLabels: boolean,
): Promise<PairTaskFile | SingleTaskFile> {
  const name = taskFileName(task, split);
  const file = name && path.join(dataDir, name);
  if (!file || !(await exists(file))) {
    throw new UsageError(`--data_dir ${dataDir}: no ${split} file for ${task} (expected ${name ?? 'none is defined'})`);
  }
  // A labels.json of the data set's own replaces the task's published labels (a TNEWS-layout task of your own).
  const read = await readTaskFile(await openFile(file), { name: file, task: ownLabels ? undefined : task, labels });
  if (read.kind !== TASKS[task].kind) {
    throw new Error(`${file}: a ${read.kind} file, but ${task} is a ${TASKS[task].kind} classification task`);
  }
  return read as PairTaskFile | SingleTaskFile;
}

function formatLine(m: RunMetrics<ClassifierScores>): string {
  return JSON.stringify(m, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v));
}

async function writeExport(dir: string, weights: Weights, cfg: BertConfig, vocab: string[], labels: string[]) {
  await mkdir(dir, { recursive: true });
  for (const f of await exportCheckpoint('safetensors', weights, cfg, vocab, labels)) {
    await writeFile(path.join(dir, f.name), f.data);
  }
}

const command = defineCommand({
  description: [
    "Fine-tunes and scores a model on a classification task, with Google BERT's run_classifier flags.",
    'Writes eval_results.txt and test_results.tsv as that script does, plus a CLUE-style <task>_predict.json,',
    'metrics.jsonl, resumable train_state/, and the final (export/) and best-dev (best/) models.',
  ].join('\n'),
  usesTensors: true,
  flags: FLAGS,
  async run(flags) {
    if (!flags.do_train && !flags.do_eval && !flags.do_predict) {
      throw new UsageError('at least one of --do_train, --do_eval or --do_predict must be set');
    }
    if (!flags.init_checkpoint && !flags.bert_config_file) {
      throw new UsageError('give --init_checkpoint, or --bert_config_file for a randomly initialised model');
    }
    const task = flags.task_name;
    const options = fineTuneOptionsFromFlags(flags);
    if (options.trainBatchSize % options.gradientAccumulationSteps !== 0) {
      throw new UsageError('--train_batch_size must be a multiple of --gradient_accumulation_steps');
    }
    const outDir = flags.output_dir;
    await makeOutputDir(outDir, '--output_dir');

    // Labels: the task's own, or (TNEWS) a labels.json in data_dir.
    const labelsFile = path.join(flags.data_dir, 'labels.json');
    const labelEntries = (await exists(labelsFile))
      ? await readLabelsFile(await openFile(labelsFile), { name: labelsFile })
      : undefined;
    const taskLabels = labelEntries?.map((e) => e.label) ?? TASKS[task].labels;
    const files: Partial<Record<TaskSplit, PairTaskFile | SingleTaskFile>> = {};
    for (const split of ['train', 'dev', 'test'] as const) {
      const wanted = split === 'train' ? flags.do_train : split === 'dev' ? flags.do_eval : flags.do_predict;
      if (wanted) files[split] = await readSplit(task, flags.data_dir, split, taskLabels, labelEntries !== undefined);
    }
    const labels = [...(taskLabels ?? Object.values(files)[0]!.labels)];

    const vocabText = await (await openFile(flags.vocab_file)).text();
    const tokenizer = BertTokenizer.fromVocabText(vocabText, {
      doLowerCase: flags.do_lower_case,
      source: flags.vocab_file,
    });
    const items = (split: TaskSplit) => {
      const file = files[split];
      if (!file) return { items: [] as ClassificationItem[], truncated: 0, unlabelled: 0 };
      return classificationItems(file, tokenizer, labels, options.maxSeqLength);
    };
    const trainData = items('train');
    const dev = items('dev');
    const test = items('test');
    if (flags.do_train && trainData.items.length === 0) throw new Error(`${task} train file: no examples`);
    if (dev.unlabelled) throw new Error(`${task} dev file: ${dev.unlabelled} example(s) have no label`);

    // The model: the checkpoint's encoder and pooler (or random init) + the classification head.
    const base = await loadBaseModel({
      initCheckpoint: flags.init_checkpoint,
      bertConfigFile: flags.bert_config_file,
      seed: options.seed,
      vocabSize: tokenizer.vocabSize,
      maxSeqLength: options.maxSeqLength,
    });
    const { weights, notes } = fineTuneWeights(base.weights, base.cfg, 'classification', labels.length, options.seed);
    disposeWeights(base.weights);
    const cfg = base.cfg;
    for (const note of notes) console.error(`model: ${note}`);

    const schedule = fineTuneSchedule(Math.max(1, trainData.items.length), options);
    const trainer = new Trainer({
      task: classifierTask(cfg, labels.length, task),
      weights,
      config: {
        schedule,
        batchSize: options.trainBatchSize,
        gradientAccumulationSteps: options.gradientAccumulationSteps,
        seed: options.seed,
      },
      data: inMemoryTrainingSet(trainData.items.length ? trainData.items : dev.items.length ? dev.items : test.items),
      store: new FsStore(path.join(outDir, 'train_state')),
    });
    const metricsFile = path.join(outDir, 'metrics.jsonl');
    const emit = async (m: RunMetrics<ClassifierScores>) => {
      const line = formatLine(m);
      if (m.kind === 'eval' || m.step % 10 === 0 || m.step === schedule.numTrainSteps) console.log(line);
      await appendFile(metricsFile, line + '\n');
    };
    const devSet = dev.items.length ? inMemoryTrainingSet(dev.items) : null;
    let best = { accuracy: -1, step: 0 };
    try {
      if (await trainer.restore()) {
        console.error(`resuming from the checkpoint at step ${trainer.currentStep} in ${outDir}/train_state`);
        await writeFile(
          metricsFile,
          trainer.history.map((m) => formatLine(m as RunMetrics<ClassifierScores>) + '\n').join(''),
        );
        for (const m of trainer.history) {
          if (m.kind === 'eval' && m.accuracy > best.accuracy) best = { accuracy: m.accuracy, step: m.step };
        }
      } else {
        await rm(metricsFile, { force: true });
      }
      console.error(
        `${task}: ${trainData.items.length} train, ${dev.items.length} dev, ${test.items.length} test examples ` +
          `(${trainData.truncated + dev.truncated + test.truncated} truncated to ${options.maxSeqLength} tokens); ` +
          `labels ${labels.join(', ')}; ${schedule.numTrainSteps} steps (${schedule.numWarmupSteps} warmup)`,
      );
      if (flags.do_train) {
        await withCtrlC((signal) =>
          train(
            trainer,
            {
              heldOut: flags.do_eval ? devSet : null,
              evalBatchSize: options.evalBatchSize,
              evalEvery: schedule.stepsPerEpoch,
              checkpointEvery: flags.save_checkpoints_steps,
            },
            signal,
            {
              step: emit,
              eval: async (e) => {
                await emit(e);
                if (e.accuracy > best.accuracy) {
                  best = { accuracy: e.accuracy, step: e.step };
                  await writeExport(path.join(outDir, 'best'), trainer.weights, cfg, [...tokenizer.vocab], labels);
                }
              },
            },
          ),
        );
        await writeExport(path.join(outDir, 'export'), trainer.weights, cfg, [...tokenizer.vocab], labels);
      }
      const lastEval = trainer.history.findLast((m) => m.kind === 'eval' && m.step === trainer.currentStep);
      if (flags.do_eval && devSet) {
        const e =
          lastEval && lastEval.kind === 'eval' ? lastEval : await trainer.evaluate(devSet, options.evalBatchSize);
        if (e !== lastEval) await emit(e);
        const results: Record<string, number> = {
          eval_accuracy: e.accuracy,
          eval_loss: e.loss,
          global_step: trainer.currentStep,
        };
        if (best.accuracy >= 0) Object.assign(results, { best_eval_accuracy: best.accuracy, best_step: best.step });
        const text = Object.keys(results)
          .sort()
          .map((k) => `${k} = ${results[k]}\n`)
          .join('');
        await writeFile(path.join(outDir, 'eval_results.txt'), text);
        process.stderr.write(`***** Eval results *****\n${text}`);
      }
      if (flags.do_predict) {
        const probs: string[] = [];
        const clue: string[] = [];
        let id = 0;
        for await (const { probs: p } of classProbabilities(
          trainer.weights,
          cfg,
          inMemoryTrainingSet(test.items),
          flags.predict_batch_size,
        )) {
          for (let r = 0; r < p.length / labels.length; r++) {
            const row = Array.from(p.subarray(r * labels.length, (r + 1) * labels.length));
            probs.push(row.join('\t'));
            clue.push(JSON.stringify({ id: id++, label: labels[row.indexOf(Math.max(...row))] }));
          }
        }
        await writeFile(path.join(outDir, 'test_results.tsv'), probs.map((l) => l + '\n').join(''));
        await writeFile(path.join(outDir, `${task}_predict.json`), clue.map((l) => l + '\n').join(''));
        console.error(`wrote ${probs.length} predictions to ${outDir}/test_results.tsv and ${task}_predict.json`);
      }
    } finally {
      trainer.dispose();
    }
  },
});
export default command;
