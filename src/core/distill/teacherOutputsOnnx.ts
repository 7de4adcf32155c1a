/**
 * The teacher pass through an ONNX runtime (onnxruntime-node in the CLI): the same
 * TeacherOutputBatch as computeTeacherOutputs (teacherOutputs.ts), from the teacher graph
 * bertOnnxModel builds with `teacherTopK` (softmax and top k at the masked positions, in
 * the graph). The runtime itself is passed in, so core imports none.
 */
import type { MaskedExample } from '../examples/maskedExample.ts';
import type { TeacherOutputBatch } from './teacherOutputs.ts';

/** An int64 input: values and dims. */
export interface Int64Input {
  data: BigInt64Array;
  dims: number[];
}

/** Runs the teacher graph: its four int64 inputs → top_k_probs and top_k_indices. */
export type TeacherGraphRunner = (
  feeds: Record<'input_ids' | 'attention_mask' | 'token_type_ids' | 'masked_lm_positions', Int64Input>,
) => Promise<{ probs: Float32Array; ids: BigInt64Array }>;

function stack(rows: ArrayLike<number>[], what: string): Int64Input {
  const width = rows[0].length;
  const data = new BigInt64Array(rows.length * width);
  rows.forEach((r, i) => {
    if (r.length !== width)
      throw new Error(
        `teacher outputs: ${what} of example ${i} has length ${r.length}, the batch's first has ${width}`,
      );
    for (let j = 0; j < width; j++) data[i * width + j] = BigInt(r[j]);
  });
  return { data, dims: [rows.length, width] };
}

/** Runs the teacher graph on the examples; padding slots (weight 0) are zeroed as computeTeacherOutputs does. */
export async function computeTeacherOutputsOnnx(
  run: TeacherGraphRunner,
  examples: MaskedExample[],
  k: number,
): Promise<TeacherOutputBatch> {
  if (examples.length === 0) throw new Error('teacher outputs: no examples');
  const { probs, ids: ids64 } = await run({
    input_ids: stack(
      examples.map((e) => e.inputIds),
      'input_ids',
    ),
    attention_mask: stack(
      examples.map((e) => e.inputMask),
      'input_mask',
    ),
    token_type_ids: stack(
      examples.map((e) => e.segmentIds),
      'segment_ids',
    ),
    masked_lm_positions: stack(
      examples.map((e) => e.maskedLmPositions),
      'masked_lm_positions',
    ),
  });
  const slots = examples[0].maskedLmPositions.length;
  if (probs.length !== examples.length * slots * k)
    throw new Error(
      `teacher outputs: the graph gave ${probs.length} probabilities, expected ${examples.length}×${slots}×${k}`,
    );
  const ids = Int32Array.from(ids64, Number);
  const weights = new Float32Array(examples.length * slots);
  examples.forEach((ex, i) => {
    for (let s = 0; s < slots; s++) {
      const real = ex.maskedLmWeights[s] > 0;
      weights[i * slots + s] = real ? 1 : 0;
      if (!real) {
        probs.fill(0, (i * slots + s) * k, (i * slots + s + 1) * k);
        ids.fill(0, (i * slots + s) * k, (i * slots + s + 1) * k);
      }
    }
  });
  return { count: examples.length, slots, k, probs, ids, weights };
}
