import { describe, expect, it } from 'vitest';
import { serveJobs, toWireError, type FromWorker, type JobContext } from './protocol.ts';
import { CorpusError } from '../core/corpus/corpusError.ts';

/** A fake worker scope: messages in through `send`, messages out collected. */
function fakeScope() {
  const out: FromWorker[] = [];
  let listener: ((ev: MessageEvent) => void) | null = null;
  return {
    out,
    scope: {
      postMessage: (m: unknown) => out.push(m as FromWorker),
      addEventListener: (_t: 'message', l: (ev: MessageEvent) => void) => {
        listener = l;
      },
    },
    send: (data: unknown) => listener!({ data } as MessageEvent),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('worker protocol', () => {
  it('answers a request with progress then exactly one result, by job id', async () => {
    const w = fakeScope();
    serveJobs(w.scope, {
      corpusStats: async (_input, ctx: JobContext<{ done: number; total: number; rate: number; unit: string }>) => {
        ctx.progress({ done: 1, total: 2, rate: 0, unit: 'bytes' });
        return { bytes: 2, documents: 1, lines: 1, characters: 2, encoding: 'utf-8', format: 'plain text' };
      },
    });
    w.send({ type: 'request', id: 7, job: 'corpusStats', input: { corpusId: 'c' } });
    await tick();
    expect(w.out.map((m) => m.type)).toEqual(['progress', 'result']);
    expect(w.out.every((m) => 'id' in m && m.id === 7)).toBe(true);
    expect((w.out[1] as { output: { documents: number } }).output.documents).toBe(1);
  });

  it('turns a thrown engine error into an error message keeping file name and byte offset', async () => {
    const w = fakeScope();
    serveJobs(w.scope, {
      corpusStats: async () => {
        throw new CorpusError('bad.txt', 28, 'looks binary');
      },
    });
    w.send({ type: 'request', id: 1, job: 'corpusStats', input: { corpusId: 'c' } });
    await tick();
    const e = w.out[0] as Extract<FromWorker, { type: 'error' }>;
    expect(e.type).toBe('error');
    expect(e.error.fileName).toBe('bad.txt');
    expect(e.error.byteOffset).toBe(28);
    expect(e.error.message).toContain('bad.txt');
  });

  it('an unknown job is an error, not silence', async () => {
    const w = fakeScope();
    serveJobs(w.scope, {});
    w.send({ type: 'request', id: 3, job: 'train', input: {} });
    await tick();
    expect(w.out[0]).toMatchObject({ type: 'error', id: 3 });
  });

  it('pause holds a job at its next checkpoint until resume; stop is seen by the job', async () => {
    const w = fakeScope();
    const seen: number[] = [];
    serveJobs(w.scope, {
      teacherPass: async (_input, ctx) => {
        for (let i = 0; i < 1000; i++) {
          await ctx.checkpoint();
          if (ctx.stopped) break;
          seen.push(i);
          await tick();
        }
        return {
          positions: seen.length,
          slots: seen.length,
          examples: seen.length,
          storedBytes: 0,
          complete: false,
          cache: {
            key: { teacherFingerprint: '', exampleSetId: '', k: 1 },
            layout: { numExamples: 0, batchSize: 1, slots: 1, vocabSize: 1 },
          },
        };
      },
    });
    w.send({ type: 'request', id: 9, job: 'teacherPass', input: {} });
    await tick();
    await tick();
    w.send({ type: 'control', id: 9, action: 'pause' });
    await tick();
    const atPause = seen.length;
    for (let i = 0; i < 5; i++) await tick();
    expect(seen.length).toBeLessThanOrEqual(atPause + 1);
    w.send({ type: 'control', id: 9, action: 'resume' });
    for (let i = 0; i < 5; i++) await tick();
    expect(seen.length).toBeGreaterThan(atPause + 1);
    w.send({ type: 'control', id: 9, action: 'stop' });
    for (let i = 0; i < 3; i++) await tick();
    const result = w.out.find((m) => m.type === 'result') as { output: { examples: number } } | undefined;
    expect(result).toBeDefined();
    expect(result!.output.examples).toBeLessThan(1000);
  });

  it('poll lets a Stop sent while a job computes without yielding reach it at its next poll', async () => {
    const w = fakeScope();
    let iterations = 0;
    serveJobs(w.scope, {
      teacherPass: async (_input, ctx) => {
        // batches that await only microtasks (as tensor reads on wasm do): no message gets in between
        while (!ctx.stopped && iterations < 100_000) {
          await Promise.resolve();
          iterations++;
          if (iterations % 10 === 0) await ctx.poll();
        }
        return {
          positions: 0,
          slots: 0,
          examples: iterations,
          storedBytes: 0,
          complete: false,
          cache: {
            key: { teacherFingerprint: '', exampleSetId: '', k: 1 },
            layout: { numExamples: 0, batchSize: 1, slots: 1, vocabSize: 1 },
          },
        };
      },
    });
    // the page's Stop arrives as a later task, while the job is busy
    setTimeout(() => w.send({ type: 'control', id: 4, action: 'stop' }), 0);
    w.send({ type: 'request', id: 4, job: 'teacherPass', input: {} });
    while (!w.out.some((m) => m.type === 'result')) await tick();
    expect(iterations).toBeLessThan(100_000);
  });

  it('toWireError copes with non-Error throws', () => {
    expect(toWireError('plain')).toEqual({ name: 'Error', message: 'plain' });
  });
});
