/**
 * The teacher pass on onnxruntime-node (create_teacher_output_data --engine=onnxruntime):
 * the teacher exported as the top-k graph (src/core/onnx), run by onnxruntime's native CPU
 * kernels on all cores.
 */
import * as ort from 'onnxruntime-node';
import type { TeacherGraphRunner } from '../core/distill/teacherOutputsOnnx.ts';
import type { BertConfig } from '../core/model/config.ts';
import type { Weights } from '../core/model/weights.ts';
import { teacherOnnxModel } from '../core/onnx/exportOnnx.ts';

export interface OnnxTeacher {
  run: TeacherGraphRunner;
  release(): Promise<void>;
}

export async function onnxTeacher(weights: Weights, cfg: BertConfig, k: number): Promise<OnnxTeacher> {
  const session = await ort.InferenceSession.create(await teacherOnnxModel(weights, cfg, k));
  return {
    async run(feeds) {
      const inputs: Record<string, ort.Tensor> = {};
      for (const [name, f] of Object.entries(feeds)) inputs[name] = new ort.Tensor('int64', f.data, f.dims);
      const out = await session.run(inputs);
      return { probs: out.top_k_probs.data as Float32Array, ids: out.top_k_indices.data as BigInt64Array };
    },
    release: () => session.release(),
  };
}
