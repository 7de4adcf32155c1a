import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseFlags } from '../args.ts';
import { checkpointFiles } from '../checkpointFiles.ts';
import { listedCheckpoints } from '../estimatorFiles.ts';
import { openFile } from '../files.ts';
import createTeacherOutputData from './create_teacher_output_data.ts';
import runDistill from './run_distill.ts';
import { exportCheckpoint } from '../../core/checkpoint/exportCheckpoint.ts';
import { disposeCheckpoint, loadCheckpoint } from '../../core/checkpoint/loadCheckpoint.ts';
import { disposeWeights } from '../../core/model/student.ts';
import { syntheticExamples } from '../../testing/syntheticExamples.ts';
import { configToJson, parseBertConfig } from '../../core/model/config.ts';
import { initWeights } from '../../core/model/init.ts';
import { maskedExampleToRecord } from '../../core/tfrecord/pretrainingRecord.ts';
import { readRecords } from '../../core/tfrecord/recordReader.ts';
import { frameRecord } from '../../core/tfrecord/recordWriter.ts';
import { recordToTeacherOutput } from '../../core/tfrecord/teacherOutputRecord.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const V = 30;
const teacherCfg = parseBertConfig({
  vocab_size: V,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 16,
});

async function setup() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'distill-cli-'));
  dirs.push(dir);
  const teacherDir = path.join(dir, 'teacher');
  const weights = initWeights(teacherCfg, { pooler: true, mlmHead: true }, 1);
  const vocab = [...Array(V).keys()].map((i) =>
    i < 5 ? ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'][i] : `tok${i}`,
  );
  const { mkdir } = await import('node:fs/promises');
  await mkdir(teacherDir);
  for (const f of await exportCheckpoint('safetensors', weights, teacherCfg, vocab))
    await writeFile(path.join(teacherDir, f.name), f.data);
  Object.values(weights).forEach((t) => {
    t.dispose();
  });
  await writeFile(path.join(dir, 'teacher_config.json'), JSON.stringify(configToJson(teacherCfg)));
  await writeFile(
    path.join(dir, 'student_config.json'),
    JSON.stringify(configToJson({ ...teacherCfg, num_hidden_layers: 1 })),
  );
  const examples = syntheticExamples({ count: 24, vocabSize: V, maxSeqLength: 12, maxPredictionsPerSeq: 3, seed: 2 });
  const framed = examples.map((e) => frameRecord(maskedExampleToRecord(e)));
  await writeFile(path.join(dir, 'examples.tfrecord'), Buffer.concat(framed));
  return { dir, teacherDir, examples };
}

const run = (cmd: typeof runDistill, argv: string[]) => cmd.run(parseFlags(argv, cmd.flags));

/** Runs `f` with process.stderr (or stdout) captured; returns what was written. */
async function capture(stream: 'stderr' | 'stdout', f: () => Promise<void>): Promise<string> {
  let text = '';
  const spy = vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
    return true;
  });
  const log = vi.spyOn(console, stream === 'stderr' ? 'error' : 'log').mockImplementation((...args: unknown[]) => {
    text += `${args.join(' ')}\n`;
  });
  try {
    await f();
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
  return text;
}
const captureStderr = (f: () => Promise<void>) => capture('stderr', f);
const captureStdout = (f: () => Promise<void>) => capture('stdout', f);

