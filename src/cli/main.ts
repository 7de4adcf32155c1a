/**
 * The Node CLI over src/core. Commands and flag names are the original
 * TensorFlow scripts' own, so an old command line runs with the same words (the original README's three
 * commands: src/cli/originalReadme.test.ts):
 *   npm run --silent cli -- create_pretraining_data --input_dir=corpus/ --output_dir=examples/ --vocab_file=vocab.txt
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatHelp, parseFlags, UsageError } from './args.ts';
import type { Command } from './command.ts';

const BACKEND_HELP =
  "tfjs backend for the model work: wasm (fast, default: its matrix products on onnxruntime's native kernels on every core; TFJS_NATIVE_MATMUL=0 runs them in wasm, on every core or on TFJS_WASM_THREADS threads) or cpu.";

/** Takes `--tfjs_backend=X` (a flag of every tensor command) out of the command's own flags. */
function takeBackendFlag(argv: string[]): { backend: string; others: string[] } {
  let backend = 'wasm';
  const others: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('--tfjs_backend=')) backend = arg.slice('--tfjs_backend='.length);
    else others.push(arg);
  }
  return { backend, others };
}

const commandsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function loadCommand(name: string): Promise<Command> {
  const mod = (await import(path.join(commandsDir, `${name}.ts`))) as { default: Command };
  return mod.default;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const names = commandNames();
  if (!name || name === '--help' || name === 'help') {
    const lines = ['Usage: npm run --silent cli -- <command> [--flag=value ...]', '', 'Commands:'];
    for (const n of names) lines.push(`  ${n.padEnd(30)} ${(await loadCommand(n)).description.split('\n')[0]}`);
    lines.push('', 'Run a command with --help for its flags.');
    console.log(lines.join('\n'));
    return name ? 0 : 1;
  }
  if (!names.includes(name)) {
    console.error(`error: unknown command "${name}". Commands: ${names.join(', ')}`);
    return 2;
  }
  const command = await loadCommand(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(formatHelp(name, command.description, command.flags));
    if (command.usesTensors) console.log(`  --tfjs_backend=<string> (default: wasm)\n      ${BACKEND_HELP}`);
    return 0;
  }
  try {
    const { backend, others } = command.usesTensors ? takeBackendFlag(rest) : { backend: null, others: rest };
    // Flags are checked before anything starts, so a usage error costs no backend start-up.
    const flags = parseFlags(others, command.flags);
    if (backend !== null) {
      const { selectCliBackend } = await import('./nodeBackend.ts');
      await selectCliBackend(backend);
    }
    await command.run(flags);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n(run with --help for usage)`);
      return 2;
    }
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.DEBUG) console.error(err);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
