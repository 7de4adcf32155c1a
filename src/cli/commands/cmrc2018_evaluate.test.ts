import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { describeWithRef, REPO_ROOT, refPath } from '../../testing/refData.ts';
import command from './cmrc2018_evaluate.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cmrc2018-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runCapture(flags: Record<string, string>): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err += String(c);
    return true;
  });
  try {
    await command.run(flags);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { out, err };
}

const dataset = {
  version: 'v1.0',
  data: [
    {
      paragraphs: [
        {
          context: '红楼梦是曹雪芹写的，北京大学在北京。',
          qas: [
            { id: 'Q1', question: '?', answers: [{ text: '红楼梦', answer_start: 0 }] },
            { id: 'Q2', question: '?', answers: [{ text: '北京大学', answer_start: 10 }] },
            { id: 'Q3', question: '?', answers: [{ text: '曹雪芹', answer_start: 4 }] },
          ],
        },
      ],
    },
  ],
};

describe('cmrc2018_evaluate command', () => {
  const datasetFile = path.join(dir, 'dev.json');
  writeFileSync(datasetFile, JSON.stringify(dataset, null, 2));

  it('prints the official JSON line and lists unanswered questions on stderr', async () => {
    const pred = path.join(dir, 'pred.json');
    writeFileSync(pred, '\ufeff' + JSON.stringify({ Q1: '《红楼梦》', Q2: '北京' }));
    const { out, err } = await runCapture({ dataset_file: datasetFile, prediction_file: pred });
    // F1 = 100 · (1 + 2/3) / 3, EM = 100 · 1/3
    expect(out).toBe(
      `{"AVERAGE": "44.444", "F1": "55.556", "EM": "33.333", "TOTAL": 3, "SKIP": 1, "FILE": ${JSON.stringify(pred)}}\n`,
    );
    expect(err).toBe('Unanswered question: Q3\n');
  });

  it('names the file and line of bad JSON', async () => {
    const pred = path.join(dir, 'bad.json');
    writeFileSync(pred, '{\n  "Q1": "a",\n  "Q2": \n}\n');
    await expect(runCapture({ dataset_file: datasetFile, prediction_file: pred })).rejects.toThrow(
      /bad\.json: bad JSON: .*\(line 4, column 1, byte \d+\)/,
    );
    await expect(runCapture({ dataset_file: path.join(dir, 'none.json'), prediction_file: pred })).rejects.toThrow(
      /cannot open .*none\.json/,
    );
  });

  it('runs through the CLI entry point', () => {
    const pred = path.join(dir, 'gold.json');
    writeFileSync(pred, JSON.stringify({ Q1: '红楼梦', Q2: '北京大学', Q3: '曹雪芹' }));
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'cmrc2018_evaluate',
        `--dataset_file=${datasetFile}`,
        `--prediction_file=${pred}`,
      ],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      AVERAGE: '100.000',
      F1: '100.000',
      EM: '100.000',
      TOTAL: 3,
      SKIP: 0,
      FILE: pred,
    });
    const missing = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'cmrc2018_evaluate'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--dataset_file is required/);
  });
});

describeWithRef('cmrc2018_evaluate on the CMRC 2018 dev set', () => {
  it('the first reference answer of every question scores EM 100', async () => {
    const file = refPath('cmrc2018', 'cmrc2018_dev.squad.json');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as typeof dataset;
    const pred: Record<string, string> = {};
    for (const a of doc.data) for (const p of a.paragraphs) for (const q of p.qas) pred[q.id] = q.answers[0].text;
    const predFile = path.join(dir, 'dev_first_answers.json');
    writeFileSync(predFile, JSON.stringify(pred));
    const { out, err } = await runCapture({ dataset_file: file, prediction_file: predFile });
    expect(err).toBe('');
    expect(JSON.parse(out)).toMatchObject({ AVERAGE: '100.000', F1: '100.000', EM: '100.000', TOTAL: 3219, SKIP: 0 });
  });
});
