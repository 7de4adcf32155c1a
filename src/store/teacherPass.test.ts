import { describe, expect, it, vi } from 'vitest';

const jobs = vi.hoisted(() => [] as string[]);
vi.mock('./jobRunner.ts', () => ({ runEntryJob: vi.fn(async (o: { job: string }) => jobs.push(o.job)) }));

const { startTeacherPass } = await import('./teacherPass.ts');
const { useApp } = await import('./state.ts');

describe('startTeacherPass', () => {
  it("refuses, before any work, examples built with a vocabulary larger than the teacher's", async () => {
    useApp.setState({
      teacherId: 'teacher',
      teacherCaches: [],
      models: [
        {
          id: 'teacher',
          name: 'small-teacher',
          files: [],
          sizeBytes: 0,
          status: 'ready',
          info: { vocabSize: 4445 } as never,
        },
        {
          id: 'vocab',
          name: 'vocab.txt',
          files: [],
          sizeBytes: 0,
          status: 'ready',
          kind: 'vocabulary',
          vocabSize: 21128,
        },
      ],
      exampleSets: [{ id: 'set', vocabModelId: 'vocab' } as never, { id: 'own', vocabModelId: 'teacher' } as never],
    });
    await expect(startTeacherPass('set', 8, 4)).rejects.toThrow(
      "example set set was built with the vocabulary of vocab.txt (21128 tokens), larger than the teacher small-teacher's (4445, vocab_size)",
    );
    expect(jobs).toEqual([]);
    expect(useApp.getState().teacherCaches).toEqual([]);
    await startTeacherPass('own', 8, 4);
    expect(jobs).toEqual(['teacherPass']);
  });
});
