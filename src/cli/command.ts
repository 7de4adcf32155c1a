import type { FlagSpecs, FlagValues } from './args.ts';

/**
 * One CLI command. Each lives in src/cli/commands/<name>.ts and default-exports
 * this shape; main.ts finds it by name, so adding a command touches no registry.
 */
export interface Command {
  description: string;
  flags: FlagSpecs;
  /** Runs tfjs: main.ts then starts a backend first (wasm, or --tfjs_backend=cpu). */
  usesTensors?: boolean;
  run(flags: FlagValues): Promise<void>;
}
