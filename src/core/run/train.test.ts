import { describe, expect, it } from 'vitest';
import { TINY_MLM_CONFIG, tinyDistillItems } from '../../testing/distillItems.ts';
import type { TrainItem } from '../distill/batch.ts';
import { type DistillScores, distillTask } from '../distill/distillTask.ts';
import { LOSS_PRESETS } from '../distill/loss.ts';
import { initWeights } from '../model/init.ts';
import { MemoryStore } from '../storage/keyValueStore.ts';
import { splitHeldOut } from './heldOut.ts';
import { inMemoryTrainingSet, type TrainingSet } from './task.ts';
import { type RunPlan, type RunSignal, train } from './train.ts';
import { type RunMetrics, Trainer } from './trainer.ts';

const task = distillTask(TINY_MLM_CONFIG, LOSS_PRESETS.seed);

function makeTrainer(data: TrainingSet<TrainItem>, store?: MemoryStore, steps = 12) {
  return new Trainer({
    task,
    weights: initWeights(TINY_MLM_CONFIG, { pooler: true, mlmHead: true }, 5),
    config: { schedule: { learningRate: 1e-3, numWarmupSteps: 2, numTrainSteps: steps }, batchSize: 4, seed: 7 },
    data,
    store,
    storePrefix: 'run/',
  });
}

/** What a log shows: kind, step and the loss, rounded. */
const shape = (h: RunMetrics<DistillScores>[]) =>
  h.map((m) => `${m.kind}@${m.step}:${(m.kind === 'train' ? m.total : m.loss).toFixed(4)}`);