describe('create_teacher_output_data and run_distill', () => {
  it("write the seed's teacher-output records, then distil, checkpoint, resume and evaluate", async () => {
    const { dir, teacherDir, examples } = await setup();
    const out = path.join(dir, 'teacher_out.tfrecord');
    await run(createTeacherOutputData, [
      `--bert_config_file=${dir}/teacher_config.json`,
      `--init_checkpoint=${teacherDir}`,
      `--input_file=${dir}/examples.tfrecord`,
      `--output_file=${out}`,
      '--truncation_factor=5',
      '--max_seq_length=12',
      '--max_predictions_per_seq=3',
      '--predict_batch_size=7',
    ]);
    const records = [];
    for await (const r of readRecords(await openFile(out))) records.push(recordToTeacherOutput(r, 'r'));
    expect(records.length).toBe(24);
    expect(records[5].k).toBe(5);
    expect(records[5].probs.length).toBe(15);
    expect(Array.from(records[5].example.inputIds)).toEqual(Array.from(examples[5].inputIds));
    // sorted, below 1 in total, ids inside the vocabulary
    const p = records[5].probs.slice(0, 5);
    expect([...p].sort((a, b) => b - a)).toEqual([...p]);
    expect(p.reduce((a, b) => a + b, 0)).toBeLessThan(1);

    const outDir = path.join(dir, 'run');
    const common = [
      `--bert_config_file=${dir}/student_config.json`,
      `--input_file=${out}`,
      `--output_dir=${outDir}`,
      `--init_checkpoint=${teacherDir}`,
      '--truncation_factor=5',
      '--max_seq_length=12',
      '--max_predictions_per_seq=3',
      '--do_train',
      '--do_eval',
      '--train_batch_size=4',
      '--gradient_accumulation_steps=2',
      '--eval_batch_size=4',
      '--num_warmup_steps=1',
      '--learning_rate=1e-3',
      '--save_checkpoints_steps=2',
      '--held_out_fraction=0.25',
      '--student_layers=1',
    ];
    await run(runDistill, [...common, '--num_train_steps=4']);
    const lines1 = (await readFile(path.join(outDir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines1.filter((m) => m.kind === 'train').map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(lines1.filter((m) => m.kind === 'eval').length).toBeGreaterThanOrEqual(2);
    const ev = lines1.at(-1);
    expect(ev.kind).toBe('eval');
    for (const f of ['goldAccuracy', 'teacherTop1Agreement', 'top5Overlap', 'loss'])
      expect(typeof ev[f]).toBe('number');
    const exported = await readFile(path.join(outDir, 'export', 'model.safetensors'));
    expect(exported.length).toBeGreaterThan(1000);
    // the export's model card: the teacher, data, loss, schedule and the last evaluation with its held-out size
    const card = await readFile(path.join(outDir, 'export', 'README.md'), 'utf8');
    expect(card).toMatch(/^# run\n/);
    expect(card).toContain(`distilled from **${teacherDir} (its top-k outputs in ${out})** with wwm-distill-workbench`);
    expect(card).toContain(`- Sources: ${out} (`);
    expect(card).toContain('`--max_seq_length=12` `--max_predictions_per_seq=3` `--truncation_factor=5`');
    expect(card).toContain('- Examples: 24 (training 18, held out 6)');
    expect(card).toContain('Preset: original; temperature 1.');
    expect(card).toContain('- Steps: 4 trained of 4 planned');
    expect(card).toContain('- Learning rate: 0.001 (AdamW, 1 warmup steps, then linear decay)');
    expect(card).toContain('- Batch: 4 examples per step (2 micro-batches)');
    expect(card).toContain("initialised from the teacher's layers 1");
    expect(card).toContain('Measured on 6 held-out examples (never trained on).');
    expect(card).toContain(
      `| last (these weights) | 4 | 6 | ${Number(ev.loss.toPrecision(5))} | ${(ev.teacherTop1Agreement * 100).toFixed(1)}% (95% CI `,
    );
    // what the original's Estimator left: model.ckpt-<step> + checkpoint, eval_results.txt
    expect(await readFile(path.join(outDir, 'checkpoint'), 'utf8')).toBe(
      'model_checkpoint_path: "model.ckpt-4"\nall_model_checkpoint_paths: "model.ckpt-2"\nall_model_checkpoint_paths: "model.ckpt-4"\n',
    );
    const results = await readFile(path.join(outDir, 'eval_results.txt'), 'utf8');
    const kv = Object.fromEntries(
      results
        .trim()
        .split('\n')
        .map((l) => l.split(' = ')),
    );
    expect(Object.keys(kv)).toEqual(Object.keys(kv).sort());
    expect(Number(kv.global_step)).toBe(4);
    expect(Number(kv.loss)).toBeCloseTo(ev.loss, 4);
    expect(Number(kv.gold_accuracy)).toBeCloseTo(ev.goldAccuracy, 4);
    expect(Number(kv.teacher_top1_agreement)).toBeCloseTo(ev.teacherTop1Agreement, 4);
    expect(kv.loss_ce).toBeDefined();
    // model.ckpt-4 loads (as Google's run_classifier would take it) with the weights exported at step 4
    const tf1 = await loadCheckpoint(
      await checkpointFiles(path.join(outDir, 'model.ckpt-4'), { defaultConfigFile: `${dir}/student_config.json` }),
    );
    const hf = await loadCheckpoint(await checkpointFiles(path.join(outDir, 'export')));
    expect(tf1.format).toBe('tf1');
    expect(Object.keys(tf1.weights).sort()).toEqual(Object.keys(hf.weights).sort());
    for (const name of Object.keys(hf.weights))
      expect(Array.from(tf1.weights[name].dataSync())).toEqual(Array.from(hf.weights[name].dataSync()));
    disposeWeights(tf1.weights);
    disposeWeights(hf.weights);
    // the last evaluation is written once (no eval line repeated at one step)
    const evalSteps = lines1.filter((m) => m.kind === 'eval').map((m) => m.step);
    expect(new Set(evalSteps).size).toBe(evalSteps.length);
    // the exported student keeps the pooler (downstream classifiers start from it) and the MLM head
    const student = await loadCheckpoint(await checkpointFiles(path.join(outDir, 'export')));
    expect(student.parts).toEqual({ pooler: true, mlmHead: true });
    disposeCheckpoint(student);

    // --export_format=onnx writes the transformers.js folder at each checkpoint
    const onnxDir = path.join(dir, 'run-onnx');
    await run(runDistill, [
      ...common.map((f) => (f.startsWith('--output_dir=') ? `--output_dir=${onnxDir}` : f)),
      '--num_train_steps=2',
      '--export_format=onnx',
    ]);
    expect((await readFile(path.join(onnxDir, 'export', 'onnx', 'model_quantized.onnx'))).length).toBeGreaterThan(1000);
    expect(await readFile(path.join(onnxDir, 'export', 'README.md'), 'utf8')).toContain('(onnx)');
    expect(JSON.parse(await readFile(path.join(onnxDir, 'export', 'tokenizer.json'), 'utf8')).model.type).toBe(
      'WordPiece',
    );

    // resume with more steps: continues at step 5
    await run(runDistill, [...common, '--num_train_steps=6']);
    const lines2 = (await readFile(path.join(outDir, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines2.filter((m) => m.kind === 'train').map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    // the first four steps are those of the first run
    expect(
      lines2
        .filter((m) => m.kind === 'train')
        .slice(0, 4)
        .map((m) => m.total),
    ).toEqual(lines1.filter((m) => m.kind === 'train').map((m) => m.total));
    expect(await listedCheckpoints(outDir)).toEqual(['model.ckpt-2', 'model.ckpt-4', 'model.ckpt-6']);
    expect(await readFile(path.join(outDir, 'eval_results.txt'), 'utf8')).toMatch(/^global_step = 6$/m);
  });

  it("the original's --output_dir (teacher_%d.tfrecord every N records), --input_file globs, TPU flags, --max_eval_steps", async () => {
    const { dir, teacherDir } = await setup();
    const teacherOut = path.join(dir, 'teacher_out');
    const tpu = ['--use_tpu=False', '--tpu_name=my-tpu', '--num_tpu_cores=8'];
    const logs = await captureStderr(() =>
      run(createTeacherOutputData, [
        `--bert_config_file=${dir}/teacher_config.json`,
        `--init_checkpoint=${teacherDir}`,
        `--input_file=${dir}/examples.tfrecord,${dir}/examples.tf*`,
        `--output_dir=${teacherOut}`,
        '--records_per_file=20',
        '--truncation_factor=5',
        '--max_seq_length=12',
        '--max_predictions_per_seq=3',
        ...tpu,
      ]),
    );
    expect(logs).toContain('note: --use_tpu, --tpu_name, --num_tpu_cores accepted and ignored');
    // the glob repeats examples.tfrecord: 48 records, 20 per file
    expect((await readdir(teacherOut)).sort()).toEqual([
      'teacher_0.tfrecord',
      'teacher_1.tfrecord',
      'teacher_2.tfrecord',
    ]);
    const count = async (f: string) => {
      let n = 0;
      for await (const _ of readRecords(await openFile(path.join(teacherOut, f)))) n++;
      return n;
    };
    expect([
      await count('teacher_0.tfrecord'),
      await count('teacher_1.tfrecord'),
      await count('teacher_2.tfrecord'),
    ]).toEqual([20, 20, 8]);

    const outDir = path.join(dir, 'run_tpu');
    const stdout = await captureStdout(() =>
      run(runDistill, [
        `--bert_config_file=${dir}/student_config.json`,
        `--input_file=${teacherOut}/teacher_*.tfrecord`,
        `--output_dir=${outDir}`,
        '--truncation_factor=5',
        '--max_seq_length=12',
        '--max_predictions_per_seq=3',
        '--do_eval=True',
        '--num_train_steps=1',
        '--num_warmup_steps=0',
        '--held_out_fraction=0.5',
        '--eval_batch_size=3',
        '--max_eval_steps=2',
        '--iterations_per_loop=1000',
        ...tpu,
      ]),
    );
    const evals = stdout
      .split('\n')
      .filter((l) => l.includes('"kind":"eval"'))
      .map((l) => JSON.parse(l));
    // 24 of the 48 examples are held out; 2 batches of 3 are scored
    expect(evals.at(-1).examples).toBe(6);
    expect(await readFile(path.join(outDir, 'eval_results.txt'), 'utf8')).toMatch(/^examples = 6$/m);
    expect(await readdir(outDir)).toContain('model.ckpt-1.index');

    await expect(
      run(createTeacherOutputData, [
        `--bert_config_file=${dir}/teacher_config.json`,
        `--init_checkpoint=${teacherDir}`,
        `--input_file=${dir}/examples.tfrecord`,
        `--output_dir=${teacherOut}`,
        `--output_file=${dir}/x.tfrecord`,
      ]),
    ).rejects.toThrow('give either --output_dir (teacher_%d.tfrecord files) or --output_file');
  });

  it('a bad record fails before the teacher runs: nothing is written', async () => {
    const { dir, teacherDir } = await setup();
    const bad = path.join(dir, 'z_bad.tfrecord');
    await writeFile(bad, Buffer.concat([await readFile(path.join(dir, 'examples.tfrecord')), Buffer.from([1, 2, 3])]));
    const teacherOut = path.join(dir, 'teacher_bad');
    await expect(
      run(createTeacherOutputData, [
        `--bert_config_file=${dir}/teacher_config.json`,
        `--init_checkpoint=${teacherDir}`,
        `--input_file=${dir}/examples.tfrecord,${bad}`,
        `--output_dir=${teacherOut}`,
        '--records_per_file=20',
        '--truncation_factor=5',
        '--max_seq_length=12',
        '--max_predictions_per_seq=3',
      ]),
    ).rejects.toThrow(/z_bad\.tfrecord: truncated record header/);
    expect(await readdir(teacherOut)).toEqual([]);
  });

  it('--engine=onnxruntime (the default) and --engine=tfjs write the same top-k within float rounding', async () => {
    const { dir, teacherDir } = await setup();
    const records: Record<string, ReturnType<typeof recordToTeacherOutput>[]> = {};
    for (const engine of ['onnxruntime', 'tfjs']) {
      const out = path.join(dir, `teacher_${engine}.tfrecord`);
      await run(createTeacherOutputData, [
        `--bert_config_file=${dir}/teacher_config.json`,
        `--init_checkpoint=${teacherDir}`,
        `--input_file=${dir}/examples.tfrecord`,
        `--output_file=${out}`,
        '--truncation_factor=8',
        '--max_seq_length=12',
        '--max_predictions_per_seq=3',
        '--predict_batch_size=5',
        `--engine=${engine}`,
      ]);
      records[engine] = [];
      for await (const r of readRecords(await openFile(out))) records[engine].push(recordToTeacherOutput(r, 'r'));
    }
    const [a, b] = [records.onnxruntime, records.tfjs];
    expect(a.length).toBe(24);
    let compared = 0;
    for (let i = 0; i < a.length; i++) {
      expect(Array.from(a[i].example.inputIds)).toEqual(Array.from(b[i].example.inputIds));
      for (let j = 0; j < a[i].probs.length; j++) {
        expect(Math.abs(a[i].probs[j] - b[i].probs[j])).toBeLessThan(1e-5);
        // the same id unless two probabilities tie within rounding (then their order may differ)
        const p = b[i].probs;
        const tied =
          (j > 0 && Math.abs(p[j] - p[j - 1]) < 1e-6) || (j + 1 < p.length && Math.abs(p[j] - p[j + 1]) < 1e-6);
        if (!tied) {
          expect(a[i].topKIds[j]).toBe(b[i].topKIds[j]);
          compared++;
        }
      }
    }
    // BERT's initialisation makes this teacher's distribution nearly flat: about a third of the ids are not tied
    expect(compared).toBeGreaterThan(24 * 3 * 8 * 0.25);
    expect(() =>
      run(createTeacherOutputData, [
        `--bert_config_file=${dir}/teacher_config.json`,
        `--init_checkpoint=${teacherDir}`,
        `--input_file=${dir}/examples.tfrecord`,
        `--output_file=${dir}/x.tfrecord`,
        '--max_seq_length=12',
        '--max_predictions_per_seq=3',
        '--engine=torch',
      ]),
    ).toThrow('--engine must be one of onnxruntime, tfjs, got "torch"');
  });

  it('name the file and record when examples do not match the flags', async () => {
    const { dir, teacherDir } = await setup();
    await expect(
      run(createTeacherOutputData, [
        `--bert_config_file=${dir}/teacher_config.json`,
        `--init_checkpoint=${teacherDir}`,
        `--input_file=${dir}/examples.tfrecord`,
        `--output_file=${dir}/x.tfrecord`,
        '--truncation_factor=5',
        '--max_seq_length=16',
        '--max_predictions_per_seq=3',
      ]),
    ).rejects.toThrow(/examples\.tfrecord record 0: input_ids has 12 values, --max_seq_length is 16/);
    await expect(
      run(runDistill, [
        `--bert_config_file=${dir}/student_config.json`,
        `--input_file=${dir}/examples.tfrecord`,
        `--output_dir=${dir}/run2`,
        '--do_train',
        '--max_seq_length=12',
        '--max_predictions_per_seq=3',
      ]),
    ).rejects.toThrow(/examples\.tfrecord record 0.*truncated_masked_lm_probs/);
  });
});
