import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openAsBlob,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { describeWithRef, REPO_ROOT, refPath } from '../../testing/refData.ts';
import { readDocuments } from '../../core/corpus/readCorpus.ts';
import {
  createPretrainingExamples,
  ORIGINAL_PRETRAINING_DEFAULTS,
  type PretrainingOptions,
} from '../../core/examples/createPretrainingData.ts';
import type { MaskedExample } from '../../core/examples/maskedExample.ts';
import { documentsToText, syntheticDocuments, syntheticVocabText } from '../../testing/syntheticCorpus.ts';
import { BertTokenizer } from '../../core/tokenizer/bertTokenizer.ts';
import { recordToMaskedExample } from '../../core/tfrecord/pretrainingRecord.ts';
import { readRecords } from '../../core/tfrecord/recordReader.ts';
import { parseFlags } from '../args.ts';
import command, { originalOutputName } from './create_pretraining_data.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'create-pretraining-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const vocabFile = path.join(dir, 'vocab.txt');
writeFileSync(vocabFile, syntheticVocabText());
const tokenizer = BertTokenizer.fromVocabText(syntheticVocabText());

/** Runs the command in this process with the flags parsed as main.ts parses them; returns stderr. */
async function runCommand(argv: string[]): Promise<{ stderr: string; error: Error | null }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
    return true;
  });
  let error: Error | null = null;
  try {
    await command.run(parseFlags(argv, command.flags));
  } catch (err) {
    error = err as Error;
  } finally {
    spy.mockRestore();
  }
  return { stderr, error };
}

async function readExamples(file: string): Promise<MaskedExample[]> {
  const out: MaskedExample[] = [];
  let k = 0;
  for await (const rec of readRecords(await openAsBlob(file), { name: file }))
    out.push(recordToMaskedExample(rec, `${file} record ${k++}`));
  return out;
}

/** The examples the core builds in-process from the same files (the CLI's defaults: the original's), for comparison. */
async function expected(files: string[], opts: Partial<PretrainingOptions>): Promise<MaskedExample[]> {
  const o = { ...ORIGINAL_PRETRAINING_DEFAULTS, ...opts };
  async function* docs() {
    for (const f of files)
      yield* readDocuments(await openAsBlob(f), { name: f, json: { minFieldChars: o.minDocumentChars } });
  }
  const out: MaskedExample[] = [];
  for await (const ex of createPretrainingExamples(docs(), tokenizer, o)) out.push(ex);
  return out;
}

/** Field-by-field plain arrays, so that views and copies compare equal. */
function plain(ex: MaskedExample) {
  return {
    inputIds: Array.from(ex.inputIds),
    inputMask: Array.from(ex.inputMask),
    segmentIds: Array.from(ex.segmentIds),
    maskedLmPositions: Array.from(ex.maskedLmPositions),
    maskedLmIds: Array.from(ex.maskedLmIds),
    maskedLmWeights: Array.from(ex.maskedLmWeights),
    nextSentenceLabel: ex.nextSentenceLabel,
  };
}

