import { spawn } from 'node:child_process';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { REPO_ROOT } from '../testing/refData.ts';
import { type FlagSpecs, formatHelp, listFlag, parseFlags, resolveFlags, UsageError } from './args.ts';
import { defineCommand } from './command.ts';
import createTeacherOutputData from './commands/create_teacher_output_data.ts';
import runDistill from './commands/run_distill.ts';
import { PRETRAINING_FLAGS, pretrainingOptionsFromFlags } from '../core/options/pretrainingFlags.ts';
import { DISTILL_LOSS_FLAGS, lossFromFlags } from '../core/options/distillFlags.ts';

const SPECS = {
  name: { type: 'string', required: true, help: 'a required string' },
  note: { type: 'string', help: 'an optional string' },
  mode: { type: 'string', default: 'seed', choices: ['seed', 'bert'], help: 'one of two' },
  ids: { type: 'list', help: 'a list' },
  steps: { type: 'int', default: 10, min: 1, help: 'an int with a default and a bound' },
  warmup: { type: 'int', help: 'an optional int' },
  rate: { type: 'float', default: 0.5, min: 0, max: 1, help: 'a float in [0, 1]' },
  temperature: { type: 'float', greaterThan: 0, help: 'an optional float > 0' },
  fraction: { type: 'float', default: 0.01, min: 0, lessThan: 1, help: 'a float in [0, 1)' },
  lower: { type: 'bool', default: true, help: 'a bool with a default' },
  train: { type: 'bool', help: 'an optional bool' },
} as const satisfies FlagSpecs;

