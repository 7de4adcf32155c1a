/**
 * The TPU flags of the original scripts and Google BERT's (TPUEstimator's): accepted so that an
 * old command line runs with the same words, and ignored, since this runs on tfjs (wasm or
 * cpu). None has a default here, so a run can tell which were given and say so once.
 */
import type { FlagSpecs } from './args.ts';

const IGNORED = 'Accepted and ignored (TPUEstimator only; this runs on tfjs).';

export const TPU_FLAGS = {
  use_tpu: { type: 'bool', help: `Whether to use a TPU (Google BERT's name). ${IGNORED}` },
  tpu: { type: 'bool', help: `Whether to use a TPU (create_teacher_output_data.py's name). ${IGNORED}` },
  tpu_name: { type: 'string', help: `The Cloud TPU to use. ${IGNORED}` },
  tpu_zone: { type: 'string', help: `GCE zone of the Cloud TPU. ${IGNORED}` },
  gcp_project: { type: 'string', help: `Project of the Cloud TPU. ${IGNORED}` },
  master: { type: 'string', help: `TensorFlow master URL. ${IGNORED}` },
  num_tpu_cores: { type: 'int', help: `TPU cores (the original's default: 8). ${IGNORED}` },
  iterations_per_loop: { type: 'int', help: `Steps per TPU loop (the original's default: 1000). ${IGNORED}` },
} as const satisfies FlagSpecs;

/** The one-line note about the TPU flags given, or null when none was. */
export function ignoredTpuFlagsNote(flags: Readonly<Record<string, unknown>>): string | null {
  const given = Object.keys(TPU_FLAGS).filter((name) => flags[name] !== undefined);
  if (given.length === 0) return null;
  return `note: ${given.map((n) => `--${n}`).join(', ')} accepted and ignored: TPU flags do nothing here (this runs on tfjs)`;
}
