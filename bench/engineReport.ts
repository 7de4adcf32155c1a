/**
 * The engine section of the benchmark report: student steps and teacher
 * batches per backend (examples/s, model GFLOP/s), their round trips per step /
 * batch, the PyTorch peer of the student step, and where each one's time goes.
 * No node: imports.
 */
import type { EngineBenchResult, EngineRow } from './engineBench.ts';

/** The PyTorch peer of a student step, or why it did not run. */
export type TorchPeerResult =
  | {
      case: string;
      batch: number;
      seq: number;
      msPerStep: number;
      examplesPerSec: number;
      modelGflops: number;
      threads: number;
      torch: string;
    }
  | { case: string; skipped: string };

export interface EngineReport {
  /** Node backends */
  node: EngineBenchResult[];
  /** Chromium backends (the bench page) */
  browser: EngineBenchResult[];
  torch: TorchPeerResult[];
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const big = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '–');
const count = (x: number | null) => (x === null ? '–' : Number.isInteger(x) ? String(x) : x.toFixed(1));

/** The backend, with its thread count when more than one (a Node wasm row on threads) and where its matmuls ran. */
const backendName = (x: EngineRow) =>
  (x.threads !== undefined && x.threads > 1 ? `${x.backend} ×${x.threads}` : x.backend) +
  (x.matmul ? ` + ${x.matmul} matmul` : '');

function rowsOf(r: EngineReport): { where: string; row: EngineRow }[] {
  return [
    ...r.node.flatMap((e) => e.rows.map((row) => ({ where: 'Node', row }))),
    ...r.browser.flatMap((e) => e.rows.map((row) => ({ where: 'Chromium', row }))),
  ];
}

/**
 * @param nativeGflops the machine's native float32 matmul peak (the ONNX section's
 *   onnxruntime-node MatMul on all cores), when that section ran: each row then also shows
 *   its model FLOP/s as a share of it, the physical limit to compare with.
 */
export function engineMarkdown(r: EngineReport, nativeGflops?: number): string[] {
  const L: string[] = [];
  const native = nativeGflops !== undefined && nativeGflops > 0;
  const ofNative = (gflops: number) => (native ? ` ${((100 * gflops) / (nativeGflops as number)).toFixed(0)}% |` : '');
  const all = rowsOf(r);
  L.push('## Engine: student training step and teacher batch (bench/engineBench.ts)', '');
  L.push(
    "Student step: the project's Trainer through train(), seed loss (CE + cosine on the top-128 at 20 slots), AdamW, clipping. " +
      'Teacher batch: computeTeacherOutputs (forward, softmax, top-128 on the backend, read back). ' +
      'Model FLOPs: bertForwardFlops (bench/modelBench.ts), ×3 for a training step.',
    '',
  );
  if (all.length) {
    if (native)
      L.push(`Native float32 matmul peak of this machine (ONNX section): ${f1(nativeGflops as number)} GFLOP/s.`, '');
    L.push(
      `| where | backend | threads | what | case | batch×seq | ms per step/batch | examples/s | model GFLOP/s |${native ? ' of native peak |' : ''}`,
      `|---|---|---:|---|---|---:|---:|---:|---:|${native ? '---:|' : ''}`,
    );
    for (const { where, row: x } of all) {
      L.push(
        `| ${where} | ${x.backend}${x.matmul ? ` (matmul: ${x.matmul})` : ''} | ${x.threads ?? '–'} | ${x.what} | ${x.case} | ${x.batch}×${x.seq} | ${f1(x.msPerRep)} | ${f2(x.examplesPerSec)} | **${f2(x.modelGflops)}** |${ofNative(x.modelGflops)}`,
      );
    }
    L.push('');
  }
  if (r.torch.length) {
    L.push('### Peer: the same student step in PyTorch on the same CPU (bench/torch_student_step.py)', '');
    L.push(
      `| case | batch×seq | ms per step | examples/s | model GFLOP/s |${native ? ' of native peak |' : ''} threads | torch |`,
      `|---|---:|---:|---:|---:|${native ? '---:|' : ''}---:|---|`,
    );
    for (const t of r.torch) {
      if ('skipped' in t) L.push(`| ${t.case} | | | | |${native ? ' |' : ''} | skipped: ${t.skipped} |`);
      else
        L.push(
          `| ${t.case} | ${t.batch}×${t.seq} | ${f1(t.msPerStep)} | ${f2(t.examplesPerSec)} | **${f2(t.modelGflops)}** |${ofNative(t.modelGflops)} ${t.threads} | ${t.torch} |`,
        );
    }
    L.push('');
  }
  if (all.length) {
    L.push('### Round trips per training step / per teacher batch (src/core/backend/roundTrips.ts)', '');
    L.push(
      'reads: data()/dataSync()/array() back to the CPU; reads inside kernels: a kernel reading its inputs on the CPU (a GPU round trip on webgpu/webgl, a memory access on cpu); uploads: tensors made from CPU values (batch, scalars); ' +
        'kernels: tfjs kernels run (forward and gradient); programs: GPU shaders launched (webgpu, webgl only).',
      '',
    );
    L.push(
      '| where | backend | what | case | reads | bytes read | reads inside kernels | uploads | bytes uploaded | kernels | programs |',
      '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const { where, row: x } of all) {
      const c = x.perRep;
      L.push(
        `| ${where} | ${backendName(x)} | ${x.what} | ${x.case} | **${count(c.reads)}** | ${big(c.bytesRead)} | ${count(c.kernelReads)} | ${count(c.uploads)} | ${big(c.bytesUploaded)} | ${count(c.kernels)} | ${count(c.programs)} |`,
      );
    }
    L.push('');
    L.push('### Where the time goes: the slowest kernels of one profiled step / batch', '');
    L.push(
      'Exclusive wall time per kernel; on cpu and wasm kernels run synchronously, so this is their run time ' +
        '(on a GPU backend it is only the time to record them). "kernels" is the sum over all kernels; the rest of the wall time is JavaScript outside kernels.',
      '',
    );
    for (const { where, row: x } of all) {
      const top = x.profile
        .map((p) => `${p.kernel} ${f1(p.ms)} ms ×${p.calls} (${(100 * p.share).toFixed(0)}%)`)
        .join(', ');
      L.push(
        `- ${where} ${backendName(x)} ${x.what} ${x.case}: wall ${f1(x.profiledWallMs)} ms, kernels ${f1(x.profiledKernelMs)} ms: ${top}`,
      );
    }
    L.push('');
  }
  const errors = [...r.node, ...r.browser].flatMap((e) => e.errors);
  if (errors.length) L.push(...errors.map((e) => `- error: ${e}`), '');
  return L;
}