function usageError(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('choices written under another name (choiceNames)', () => {
  const NAMED = {
    mode: { type: 'string', default: 'seed', choices: ['seed', 'bert'], choiceNames: { seed: 'original' }, help: 'h' },
  } as const satisfies FlagSpecs;

  it('reads the name and the choice itself as the choice', () => {
    expect(parseFlags(['--mode=original'], NAMED)).toEqual({ mode: 'seed' });
    expect(parseFlags(['--mode', 'original'], NAMED)).toEqual({ mode: 'seed' });
    expect(parseFlags(['--mode=seed'], NAMED)).toEqual({ mode: 'seed' });
    expect(parseFlags(['--mode=bert'], NAMED)).toEqual({ mode: 'bert' });
  });

  it('writes the name in --help and in the error for a bad value', () => {
    const help = formatHelp('x', 'd', NAMED);
    expect(help).toContain('--mode=<original|bert> (default: original)');
    expect(help).not.toMatch(/seed/);
    expect(usageError(() => parseFlags(['--mode=xlnet'], NAMED))).toBe(
      '--mode must be one of original, bert, got "xlnet"',
    );
  });

  it('calls the original 2020 scripts\' mode and loss "original" in create_pretraining_data and run_distill', () => {
    expect(pretrainingOptionsFromFlags(parseFlags(['--mode=original'], PRETRAINING_FLAGS)).mode).toBe('seed');
    expect(lossFromFlags(parseFlags(['--loss=original'], DISTILL_LOSS_FLAGS)).preset).toBe('seed');
    for (const specs of [PRETRAINING_FLAGS, DISTILL_LOSS_FLAGS]) {
      const help = formatHelp('x', 'd', specs);
      expect(help).toMatch(/=<original\|/);
      // "seed" is left only where it means a random seed
      expect(help.replace(/random[ _]seed/gi, '')).not.toMatch(/seed/i);
    }
  });
});

describe('parseFlags', () => {
  it('types its values from the specs', () => {
    const f = parseFlags(['--name=x'], SPECS);
    expectTypeOf(f).toEqualTypeOf<{
      name: string;
      mode: 'seed' | 'bert';
      steps: number;
      rate: number;
      fraction: number;
      lower: boolean;
      note?: string | undefined;
      ids?: string | undefined;
      warmup?: number | undefined;
      temperature?: number | undefined;
      train?: boolean | undefined;
    }>();
    // the run of a defined command gets the same type
    defineCommand({
      description: 'd',
      flags: SPECS,
      async run(flags) {
        expectTypeOf(flags.steps).toEqualTypeOf<number>();
        expectTypeOf(flags.warmup).toEqualTypeOf<number | undefined>();
        expectTypeOf(flags.mode).toEqualTypeOf<'seed' | 'bert'>();
      },
    });
  });

  it('fills in defaults and leaves optional flags out', () => {
    expect(parseFlags(['--name=x'], SPECS)).toEqual({
      name: 'x',
      mode: 'seed',
      steps: 10,
      rate: 0.5,
      fraction: 0.01,
      lower: true,
    });
  });

  it('gives values of their spec types: ints, floats, bools (--flag, --noflag, =false), lists as strings', () => {
    const f = parseFlags(
      [
        '--name',
        'y',
        '--steps=7',
        '--rate=2.5e-1',
        '--temperature',
        '2',
        '--nolower',
        '--train',
        '--ids=1,2, 3',
        '--mode=bert',
        '--warmup=-3',
      ],
      SPECS,
    );
    expect(f).toEqual({
      name: 'y',
      steps: 7,
      rate: 0.25,
      temperature: 2,
      lower: false,
      train: true,
      ids: '1,2, 3',
      mode: 'bert',
      warmup: -3,
      fraction: 0.01,
    });
    expect(typeof f.steps).toBe('number');
    expect(listFlag(f.ids)).toEqual(['1', '2', '3']);
    expect(parseFlags(['--name=x', '--lower=false', '--train=0'], SPECS)).toMatchObject({ lower: false, train: false });
  });

  it('names the flag of a malformed value', () => {
    expect(usageError(() => parseFlags(['--name=x', '--steps=1.5'], SPECS))).toBe(
      '--steps expects an integer, got "1.5"',
    );
    expect(usageError(() => parseFlags(['--name=x', '--rate=abc'], SPECS))).toBe('--rate expects a number, got "abc"');
    expect(usageError(() => parseFlags(['--name=x', '--lower=maybe'], SPECS))).toBe(
      '--lower expects true or false, got "maybe"',
    );
    expect(usageError(() => parseFlags(['--name=x', '--steps'], SPECS))).toBe('--steps needs a value');
    expect(usageError(() => parseFlags(['--name=x', '--mode=xlnet'], SPECS))).toBe(
      '--mode must be one of seed, bert, got "xlnet"',
    );
  });

  it('rejects unknown flags, stray arguments and missing or empty required flags', () => {
    expect(usageError(() => parseFlags(['--name=x', '--stepz=1'], SPECS))).toMatch(/^unknown flag --stepz; .*--steps/);
    expect(usageError(() => parseFlags(['--name=x', 'extra'], SPECS))).toMatch(/unexpected argument "extra"/);
    expect(usageError(() => parseFlags([], SPECS))).toBe('--name is required: a required string');
    expect(usageError(() => parseFlags(['--name='], SPECS))).toBe('--name is required: a required string');
    // --no<x> is only the negation of a bool flag
    expect(usageError(() => parseFlags(['--name=x', '--nosteps'], SPECS))).toMatch(/^unknown flag --nosteps/);
  });

  it("checks the specs' bounds, naming the flag", () => {
    const bad = (...argv: string[]) => usageError(() => parseFlags(['--name=x', ...argv], SPECS));
    expect(bad('--steps=0')).toBe('--steps must be at least 1, got 0');
    expect(bad('--steps=-4')).toBe('--steps must be at least 1, got -4');
    expect(bad('--rate=-0.1')).toBe('--rate must be at least 0, got -0.1');
    expect(bad('--rate=1.5')).toBe('--rate must be at most 1, got 1.5');
    expect(bad('--temperature=0')).toBe('--temperature must be greater than 0, got 0');
    expect(bad('--fraction=1')).toBe('--fraction must be less than 1, got 1');
    // the bounds themselves are allowed
    expect(parseFlags(['--name=x', '--steps=1', '--rate=0', '--fraction=0'], SPECS)).toMatchObject({
      steps: 1,
      rate: 0,
      fraction: 0,
    });
  });
});

describe('resolveFlags and defineCommand', () => {
  it('check values given as an object as parseFlags checks argv', () => {
    expect(resolveFlags({ name: 'x', steps: 3 }, SPECS)).toEqual(parseFlags(['--name=x', '--steps=3'], SPECS));
    expect(usageError(() => resolveFlags({ name: 'x', steps: 2.5 }, SPECS))).toBe(
      '--steps expects an integer, got 2.5',
    );
    expect(usageError(() => resolveFlags({ name: 'x', lower: 'yes' }, SPECS))).toBe(
      '--lower expects true or false, got "yes"',
    );
    expect(usageError(() => resolveFlags({ name: 'x', other: 1 }, SPECS))).toMatch(/^unknown flag --other/);
  });

  it('a command runs on checked values with defaults, and rejects bad ones', async () => {
    const seen: unknown[] = [];
    const command = defineCommand({
      description: 'd',
      flags: SPECS,
      async run(flags) {
        seen.push(flags);
      },
    });
    await command.run({ name: 'x' });
    expect(seen).toEqual([parseFlags(['--name=x'], SPECS)]);
    await expect(command.run({ name: 'x', steps: 0 })).rejects.toThrow(/--steps must be at least 1, got 0/);
    await expect(command.run({})).rejects.toBeInstanceOf(UsageError);
    expect(seen.length).toBe(1);
  });

  it('help lists defaults, choices and bounds', () => {
    const help = formatHelp('x', 'what x does', SPECS);
    expect(help).toContain('--mode=<seed|bert> (default: seed)');
    expect(help).toContain('--steps=<int> (default: 10) [≥ 1]');
    expect(help).toContain('--fraction=<float> (default: 0.01) [≥ 0 and < 1]');
    expect(help).toContain('--name=<string> (required)');
  });
});

/** Runs the CLI; resolves to its exit status and stderr. */
function cli(...argv: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...argv], { cwd: REPO_ROOT });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe("the commands' flags out of bounds", () => {
  // Files that do not exist: the flags are checked before anything is read.
  const distill = ['--bert_config_file=none.json', '--input_file=none.tfrecord', '--output_dir=none', '--do_train'];
  const teacher = [
    '--bert_config_file=none.json',
    '--init_checkpoint=none',
    '--input_file=none.tfrecord',
    '--output_file=none.out',
  ];

  it('are usage errors naming the flag: batch sizes below 1, a negative learning rate', () => {
    for (const [flag, want] of [
      ['--train_batch_size=0', '--train_batch_size must be at least 1, got 0'],
      ['--train_batch_size=-8', '--train_batch_size must be at least 1, got -8'],
      ['--eval_batch_size=0', '--eval_batch_size must be at least 1, got 0'],
      ['--learning_rate=-1e-4', '--learning_rate must be at least 0, got -0.0001'],
      ['--gradient_accumulation_steps=0', '--gradient_accumulation_steps must be at least 1, got 0'],
      ['--held_out_fraction=1', '--held_out_fraction must be less than 1, got 1'],
      ['--temperature=0', '--temperature must be greater than 0, got 0'],
      ['--alpha_ce=-1', '--alpha_ce must be at least 0, got -1'],
      ['--loss=kd', '--loss must be one of original, distilbert, mlm, got "kd"'],
    ]) {
      expect(usageError(() => parseFlags([...distill, flag], runDistill.flags))).toBe(want);
    }
    expect(usageError(() => parseFlags([...teacher, '--predict_batch_size=0'], createTeacherOutputData.flags))).toBe(
      '--predict_batch_size must be at least 1, got 0',
    );
    expect(usageError(() => parseFlags([...teacher, '--truncation_factor=-1'], createTeacherOutputData.flags))).toBe(
      '--truncation_factor must be at least 1, got -1',
    );
  });

  it('make the CLI exit 2 with the message, before any backend or file work', async () => {
    const [d, t] = await Promise.all([
      cli('run_distill', ...distill, '--train_batch_size=-8'),
      cli('create_teacher_output_data', ...teacher, '--predict_batch_size=0'),
    ]);
    expect(d.stderr).toContain('error: --train_batch_size must be at least 1, got -8');
    expect(d.status).toBe(2);
    expect(t.stderr).toContain('error: --predict_batch_size must be at least 1, got 0');
    expect(t.status).toBe(2);
  });
});