describe('train(): the one training loop', async () => {
  const items = await tinyDistillItems(40, 11);
  const { train: trainSet, heldOut } = splitHeldOut(inMemoryTrainingSet(items));
  const plan: RunPlan<TrainItem> = { heldOut, evalEvery: 5, evalAtStart: true, checkpointEvery: 5 };

  it('evaluates at the start, every evalEvery steps and at the last step, once each; checkpoints as planned', async () => {
    const store = new MemoryStore();
    const t = makeTrainer(trainSet, store);
    const checkpoints: number[] = [];
    const evals: number[] = [];
    const outcome = await train(t, plan, undefined, {
      eval: (e) => {
        evals.push(e.step);
      },
      checkpoint: (s) => {
        checkpoints.push(s);
      },
    });
    expect(outcome).toEqual({ step: 12, finished: true });
    expect(evals).toEqual([0, 5, 10, 12]);
    expect(checkpoints).toEqual([5, 10, 12]);
    expect(t.history.filter((m) => m.kind === 'train').map((m) => m.step)).toEqual(
      [...Array(12).keys()].map((i) => i + 1),
    );
    expect(await store.get('run/checkpoint/latest')).toEqual({ step: 12, tag: 'step-12' });
    // a second call on a finished run does nothing and logs nothing more
    await train(t, plan);
    expect(t.history.length).toBe(12 + 4);
    t.dispose();
  });

  it('a run stopped mid-way and resumed in a fresh trainer logs exactly what an uninterrupted run logs', async () => {
    const straight = makeTrainer(trainSet);
    await train(straight, plan);
    const expected = shape(straight.history as RunMetrics<DistillScores>[]);
    expect(expected.filter((l) => l.startsWith('eval')).map((l) => l.split(':')[0])).toEqual([
      'eval@0',
      'eval@5',
      'eval@10',
      'eval@12',
    ]);
    straight.dispose();

    const store = new MemoryStore();
    const first = makeTrainer(trainSet, store);
    const signal = { stopped: false };
    const out = await train(first, plan, signal, {
      step: (m) => {
        if (m.step === 7) signal.stopped = true; // the Stop button during step 7
      },
    });
    expect(out).toEqual({ step: 7, finished: false });
    first.dispose();

    const second = makeTrainer(trainSet, store);
    expect(await second.restore()).toBe(true);
    expect(second.currentStep).toBe(7);
    await train(second, plan);
    expect(shape(second.history as RunMetrics<DistillScores>[])).toEqual(expected);
    second.dispose();
  });

  it('a run paused, reloaded (its worker gone) and resumed logs the steps, evaluations and checkpoint contents of an uninterrupted run', async () => {
    const run = async (t: Trainer<TrainItem, DistillScores>, signal?: RunSignal) => {
      const log: string[] = [];
      await train(t, { ...plan, evalEvery: 5, checkpointEvery: 5 }, signal, {
        eval: (e) => {
          log.push(`eval@${e.step}`);
        },
        checkpoint: (s) => {
          log.push(`checkpoint@${s}`);
        },
      });
      return log;
    };
    const straightStore = new MemoryStore();
    const straight = makeTrainer(trainSet, straightStore, 20);
    const straightLog = await run(straight);
    expect(straightLog.filter((l) => l.startsWith('eval'))).toEqual([
      'eval@0',
      'eval@5',
      'eval@10',
      'eval@15',
      'eval@20',
    ]);
    const expected = shape(straight.history as RunMetrics<DistillScores>[]);
    straight.dispose();

    for (const pauseAt of [14, 15, 16, 19, 20]) {
      const store = new MemoryStore();
      const first = makeTrainer(trainSet, store, 20);
      let paused = false;
      const signal: RunSignal & { stopped: boolean } = {
        stopped: false,
        get paused() {
          return paused;
        },
        // the page reloads while paused: the worker and its trainer are gone, the checkpoint stays
        whilePaused: async () => {
          signal.stopped = true;
        },
      };
      const firstLog = await train(first, { ...plan, evalEvery: 5, checkpointEvery: 5 }, signal, {
        step: (m) => {
          if (m.step === pauseAt) paused = true;
        },
        eval: () => {},
      }).then(() => first.history.filter((m) => m.kind === 'eval').map((m) => m.step));
      first.dispose();
      const second = makeTrainer(trainSet, store, 20);
      expect(await second.restore()).toBe(true);
      const secondLog = await run(second);
      expect(shape(second.history as RunMetrics<DistillScores>[]), `paused at ${pauseAt}`).toEqual(expected);
      expect(secondLog.filter((l) => l.startsWith('eval')).length + firstLog.length).toBeGreaterThan(0);
      const saved = (await store.get('run/checkpoint/step-20/state')) as { history: RunMetrics<DistillScores>[] };
      const savedStraight = (await straightStore.get('run/checkpoint/step-20/state')) as typeof saved;
      expect(shape(saved.history), `checkpoint at 20 after a pause at ${pauseAt}`).toEqual(
        shape(savedStraight.history),
      );
      second.dispose();
    }
  });

  it("a run restored at its last step without that step's evaluation still ends with it, once", async () => {
    const store = new MemoryStore();
    const first = makeTrainer(trainSet, store, 6);
    while (!first.done) await first.step();
    await first.saveCheckpoint(); // saved before the final evaluation could run
    first.dispose();
    const second = makeTrainer(trainSet, store, 6);
    await second.restore();
    const evals: number[] = [];
    await train(second, { ...plan, evalAtStart: true }, undefined, {
      eval: (e) => {
        evals.push(e.step);
      },
    });
    expect(evals).toEqual([6]);
    expect(second.history.filter((m) => m.kind === 'eval').map((m) => m.step)).toEqual([6]);
    second.dispose();
  });

  it('pauses after a step with a checkpoint saved, and goes on when the pause ends', async () => {
    const store = new MemoryStore();
    const t = makeTrainer(trainSet, store, 4);
    let paused = false;
    let resumed = 0;
    const signal: RunSignal = {
      stopped: false,
      get paused() {
        return paused;
      },
      whilePaused: async () => {
        expect(await store.get('run/checkpoint/latest')).toEqual({ step: 2, tag: 'step-2' });
        resumed++;
        paused = false;
      },
    };
    await train(t, { heldOut: null, evalEvery: 0, checkpointEvery: 0 }, signal, {
      step: (m) => {
        if (m.step === 2) paused = true;
      },
    });
    expect(resumed).toBe(1);
    expect(t.currentStep).toBe(4);
    expect(await store.get('run/checkpoint/latest')).toEqual({ step: 4, tag: 'step-4' });
    t.dispose();
  });

  it('polls the signal before every step, so a Stop sent while steps never yield is seen after the step it came in', async () => {
    const t = makeTrainer(trainSet, undefined, 12);
    let stopped = false;
    let polls = 0;
    const signal: RunSignal = {
      get stopped() {
        return stopped;
      },
      // a worker yields to its event loop here; the Stop below is a later task
      poll: () => {
        polls++;
        return new Promise((r) => setTimeout(r, 0));
      },
    };
    const out = await train(t, { heldOut: null, evalEvery: 0, checkpointEvery: 0 }, signal, {
      step: (m) => {
        if (m.step === 2) setTimeout(() => (stopped = true), 0); // Stop pressed during step 3
      },
    });
    expect(out).toEqual({ step: 2, finished: false });
    expect(polls).toBe(3); // before steps 1, 2 and 3 (where the Stop was seen)
    t.dispose();
  });

  it('stopAfter ends a longer schedule early (a staged run) with a checkpoint, without a store too', async () => {
    const t = makeTrainer(trainSet, undefined, 10);
    const checkpoints: number[] = [];
    const out = await train(t, { heldOut, evalEvery: 0, checkpointEvery: 0, stopAfter: 3 }, undefined, {
      checkpoint: (s) => {
        checkpoints.push(s);
      },
    });
    expect(out).toEqual({ step: 3, finished: false });
    expect(checkpoints).toEqual([3]);
    expect(t.history.some((m) => m.kind === 'eval')).toBe(false);
    t.dispose();
  });
});
