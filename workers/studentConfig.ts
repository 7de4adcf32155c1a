/** The config of a student, from its teacher's config and the student spec the page chose. */
import { parseBertConfig, type BertConfig } from '../src/core/model/config.ts';
import type { StudentSpec } from '../src/contract/jobs.ts';

/** The student's config from the teacher's and the spec (validated by core when built). */
export function studentConfig(teacher: BertConfig, spec: StudentSpec): BertConfig {
  if (spec.kind === 'layers') {
    const bad = spec.layers.filter((l) => l < 0 || l >= teacher.num_hidden_layers);
    if (bad.length)
      throw new Error(
        `the teacher has layers 0..${teacher.num_hidden_layers - 1}; there is no layer ${bad.join(', ')}`,
      );
    return { ...teacher, num_hidden_layers: spec.layers.length };
  }
  return parseBertConfig(
    {
      ...teacher,
      num_hidden_layers: spec.num_hidden_layers,
      hidden_size: spec.hidden_size,
      num_attention_heads: spec.num_attention_heads,
      intermediate_size: spec.intermediate_size,
    },
    'student config',
  );
}
