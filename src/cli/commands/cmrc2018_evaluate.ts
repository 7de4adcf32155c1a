/**
 * `cmrc2018_evaluate`: the official CMRC 2018 evaluation (cmrc2018_evaluate.py) of a prediction
 * file {question id: answer} against a dataset file (SQuAD-style or CMRC's original layout).
 * Prints the script's one JSON line,
 *   {"AVERAGE": "…", "F1": "…", "EM": "…", "TOTAL": n, "SKIP": n, "FILE": "<prediction_file>"}
 * and, like the script, "Unanswered question: <id>" on stderr for each question without a prediction.
 */
import type { Command } from '../command.ts';
import { UsageError } from '../args.ts';
import { openFile } from '../files.ts';
import { readJsonDocument } from '../../core/tasks/jsonDocument.ts';
import { evaluateCmrc2018, formatCmrc2018Result } from '../../core/tasks/cmrc2018Metric.ts';

const command: Command = {
  description:
    'Score CMRC 2018 predictions as the official cmrc2018_evaluate.py does (F1 over the longest common\n' +
    'substring of mixed Chinese/English tokens, EM, their average) and print its JSON line.',
  flags: {
    dataset_file: {
      type: 'string',
      required: true,
      help: 'official dataset file (e.g. cmrc2018_dev.json, SQuAD-style JSON)',
    },
    prediction_file: { type: 'string', required: true, help: 'your predictions: a JSON object {question id: answer}' },
  },
  async run(flags) {
    const datasetPath = String(flags.dataset_file ?? '');
    const predictionPath = String(flags.prediction_file ?? '');
    if (!datasetPath) throw new UsageError('--dataset_file is required');
    if (!predictionPath) throw new UsageError('--prediction_file is required');
    const dataset = await readJsonDocument(await openFile(datasetPath), { name: datasetPath });
    const predictions = await readJsonDocument(await openFile(predictionPath), { name: predictionPath });
    const unanswered: string[] = [];
    const result = evaluateCmrc2018(dataset.value, predictions.value, {
      file: predictionPath,
      datasetName: datasetPath,
      locateInDataset: dataset.locate,
      onUnanswered: (id) => unanswered.push(id),
    });
    if (unanswered.length > 0) process.stderr.write(unanswered.map((id) => `Unanswered question: ${id}\n`).join(''));
    process.stdout.write(`${formatCmrc2018Result(result)}\n`);
  },
};

export default command;
