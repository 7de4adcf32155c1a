import { type FlagSpecs, type FlagsOf, type FlagValues, resolveFlags } from './args.ts';

/**
 * One CLI command. Each lives in src/cli/commands/<name>.ts and default-exports
 * this shape (made with `defineCommand`); main.ts finds it by name, so adding a
 * command touches no registry.
 */
export interface Command {
  description: string;
  flags: FlagSpecs;
  /** Runs tfjs: main.ts then starts a backend first (wasm, or --tfjs_backend=cpu). */
  usesTensors?: boolean;
  /** Runs with flag values by name (checked against `flags`, defaults filled in, before the command sees them). */
  run(flags: FlagValues): Promise<void>;
}

/** A command as written: its run gets values typed by its own flag specs. */
export interface CommandDefinition<S extends FlagSpecs> {
  description: string;
  flags: S;
  usesTensors?: boolean;
  run(flags: FlagsOf<S>): Promise<void>;
}

/**
 * Makes a Command from a definition whose `run` reads `flags.max_seq_length` as the
 * number its spec says, with no casts: the values are checked against the specs first.
 */
export function defineCommand<const S extends FlagSpecs>(def: CommandDefinition<S>): Command {
  return {
    description: def.description,
    flags: def.flags,
    usesTensors: def.usesTensors,
    run: async (values) => def.run(resolveFlags(values, def.flags)),
  };
}
