/**
 * Flag parsing in the style of the original TensorFlow scripts (absl/tf.flags):
 * `--name=value`, `--name value`, bare `--flag` meaning true, `--noflag` meaning false.
 * The specs are typed (src/core/options/flagSpec.ts): `parseFlags(argv, specs)` returns
 * `FlagsOf<typeof specs>`, each value of its flag's type, defaults filled in and bounds checked.
 */
import {
  choiceFromName,
  choiceName,
  flagBounds,
  flagValueProblem,
  type FlagSpec,
  type FlagSpecs,
  type FlagsOf,
} from '../core/options/flagSpec.ts';

export type { FlagSpec, FlagSpecs, FlagsOf, FlagType } from '../core/options/flagSpec.ts';

/** Flag values of no particular spec (what a command's run gets before they are checked). */
export type FlagValues = Readonly<Record<string, string | number | boolean | undefined>>;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function parseValue(name: string, spec: FlagSpec, raw: string): string | number | boolean {
  switch (spec.type) {
    case 'int': {
      if (!/^[-+]?\d+$/.test(raw.trim())) throw new UsageError(`--${name} expects an integer, got "${raw}"`);
      return Number.parseInt(raw, 10);
    }
    case 'float': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} expects a number, got "${raw}"`);
      return v;
    }
    case 'bool': {
      const s = raw.toLowerCase();
      if (['true', '1', 'yes', 't'].includes(s)) return true;
      if (['false', '0', 'no', 'f'].includes(s)) return false;
      throw new UsageError(`--${name} expects true or false, got "${raw}"`);
    }
    default:
      return choiceFromName(spec, raw);
  }
}

function unknownFlag(name: string, specs: FlagSpecs): UsageError {
  const known = Object.keys(specs)
    .map((k) => `--${k}`)
    .join(', ');
  return new UsageError(`unknown flag --${name}; this command takes: ${known}`);
}

/**
 * Checks flag values against their specs and fills in the defaults: an unknown name, a
 * missing required flag, a value of the wrong type or out of its spec's bounds is a
 * UsageError naming the flag.
 */
export function resolveFlags<const S extends FlagSpecs>(values: FlagValues, specs: S): FlagsOf<S> {
  for (const name of Object.keys(values)) if (!Object.hasOwn(specs, name)) throw unknownFlag(name, specs);
  const out: Record<string, string | number | boolean> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const v = values[name] ?? spec.default;
    if (v === undefined || (spec.required && v === '')) {
      if (spec.required) throw new UsageError(`--${name} is required: ${spec.help}`);
      continue;
    }
    const problem = flagValueProblem(name, spec, v);
    if (problem) throw new UsageError(problem);
    out[name] = v;
  }
  // Every value was checked against its spec above, which is what FlagsOf<S> states.
  return out as FlagsOf<S>;
}

/** Parses argv against the specs; unknown flags are an error that names them. */
export function parseFlags<const S extends FlagSpecs>(argv: readonly string[], specs: S): FlagsOf<S> {
  const given: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (flags look like --name=value)`);
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    let name = eq >= 0 ? body.slice(0, eq) : body;
    let raw: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    let spec: FlagSpec | undefined = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec && raw === undefined && name.startsWith('no') && specs[name.slice(2)]?.type === 'bool') {
      name = name.slice(2);
      spec = specs[name];
      raw = 'false';
    }
    if (!spec) throw unknownFlag(name, specs);
    if (raw === undefined) {
      if (spec.type === 'bool') raw = 'true';
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) raw = argv[++i];
      else throw new UsageError(`--${name} needs a value`);
    }
    given[name] = parseValue(name, spec, raw);
  }
  return resolveFlags(given, specs);
}

/** Help text listing every flag with its default, choices and bounds. */
export function formatHelp(command: string, description: string, specs: FlagSpecs): string {
  const lines = [`Usage: npm run --silent cli -- ${command} [--flag=value ...]`, '', description, '', 'Flags:'];
  for (const [name, spec] of Object.entries(specs)) {
    const def =
      spec.default !== undefined
        ? ` (default: ${typeof spec.default === 'string' ? choiceName(spec, spec.default) : String(spec.default)})`
        : spec.required
          ? ' (required)'
          : '';
    const kind = spec.type !== 'bool' && spec.type !== 'int' && spec.type !== 'float' && spec.choices;
    const bounds = flagBounds(spec);
    lines.push(
      `  --${name}=<${kind ? kind.map((c) => choiceName(spec, c)).join('|') : spec.type}>${def}${bounds ? ` [${bounds}]` : ''}`,
    );
    lines.push(`      ${spec.help}`);
  }
  return lines.join('\n');
}

/** Splits a comma-separated list flag ("0,1,2") into trimmed non-empty items. */
export function listFlag(v: string | undefined): string[] {
  if (v === undefined || v === '') return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