describe('create_pretraining_data command', () => {
  const corpusA = path.join(dir, 'corpus_a.txt');
  const corpusB = path.join(dir, 'corpus_b.txt');
  writeFileSync(corpusA, documentsToText(syntheticDocuments(10, 25)));
  writeFileSync(corpusB, documentsToText(syntheticDocuments(11, 25)));

  it('writes the core examples round-robin into the output files, readable back, with a summary', async () => {
    const out1 = path.join(dir, 'out1.tfrecord');
    const out2 = path.join(dir, 'out2.tfrecord');
    const { stderr, error } = await runCommand([
      `--input_file=${path.join(dir, 'corpus_*.txt')}`,
      `--output_file=${out1},${out2}`,
      `--vocab_file=${vocabFile}`,
      '--do_whole_word_mask',
      '--max_seq_length=64',
      '--max_predictions_per_seq=10',
      '--dupe_factor=2',
      '--random_seed=3',
    ]);
    expect(error).toBeNull();
    const want = await expected([corpusA, corpusB], {
      doWholeWordMask: true,
      maxSeqLength: 64,
      maxPredictionsPerSeq: 10,
      dupeFactor: 2,
      randomSeed: 3,
    });
    expect(want.length).toBeGreaterThan(50);
    const [a, b] = [await readExamples(out1), await readExamples(out2)];
    expect(a.length).toBe(Math.ceil(want.length / 2));
    expect(b.length).toBe(Math.floor(want.length / 2));
    const got = want.map((_, k) => (k % 2 === 0 ? a[k >> 1] : b[k >> 1]));
    expect(got.map(plain)).toEqual(want.map(plain));
    expect(stderr).toContain('*** Example ***');
    expect(stderr).toMatch(/tokens: \[CLS\] .*\[SEP\]/);
    expect(stderr).toMatch(
      new RegExp(`done: 50 documents, ${want.length} examples, \\d+ bytes written to 2 file\\(s\\) in [\\d.]+ s`),
    );
  });

  it('bert mode writes next_sentence_labels of both kinds', async () => {
    const out = path.join(dir, 'bert.tfrecord');
    const { error } = await runCommand([
      `--input_file=${corpusA}`,
      `--output_file=${out}`,
      `--vocab_file=${vocabFile}`,
      '--mode=bert',
      '--dupe_factor=2',
    ]);
    expect(error).toBeNull();
    const got = await readExamples(out);
    expect(got.map(plain)).toEqual((await expected([corpusA], { mode: 'bert', dupeFactor: 2 })).map(plain));
    expect(new Set(got.map((e) => e.nextSentenceLabel))).toEqual(new Set([0, 1]));
  });

  it('names the file and byte offset of a bad corpus and keeps every example built before it', async () => {
    const bad = path.join(dir, 'bad.txt');
    // About 100 kB of valid UTF-8 documents (past the encoding-detection sample), then a byte
    // that is neither UTF-8 nor GB18030.
    let good = '';
    for (let seed = 100; Buffer.byteLength(good) < 100_000; seed++)
      good += documentsToText(syntheticDocuments(seed, 10)) + '\n';
    writeFileSync(bad, Buffer.concat([Buffer.from(good), Buffer.from('中国经济\n\n北京'), Buffer.from([0xff, 0x0a])]));
    const out = path.join(dir, 'bad.tfrecord');
    const { error } = await runCommand([
      `--input_file=${bad}`,
      `--output_file=${out}`,
      `--vocab_file=${vocabFile}`,
      '--dupe_factor=1',
    ]);
    expect(error).not.toBeNull();
    expect(error!.message).toContain(bad);
    expect(error!.message).toMatch(/byte \d+/);
    expect(error!.message).toMatch(/examples built before this error were written to .*bad\.tfrecord\.partial/);
    // nothing complete-looking is left at the final name; what was built is in the .partial file
    expect(existsSync(out)).toBe(false);
    const got = await readExamples(`${out}.partial`);
    expect(got.length).toBeGreaterThan(100);
    // Exactly the examples of the documents before the bad byte.
    const goodFile = path.join(dir, 'good.txt');
    writeFileSync(goodFile, good);
    expect(got.map(plain)).toEqual((await expected([goodFile], { dupeFactor: 1 })).map(plain));
  });

  it('rejects bad flags and missing files clearly', async () => {
    const out = path.join(dir, 'x.tfrecord');
    const base = [`--output_file=${out}`, `--vocab_file=${vocabFile}`];
    expect((await runCommand([`--input_file=${corpusA}`, ...base, '--mode=xlnet'])).error?.message).toMatch(/--mode/);
    expect((await runCommand([`--input_file=${corpusA}`, ...base, '--max_seq_length=2'])).error?.message).toMatch(
      /--max_seq_length/,
    );
    expect((await runCommand([`--input_file=${path.join(dir, 'missing.txt')}`, ...base])).error?.message).toMatch(
      /missing\.txt/,
    );
  });

  describe("the original's --input_dir / --output_dir", () => {
    const inputDir = path.join(dir, 'wiki');
    mkdirSync(inputDir);
    mkdirSync(path.join(inputDir, 'sub'));
    const names = ['a.json', 'b.txt', 'c.json'];
    // JSON lines as the original read them: title and content fields, each a document
    const jsonl = (seed: number) =>
      syntheticDocuments(seed, 12)
        .map((d) => JSON.stringify({ title: d[0], content: d.slice(1).join('<eop>'), id: seed }))
        .join('\n');
    writeFileSync(path.join(inputDir, 'a.json'), jsonl(21));
    writeFileSync(path.join(inputDir, 'b.txt'), documentsToText(syntheticDocuments(22, 12)));
    writeFileSync(path.join(inputDir, 'c.json'), jsonl(23));
    const flags = [
      `--vocab_file=${vocabFile}`,
      '--max_seq_length=64',
      '--max_predictions_per_seq=10',
      '--dupe_factor=2',
    ];

    it('writes one <folder>_<name>.tfrecord per input file, each seeded with --random_seed as the original', async () => {
      const out = path.join(dir, 'out_dir_1');
      const { stderr, error } = await runCommand([
        `--input_dir=${inputDir}`,
        `--output_dir=${out}`,
        '--max_workers=1',
        ...flags,
      ]);
      expect(error).toBeNull();
      expect(stderr).toContain('skipping sub (not files)');
      expect(readdirSync(out).sort()).toEqual(['wiki_a.tfrecord', 'wiki_b.tfrecord', 'wiki_c.tfrecord']);
      for (const name of names) {
        const want = await expected([path.join(inputDir, name)], {
          maxSeqLength: 64,
          maxPredictionsPerSeq: 10,
          dupeFactor: 2,
        });
        expect(want.length).toBeGreaterThan(10);
        const got = await readExamples(path.join(out, originalOutputName(inputDir, name)));
        expect(got.map(plain)).toEqual(want.map(plain));
      }
    });

    it('--max_workers runs worker threads and writes the same bytes as one worker', async () => {
      const one = path.join(dir, 'out_dir_1w');
      const three = path.join(dir, 'out_dir_3w');
      expect(
        (await runCommand([`--input_dir=${inputDir}`, `--output_dir=${one}`, '--max_workers=1', ...flags])).error,
      ).toBeNull();
      const r = await runCommand([`--input_dir=${inputDir}`, `--output_dir=${three}`, '--max_workers=3', ...flags]);
      expect(r.error).toBeNull();
      expect(r.stderr).toContain('3 job(s) on 3 worker threads');
      const threads = new Set([...r.stderr.matchAll(/\(thread (\d+)\)/g)].map((m) => m[1]));
      expect(threads.size).toBe(3);
      expect(threads.has('0')).toBe(false);
      for (const f of readdirSync(one))
        expect(readFileSync(path.join(three, f)).equals(readFileSync(path.join(one, f)))).toBe(true);
    });

    it('--params picks the JSON fields; --ramdom_next is accepted with a note', async () => {
      const out = path.join(dir, 'out_params');
      const r = await runCommand([
        `--input_dir=${inputDir}`,
        `--output_dir=${out}`,
        '--params=content',
        '--ramdom_next=True',
        '--max_workers=1',
        ...flags,
      ]);
      expect(r.error).toBeNull();
      expect(r.stderr).toContain(
        "--ramdom_next is accepted and ignored: the original's algorithm never drew a random next sentence",
      );
      const contentOnly = path.join(dir, 'content_only.jsonl');
      writeFileSync(
        contentOnly,
        readFileSync(path.join(inputDir, 'a.json'), 'utf8')
          .split('\n')
          .map((l) => JSON.stringify({ text: JSON.parse(l).content }))
          .join('\n'),
      );
      const want = await expected([contentOnly], { maxSeqLength: 64, maxPredictionsPerSeq: 10, dupeFactor: 2 });
      expect((await readExamples(path.join(out, 'wiki_a.tfrecord'))).map(plain)).toEqual(want.map(plain));
      const missing = await runCommand([`--input_dir=${inputDir}`, `--output_dir=${out}`, '--params=body', ...flags]);
      expect(missing.error?.message).toMatch(
        /a\.json: JSON object has no "body" field \(--params; it has: title, content, id\) \(line 1, byte 0\)/,
      );
      // the failed files left only .partial files, the final names are still the earlier run's
      expect(readdirSync(out).filter((f) => f.endsWith('.partial')).length).toBeGreaterThan(0);
    });

    it('needs --output_dir with --input_dir, and one of the two ways', async () => {
      expect((await runCommand([`--input_dir=${inputDir}`, ...flags])).error?.message).toBe(
        '--input_dir needs --output_dir',
      );
      expect((await runCommand([...flags])).error?.message).toMatch(/give either --input_dir .* or --input_file/);
      // two inputs that the original's naming maps to one output: an error before any work
      const clashDir = path.join(dir, 'clash');
      mkdirSync(clashDir);
      writeFileSync(path.join(clashDir, 'a.json'), '{"title": "t", "content": "c"}\n');
      writeFileSync(path.join(clashDir, 'a.txt'), 'text\n');
      const clashOut = path.join(dir, 'clash_out');
      expect(
        (await runCommand([`--input_dir=${clashDir}/`, `--output_dir=${clashOut}`, ...flags])).error?.message,
      ).toBe('--input_dir: a.json and a.txt would both be written to clash_a.tfrecord');
      expect(existsSync(clashOut)).toBe(false);
      expect(
        (await runCommand([`--input_dir=${path.join(dir, 'nope')}`, `--output_dir=${dir}`, ...flags])).error?.message,
      ).toMatch(/--input_dir .*nope: ENOENT/);
    });
  });

  it('a killed run leaves only a .partial file, never a complete-looking one', async () => {
    const big = path.join(dir, 'big.txt');
    let text = '';
    for (let seed = 500; Buffer.byteLength(text) < 3_000_000; seed++)
      text += `${documentsToText(syntheticDocuments(seed, 50))}\n`;
    writeFileSync(big, text);
    const out = path.join(dir, 'killed.tfrecord');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'create_pretraining_data',
        `--input_file=${big}`,
        `--output_file=${out}`,
        `--vocab_file=${vocabFile}`,
        '--max_seq_length=64',
      ],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // wait until it has written its first chunk to the .partial file, then kill it
    for (let t = 0; t < 600 && !(existsSync(`${out}.partial`) && statSync(`${out}.partial`).size > 0); t++)
      await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(`${out}.partial`)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(out)).toBe(false);
  }, 90_000);

  it('runs through the CLI entry point', () => {
    const out = path.join(dir, 'cli.tfrecord');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'create_pretraining_data',
        `--input_file=${corpusA}`,
        `--output_file=${out}`,
        `--vocab_file=${vocabFile}`,
        '--dupe_factor=1',
      ],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(r.stderr).toMatch(/done: 25 documents, \d+ examples/);
    expect(r.status).toBe(0);
    expect(readFileSync(out).length).toBeGreaterThan(1000);
    const help = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'create_pretraining_data', '--help'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    expect(help.stdout).toContain('--doc_stride');
    expect(help.stdout).toMatch(/ALL documents in memory/);
  });
});

describeWithRef('create_pretraining_data on ../shared/ref/corpus-zh', () => {
  it('writes whole-word-masked examples of news_zh_1.txt with the real vocabulary', async () => {
    const out = path.join(dir, 'news.tfrecord');
    const { error, stderr } = await runCommand([
      `--input_file=${refPath('corpus-zh', 'news_zh_1.txt')}`,
      `--output_file=${out}`,
      `--vocab_file=${refPath('vocab-bert-chinese', 'vocab.txt')}`,
      '--do_whole_word_mask',
      '--max_seq_length=128',
      '--dupe_factor=2',
    ]);
    expect(error).toBeNull();
    const got = await readExamples(out);
    expect(got.length).toBeGreaterThan(50);
    expect(stderr).toContain(`${got.length} examples`);
    const tok = BertTokenizer.fromVocabText(readFileSync(refPath('vocab-bert-chinese', 'vocab.txt'), 'utf8'));
    for (const ex of got) {
      expect(ex.inputIds.length).toBe(128);
      expect(ex.maskedLmPositions.length).toBe(20);
      expect(ex.inputIds[0]).toBe(tok.clsId);
      expect(Array.from(ex.maskedLmIds)).not.toContain(tok.unkId);
    }
  });
});
