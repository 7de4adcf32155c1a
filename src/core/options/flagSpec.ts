/**
 * Typed flag specs: the original scripts' flags (absl / tf.flags style) as data that the CLI
 * parses and the page edits. A spec object declared `as const satisfies FlagSpecs` gives,
 * through `FlagsOf<typeof specs>`, the type of its parsed values: 'int' and 'float' are
 * numbers, 'bool' booleans, 'string' and 'list' strings (a `choices` list narrows a string
 * to its items); a flag that is required or has a default is always there, any other one
 * may be undefined.
 *
 * `flagValueProblem` checks one value against its spec (type, integer, choices, bounds) and
 * says what is wrong in words that name the flag, for the CLI's usage errors and the page's
 * form alike. No DOM, no node: this file runs anywhere.
 */

export type FlagType = 'string' | 'int' | 'float' | 'bool' | 'list';

interface FlagSpecCommon {
  /** One or two sentences for --help and for the page's tooltips. */
  help: string;
  /** A short name for a form field. */
  label?: string;
  /** The flag must be given (it has no default). */
  required?: boolean;
}

/** An 'int' or 'float' flag, with optional bounds checked when it is parsed. */
export interface NumberFlagSpec<T extends 'int' | 'float' = 'int' | 'float'> extends FlagSpecCommon {
  type: T;
  default?: number;
  /** smallest value allowed */
  min?: number;
  /** largest value allowed */
  max?: number;
  /** values must be strictly greater than this */
  greaterThan?: number;
  /** values must be strictly less than this */
  lessThan?: number;
}

/** A 'string' flag (optionally one of `choices`) or a comma-separated 'list'. */
export interface TextFlagSpec<T extends 'string' | 'list' = 'string' | 'list'> extends FlagSpecCommon {
  type: T;
  default?: string;
  choices?: readonly string[];
  /**
   * How some choices are written on the command line and in --help, where the core's value is
   * not the word a user should read (core's mode 'seed' is written "original"). Either spelling
   * is accepted; the parsed value is always the choice itself.
   */
  choiceNames?: Readonly<Record<string, string>>;
}

export interface BoolFlagSpec extends FlagSpecCommon {
  type: 'bool';
  default?: boolean;
}

/** The spec of a flag of type T (of any type by default). */
export type FlagSpec<T extends FlagType = FlagType> = T extends 'int' | 'float'
  ? NumberFlagSpec<T>
  : T extends 'bool'
    ? BoolFlagSpec
    : T extends 'string' | 'list'
      ? TextFlagSpec<T>
      : never;

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The value type of one flag. */
export type FlagValueOf<S extends FlagSpec> = S extends { choices: readonly (infer C)[] }
  ? C
  : S extends { type: 'int' | 'float' }
    ? number
    : S extends { type: 'bool' }
      ? boolean
      : string;

type AlwaysThere<S> = S extends { required: true }
  ? true
  : S extends { default: string | number | boolean }
    ? true
    : false;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The parsed values of a spec object: required or defaulted flags always there, others optional. */
export type FlagsOf<S extends FlagSpecs> = Simplify<
  {
    -readonly [K in keyof S as AlwaysThere<S[K]> extends true ? K : never]: FlagValueOf<S[K]>;
  } & {
    -readonly [K in keyof S as AlwaysThere<S[K]> extends true ? never : K]?: FlagValueOf<S[K]> | undefined;
  }
>;

/** What is wrong with `value` as the value of flag `name`, or null when it is fine. */
export function flagValueProblem(name: string, spec: FlagSpec, value: unknown): string | null {
  const flag = `--${name}`;
  switch (spec.type) {
    case 'bool':
      return typeof value === 'boolean' ? null : `${flag} expects true or false, got ${JSON.stringify(value)}`;
    case 'string':
    case 'list': {
      if (typeof value !== 'string') return `${flag} expects a string, got ${JSON.stringify(value)}`;
      if (spec.choices && !spec.choices.includes(value))
        return `${flag} must be one of ${spec.choices.map((c) => choiceName(spec, c)).join(', ')}, got "${value}"`;
      return null;
    }
    case 'int':
    case 'float': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return `${flag} expects a number, got ${JSON.stringify(value)}`;
      if (spec.type === 'int' && !Number.isInteger(value)) return `${flag} expects an integer, got ${value}`;
      if (spec.min !== undefined && value < spec.min) return `${flag} must be at least ${spec.min}, got ${value}`;
      if (spec.max !== undefined && value > spec.max) return `${flag} must be at most ${spec.max}, got ${value}`;
      if (spec.greaterThan !== undefined && !(value > spec.greaterThan))
        return `${flag} must be greater than ${spec.greaterThan}, got ${value}`;
      if (spec.lessThan !== undefined && !(value < spec.lessThan))
        return `${flag} must be less than ${spec.lessThan}, got ${value}`;
      return null;
    }
  }
}

/** How a choice of a text flag is written on the command line (its `choiceNames` entry, else itself). */
export function choiceName(spec: FlagSpec, choice: string): string {
  return (spec.type === 'string' || spec.type === 'list' ? spec.choiceNames?.[choice] : undefined) ?? choice;
}

/** The choice a command-line word stands for: the choice whose name it is, else the word itself. */
export function choiceFromName(spec: FlagSpec, word: string): string {
  if (spec.type !== 'string' && spec.type !== 'list') return word;
  const named = Object.entries(spec.choiceNames ?? {}).find(([, name]) => name === word);
  return named ? named[0] : word;
}

/** The bounds of a number flag in words ("≥ 1", "> 0 and < 1"), or '' when it has none. */
export function flagBounds(spec: FlagSpec): string {
  if (spec.type !== 'int' && spec.type !== 'float') return '';
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`≥ ${spec.min}`);
  if (spec.greaterThan !== undefined) parts.push(`> ${spec.greaterThan}`);
  if (spec.max !== undefined) parts.push(`≤ ${spec.max}`);
  if (spec.lessThan !== undefined) parts.push(`< ${spec.lessThan}`);
  return parts.join(' and ');
}

/**
 * A row of one of the original scripts' flag tables (src/core/options/*Flags.ts): the flag's
 * spec, the core option it sets (`option`: a key, or a dotted path such as
 * 'schedule.learningRate') and a short label for a form field.
 */
export type OptionFlag<Option extends string = string> = FlagSpec & { option: Option; label: string };

/** A script's flag table, keyed by flag name, in the order its --help lists them. */
export type OptionFlagTable<Option extends string = string> = Readonly<Record<string, OptionFlag<Option>>>;
