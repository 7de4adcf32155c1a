/**
 * Flag parsing in the style of the original TensorFlow scripts (absl/tf.flags):
 * `--name=value`, `--name value`, bare `--flag` meaning true, `--noflag` meaning false.
 */
export type FlagType = 'string' | 'int' | 'float' | 'bool' | 'list';

export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: string | number | boolean;
  required?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type FlagValues = Record<string, string | number | boolean | undefined>;

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
      return raw;
  }
}

/** Parses argv against the specs; unknown flags are an error that names them. */
export function parseFlags(argv: string[], specs: FlagSpecs): FlagValues {
  const out: FlagValues = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.default !== undefined) out[name] = spec.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (flags look like --name=value)`);
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    let name = eq >= 0 ? body.slice(0, eq) : body;
    let raw: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    let spec = specs[name];
    if (!spec && raw === undefined && name.startsWith('no') && specs[name.slice(2)]?.type === 'bool') {
      name = name.slice(2);
      spec = specs[name];
      raw = 'false';
    }
    if (!spec) {
      const known = Object.keys(specs)
        .map((k) => `--${k}`)
        .join(', ');
      throw new UsageError(`unknown flag --${name}; this command takes: ${known}`);
    }
    if (raw === undefined) {
      if (spec.type === 'bool') raw = 'true';
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) raw = argv[++i];
      else throw new UsageError(`--${name} needs a value`);
    }
    out[name] = parseValue(name, spec, raw);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && out[name] === undefined) throw new UsageError(`--${name} is required: ${spec.help}`);
  }
  return out;
}

/** Help text listing every flag with its default. */
export function formatHelp(command: string, description: string, specs: FlagSpecs): string {
  const lines = [`Usage: npm run --silent cli -- ${command} [--flag=value ...]`, '', description, '', 'Flags:'];
  for (const [name, spec] of Object.entries(specs)) {
    const def = spec.default !== undefined ? ` (default: ${String(spec.default)})` : spec.required ? ' (required)' : '';
    lines.push(`  --${name}=<${spec.type}>${def}`);
    lines.push(`      ${spec.help}`);
  }
  return lines.join('\n');
}

/** Splits a comma-separated list flag ("0,1,2") into trimmed non-empty items. */
export function listFlag(v: string | number | boolean | undefined): string[] {
  if (v === undefined || v === '') return [];
  return String(v)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
