import { describe, expect, it, vi } from 'vitest';

const jobs = vi.hoisted(() => [] as string[]);
vi.mock('./jobRunner.ts', () => ({ runEntryJob: vi.fn(async (o: { job: string }) => jobs.push(o.job)) }));

const { restoreTeacherForm, setTeacherForm, startTeacherPass } = await import('./teacherPass.ts');
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

  it('refuses a second pass over the same set with the same teacher while one runs, and adds no entry', async () => {
    const running = {
      id: 'c1',
      modelId: 'teacher',
      exampleSetId: 'own',
      k: 8,
      batchSize: 4,
      positions: 0,
      storedBytes: 0,
    };
    useApp.setState({ teacherCaches: [{ ...running, status: 'running' }] });
    jobs.length = 0;
    await expect(startTeacherPass('own', 16, 4)).rejects.toThrow(
      'the teacher pass cannot start: a pass for this set (c1) is running: stop it first',
    );
    useApp.setState({
      teacherCaches: [
        { ...running, status: 'stopping' },
        { ...running, id: 'c0', status: 'stopped' },
      ],
    });
    await expect(startTeacherPass('own', 8, 4, 'c0')).rejects.toThrow('is stopping after its current batch');
    expect(jobs).toEqual([]);
    expect(useApp.getState().teacherCaches.map((c) => c.id)).toEqual(['c1', 'c0']);
    useApp.setState({ teacherCaches: [{ ...running, status: 'stopped' }] });
    await startTeacherPass('own', 8, 4, 'c1');
    expect(jobs).toEqual(['teacherPass']);
  });
});

describe('the Teacher pass form', () => {
  it('keeps what is set, field by field', () => {
    useApp.setState({ teacherForm: { k: 128, batchSize: 8 } });
    setTeacherForm({ k: 16 });
    expect(useApp.getState().teacherForm).toEqual({ k: 16, batchSize: 8 });
    setTeacherForm({ batchSize: 4 });
    expect(useApp.getState().teacherForm).toEqual({ k: 16, batchSize: 4 });
  });

  it('restores a saved form; a missing or bad field takes its default', () => {
    expect(restoreTeacherForm({ k: 16, batchSize: 4 })).toEqual({ k: 16, batchSize: 4 });
    expect(restoreTeacherForm(undefined)).toEqual({ k: 128, batchSize: 8 });
    expect(restoreTeacherForm({ k: 0, batchSize: 2.5 })).toEqual({ k: 128, batchSize: 8 });
    expect(restoreTeacherForm({ k: '16', batchSize: 3 })).toEqual({ k: 128, batchSize: 3 });
  });
});
