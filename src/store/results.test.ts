import { describe, expect, it } from 'vitest';
import type { FineTuneResult } from '../contract/jobs.ts';
import { wilsonInterval } from '../core/run/binomialInterval.ts';
import { type ResultSource, resultRows, resultsCsv, resultsMarkdown, sizeText } from './results.ts';

function result(accuracy: number, p: Partial<FineTuneResult> = {}): FineTuneResult {
  return {
    step: 30,
    totalSteps: 30,
    finished: true,
    message: 'finished 30 steps',
    accuracy,
    bestAccuracy: accuracy,
    bestStep: 30,
    devExamples: 40,
    accuracyInterval: wilsonInterval(Math.round(accuracy * 40), 40),
    parameters: 1000,
    weightBytes: 4000,
    inferenceExamplesPerSec: 123.456,
    ...p,
  };
}

const base = { status: 'ready', teacherId: 'model-t', createdAt: 0 };

const teacher: ResultSource = {
  ...base,
  id: 'e1',
  taskKey: 'lcqmc:a:b',
  taskLabel: 'lcqmc (dev.tsv)',
  modelLabel: 'teacher',
  role: 'teacher',
  modelId: 'model-t',
  result: result(0.8, { parameters: 5000, weightBytes: 20000 }),
  createdAt: 1,
};
const student: ResultSource = {
  ...base,
  id: 'e2',
  taskKey: 'lcqmc:a:b',
  taskLabel: 'lcqmc (dev.tsv)',
  modelLabel: 'student of run 1, "3 layers"',
  role: 'student',
  result: result(0.6, { bestAccuracy: 0.65, bestStep: 20 }),
  createdAt: 2,
};

describe('resultRows', () => {
  it("compares each finished row with its teacher's score on the same task", () => {
    const rows = resultRows([student, teacher]);
    expect(rows.map((r) => r.id)).toEqual(['e1', 'e2']);
    expect(rows[0].retention).toBeCloseTo(100);
    expect(rows[1].teacherAccuracy).toBe(0.8);
    expect(rows[1].retention).toBeCloseTo(75);
    expect(rows[1]).toMatchObject({ bestAccuracy: 0.65, bestStep: 20, parameters: 1000, sizeBytes: 4000 });
  });

  it('has no teacher score for another task, and leaves out unfinished evaluations', () => {
    const other = { ...student, id: 'e3', taskKey: 'afqmc:c:d', createdAt: 3 };
    const running = { ...student, id: 'e4', status: 'running', createdAt: 4 };
    const stopped = { ...student, id: 'e5', result: result(0.5, { finished: false }), createdAt: 5 };
    const rows = resultRows([teacher, other, running, stopped]);
    expect(rows.map((r) => r.id)).toEqual(['e1', 'e3']);
    expect(rows[1].teacherAccuracy).toBeNull();
    expect(rows[1].retention).toBeNull();
  });

  it("uses the teacher's latest score when it was evaluated twice", () => {
    const again = { ...teacher, id: 'e0', result: result(0.9), createdAt: 9 };
    const rows = resultRows([teacher, student, again]);
    expect(rows.find((r) => r.id === 'e2')?.teacherAccuracy).toBe(0.9);
  });
});

describe('resultsCsv', () => {
  it('writes a header and one quoted-as-needed line per row', () => {
    const csv = resultsCsv(resultRows([teacher, student]));
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'task,model,dev_accuracy,dev_accuracy_ci95_low,dev_accuracy_ci95_high,dev_examples,best_dev_accuracy,best_step,teacher_dev_accuracy,retention_pct,parameters,size_bytes,inference_examples_per_s',
    );
    expect(lines[1]).toBe('lcqmc (dev.tsv),teacher,0.8000,0.6524,0.8950,40,0.8000,30,0.8000,100.0,5000,20000,123.5');
    expect(lines[2]).toBe(
      'lcqmc (dev.tsv),"student of run 1, ""3 layers""",0.6000,0.4460,0.7365,40,0.6500,20,0.8000,75.0,1000,4000,123.5',
    );
    expect(csv.endsWith('\n')).toBe(true);
  });

  it('leaves the teacher columns empty without a teacher score', () => {
    const csv = resultsCsv(resultRows([student]));
    expect(csv.split('\n')[1].split(',').slice(-5)).toEqual(['', '', '1000', '4000', '123.5']);
  });
});

describe('resultsMarkdown', () => {
  it('is a Markdown table with percentages and sizes', () => {
    const md = resultsMarkdown(resultRows([teacher, { ...student, taskLabel: 'a|b' }]));
    const lines = md.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(
      '| Task | Model | Dev accuracy | Best (step) | Teacher | Retention | Parameters | Size | Inference ex/s |',
    );
    expect(lines[1]).toMatch(/^\|( --- \|){9}$/);
    expect(lines[2]).toBe(
      '| lcqmc (dev.tsv) | teacher | 80.00% (95% CI 65.2–89.5%, 40 dev examples) | 80.00% (30) | 80.00% | 100.0% | 5,000 | 19.5 KB | 123.5 |',
    );
    expect(lines[3]).toContain('| a\\|b |');
    expect(lines[3]).toContain(
      '| 60.00% (95% CI 44.6–73.7%, 40 dev examples) | 65.00% (20) | 80.00% | 75.0% | 1,000 | 3.9 KB |',
    );
  });

  it('shows dashes where there is no teacher score', () => {
    expect(resultsMarkdown(resultRows([student])).split('\n')[2]).toContain('| — | — |');
  });

  it('sizes in binary units', () => {
    expect(sizeText(512)).toBe('512 B');
    expect(sizeText(4 * 1024 * 1024 * 1.5)).toBe('6.0 MB');
    expect(sizeText(400 * 1024 * 1024)).toBe('400 MB');
  });
});
