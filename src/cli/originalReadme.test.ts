/**
 * The original project's README's three command lines, run through this CLI end to end.
 *
 * The commands below are the README's as published, run by bash with `python <script>.py`
 * turned into `npm run cli -- <script>` (a shell function), so every flag is passed as written.
 * Deviations, all of them:
 * - paths: the README's variables point at this test's tiny fixtures (a JSON-lines corpus of
 *   title/content rows, the synthetic 600-word vocabulary, a 2-layer teacher and a 1-layer
 *   student saved as Google TF1 checkpoints with bert_config.json); its typos are fixed:
 *   `$YOUR_VOCAB_FILE` and `$YOUR_OUTPUT_DIR` (set nowhere in the README) are given values,
 *   the Windows-style `\bert_config.json` / `\bert_model.ckpt` (bash would read `\b` as `b`)
 *   are written with `/`, and the `\` missing after run_distill's `--init_checkpoint` line is
 *   added (without it bash runs the rest as a separate command);
 * - sizes, cut down so the test runs in seconds on 2 cores: max_seq_length 512 → 64,
 *   dupe_factor 5 → 2, predict_batch_size 64 → 16, train_batch_size 384 → 4,
 *   eval_batch_size 1024 → 8, num_train_steps 1000000 → 3, num_warmup_steps 20000 → 1.
 * Every other flag and value is the README's, --max_workers=2 and --ramdom_next=True included.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCheckpoint } from '../core/checkpoint/exportCheckpoint.ts';
import { disposeWeights } from '../core/model/student.ts';
import { REPO_ROOT } from '../testing/refData.ts';
import { syntheticDocuments, syntheticVocabText } from '../testing/syntheticCorpus.ts';
import { randomWeights, tinyConfig } from '../testing/tinyBert.ts';

const root = mkdtempSync(path.join(tmpdir(), 'original-readme-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function saveTf1(dir: string, layers: number, seed: number, vocab: string[]): Promise<void> {
  const cfg = tinyConfig({ vocab_size: vocab.length, num_hidden_layers: layers, max_position_embeddings: 64 });
  const weights = randomWeights(cfg, { pooler: true, mlmHead: true }, seed, 0.05);
  mkdirSync(dir, { recursive: true });
  for (const f of await exportCheckpoint('tf', weights, cfg, vocab)) writeFileSync(path.join(dir, f.name), f.data);
  disposeWeights(weights);
}

const SCRIPT = String.raw`
set -e
python() { node --import tsx "$REPO_ROOT/src/cli/main.ts" "\${1%.py}" "\${@:2}"; }

export DATA_DIR=$ROOT/data
export OUTPUT_DIR=$ROOT/examples
export VOCAB_FILE=$ROOT/vocab.txt
export YOUR_VOCAB_FILE=$VOCAB_FILE

python create_pretraining_data.py \
        --input_dir=$DATA_DIR\
        --output_dir=$OUTPUT_DIR \
        --vocab_file=$YOUR_VOCAB_FILE \
        --do_whole_word_mask=True \
        --ramdom_next=True \
        --max_seq_length=64 \
        --max_predictions_per_seq=20 \
        --random_seed=12345 \
        --dupe_factor=2 \
        --masked_lm_prob=0.15 \
        --doc_stride=256 \
        --max_workers=2 \
        --short_seq_prob=0.1

export TF_RECORDS=$ROOT/examples/*.tfrecord
export TEACHER_MODEL=$ROOT/teacher
export OUTPUT_DIR=$ROOT/teacher_output
export YOUR_OUTPUT_DIR=$OUTPUT_DIR

python create_teacher_output_data.py \
       --bert_config_file=$TEACHER_MODEL/bert_config.json \
       --input_file=$TF_RECORDS \
       --output_dir=$YOUR_OUTPUT_DIR \
       --truncation_factor=128 \
       --init_checkpoint=$TEACHER_MODEL/bert_model.ckpt \
       --max_seq_length=64 \
       --max_predictions_per_seq=20 \
       --predict_batch_size=16

export TF_RECORDS=$ROOT/teacher_output/teacher_*.tfrecord
export STUDENT_MODEL_DIR=$ROOT/student
export OUTPUT_DIR=$ROOT/distill

python run_distill.py \
       --bert_config_file=$STUDENT_MODEL_DIR/bert_config.json \
       --input_file=$TF_RECORDS \
       --output_dir=$OUTPUT_DIR \
       --init_checkpoint=$STUDENT_MODEL_DIR/bert_model.ckpt \
       --truncation_factor=128 \
       --max_seq_length=64 \
       --max_predictions_per_seq=20 \
       --do_train=True \
       --do_eval=True \
       --train_batch_size=4 \
       --eval_batch_size=8 \
       --num_train_steps=3 \
       --num_warmup_steps=1
`.replace(/\\\$\{/g, '${');

describe("the original README's three commands", () => {
  it('run end to end through the CLI and leave what the original left', async () => {
    const vocabText = syntheticVocabText();
    const vocab = vocabText.trimEnd().split('\n');
    writeFileSync(path.join(root, 'vocab.txt'), vocabText);
    mkdirSync(path.join(root, 'data'));
    for (const [name, seed] of [
      ['news_2016.json', 31],
      ['wiki_00.json', 32],
    ] as const) {
      const rows = syntheticDocuments(seed, 15).map((d, i) =>
        JSON.stringify({ title: d[0], content: d.slice(1).join('<eop>'), id: `${seed}-${i}` }),
      );
      writeFileSync(path.join(root, 'data', name), `${rows.join('\n')}\n`);
    }
    await saveTf1(path.join(root, 'teacher'), 2, 1, vocab);
    await saveTf1(path.join(root, 'student'), 1, 2, vocab);

    const r = spawnSync('bash', ['-c', SCRIPT], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, ROOT: root, REPO_ROOT },
    });
    if (r.status !== 0) console.error(r.stderr);
    expect(r.status).toBe(0);

    // step 1: one file per input, named as the original named them, built on 2 worker threads
    expect(readdirSync(path.join(root, 'examples')).sort()).toEqual([
      'data_news_2016.tfrecord',
      'data_wiki_00.tfrecord',
    ]);
    expect(r.stderr).toContain('2 job(s) on 2 worker threads');
    expect(r.stderr).toContain('--ramdom_next is accepted and ignored');
    // step 2: the original's teacher_%d.tfrecord
    expect(readdirSync(path.join(root, 'teacher_output'))).toEqual(['teacher_0.tfrecord']);
    // step 3: the Estimator's files beside the project's own
    const out = readdirSync(path.join(root, 'distill'));
    for (const f of [
      'checkpoint',
      'model.ckpt-3.index',
      'model.ckpt-3.data-00000-of-00001',
      'eval_results.txt',
      'metrics.jsonl',
      'export',
      'train_state',
    ])
      expect(out).toContain(f);
    const results = readFileSync(path.join(root, 'distill', 'eval_results.txt'), 'utf8');
    expect(results).toMatch(/^global_step = 3$/m);
    expect(results).toMatch(/^loss = \d/m);
    expect(results).toMatch(/^teacher_top1_agreement = [\d.]+$/m);
  }, 300_000);
});
