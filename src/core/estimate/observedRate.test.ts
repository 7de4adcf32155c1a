import { describe, expect, it } from 'vitest';
import { bertForwardFlops, TRAIN_FLOPS_PER_FORWARD } from '../model/flops.ts';
import { type ModelSize, secondsAt, teacherPassFlops, trainingFlops } from './jobCost.ts';
import { MIN_OBSERVED_SECONDS, runGflops, teacherPassGflops } from './observedRate.ts';

const student: ModelSize = { layers: 3, hidden: 128, intermediate: 512, vocab: 4446 };
const shape = { maxSeqLength: 64, maxPredictionsPerSeq: 10 };
const forward = bertForwardFlops({ ...student, seq: 64, masks: 10 });

describe('teacherPassGflops', () => {
  it('times the next pass at the rate the last one ran: a pass of N examples takes N / (examples/s)', () => {
    const gflops = teacherPassGflops(2.5, student, shape);
    expect(gflops).toBeCloseTo((2.5 * forward) / 1e9, 9);
    expect(secondsAt(teacherPassFlops(1000, student, shape), gflops)).toBeCloseTo(1000 / 2.5, 6);
  });
});

describe('runGflops', () => {
  // a run of batch 16 logging every step at 0.5 s per step, with 20 held-out examples evaluated every 10 steps
  const log = (steps: number, msPerStep = 500, start = 1_000_000) => ({
    points: Array.from({ length: steps }, (_, i) => ({ step: i + 1, time: start + i * msPerStep })),
    evalSteps: Array.from({ length: Math.floor(steps / 10) + 1 }, (_, i) => i * 10),
    examplesPerStep: 16,
    heldOut: 20,
  });

  it('counts the steps and evaluations between the first and last logged step over the wall time between them', () => {
    const l = log(41);
    // steps 1 → 41: 40 steps, evaluations at 10, 20, 30, 40, in 20 s
    const flops = 40 * 16 * TRAIN_FLOPS_PER_FORWARD * forward + 4 * 20 * forward;
    expect(runGflops(l, student, shape)).toBeCloseTo(flops / 20 / 1e9, 9);
    // so a run like it is estimated at its own length
    const again = trainingFlops({ steps: 40, examplesPerStep: 16, evaluations: 4, heldOut: 20 }, student, shape);
    expect(secondsAt(again, runGflops(l, student, shape)!)).toBeCloseTo(20, 6);
  });

  it('gives nothing for a log shorter than MIN_OBSERVED_SECONDS', () => {
    const steps = Math.floor((MIN_OBSERVED_SECONDS * 1000) / 500); // spans (steps - 1) × 0.5 s < the minimum
    expect(runGflops(log(steps), student, shape)).toBeNull();
    expect(runGflops(log(1), student, shape)).toBeNull();
  });

  it('uses only the stretch after the last pause (a run stopped and resumed later)', () => {
    const before = log(21, 500, 0).points;
    const after = log(21, 1000, 10_000_000).points.map((p) => ({ ...p, step: p.step + 21 }));
    const l = { ...log(42), points: [...before, ...after] };
    // steps 22 → 42 at 1 s each: 20 steps and the evaluations at 30 and 40 in 20 s
    const flops = 20 * 16 * TRAIN_FLOPS_PER_FORWARD * forward + 2 * 20 * forward;
    expect(runGflops(l, student, shape)).toBeCloseTo(flops / 20 / 1e9, 9);
  });
});
