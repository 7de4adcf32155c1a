/** Dropping models on the page: folders with sub-folders, a lone vocab.txt, replacing a checkpoint's vocabulary. */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(
  () => [] as { worker: string; job: string; input: { modelId: string; exampleLength?: number; spec?: unknown } }[],
);

vi.mock('./workerClient.ts', () => ({
  callWorker: (worker: string, job: string, input: { modelId: string; exampleLength?: number; spec?: unknown }) => {
    calls.push({ worker, job, input });
    const result =
      job === 'inspectVocabulary'
        ? Promise.resolve({ vocabSize: 3 })
        : job === 'tensorMemory'
          ? Promise.resolve({ numTensors: 5, numBytes: 1000 })
          : Promise.resolve({ format: 'safetensors', hasMlmHead: true, vocabSize: 3 });
    return { id: 1, result, control: () => {} };
  },
  // only the teacher worker is started and idle
  isWorkerIdle: (kind: string) => kind === 'teacher',
}));
vi.mock('./persistence.ts', () => ({ refreshQuota: vi.fn(async () => {}) }));
vi.mock('./corpora.ts', () => ({ previewCorpus: vi.fn(async () => {}) }));
vi.mock('../contract/storageLayout.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../contract/storageLayout.ts')>();
  const { MemoryStore } = await import('../core/storage/keyValueStore.ts');
  const files = new MemoryStore();
  return { ...real, storeOf: () => files };
});

const { addModelFiles, chooseCorpusVocabulary, refreshWorkerMemory, removeModel, replaceModelVocabulary } =
  await import('./models.ts');
const { corpusVocabId, useApp } = await import('./state.ts');
const { fileKey, storeOf } = await import('../contract/storageLayout.ts');

/** A File as a folder drop gives it: with its path inside the dropped folder. */
function dropped(path: string, text: string): File {
  const f = new File([text], path.split('/').pop()!);
  Object.defineProperty(f, 'webkitRelativePath', { value: path });
  return f;
}

beforeEach(() => {
  calls.length = 0;
  useApp.setState({ models: [], teacherId: null, vocabularyId: null, corpora: [] });
});

describe('addModelFiles', () => {
  it("stores a sentence-transformers folder's root files and names the sub-folders' files it left out", async () => {
    const id = (await addModelFiles([
      dropped('st/1_Pooling/config.json', '{"word_embedding_dimension": 16}'),
      dropped('st/config.json', '{"vocab_size": 3}'),
      dropped('st/model.safetensors', 'weights'),
      dropped('st/vocab.txt', 'a\nb\nc\n'),
    ]))!;
    const keys = await storeOf('files').keys(fileKey.modelPrefix(id));
    expect(keys.sort()).toEqual(
      ['config.json', 'model.safetensors', 'vocab.txt'].map((n) => fileKey.model(id, n)).sort(),
    );
    // the stored config.json is the root's, not 1_Pooling's
    expect(await ((await storeOf('files').get(fileKey.model(id, 'config.json'))) as Blob).text()).toBe(
      '{"vocab_size": 3}',
    );
    const entry = useApp.getState().models[0];
    expect(entry).toMatchObject({
      name: 'st',
      status: 'ready',
      kind: 'checkpoint',
      ignored: ['st/1_Pooling/config.json'],
    });
    expect(calls[0].job).toBe('inspectModel');
  });

  it("keeps a lone vocab.txt as a vocabulary that can tokenize corpora or replace a checkpoint's", async () => {
    const vocabId = (await addModelFiles([new File(['[PAD]\n[UNK]\n中\n'], 'my_vocab.txt')]))!;
    expect(useApp.getState().models[0]).toMatchObject({ kind: 'vocabulary', status: 'ready', vocabSize: 3 });
    expect(calls.map((c) => `${c.worker}:${c.job}`)).toEqual(['data:inspectVocabulary']);
    expect(await storeOf('files').keys(fileKey.modelPrefix(vocabId))).toEqual([fileKey.model(vocabId, 'vocab.txt')]);
    // it is no teacher
    expect(useApp.getState().teacherId).toBeNull();

    chooseCorpusVocabulary(vocabId);
    expect(corpusVocabId(useApp.getState())).toBe(vocabId);
    chooseCorpusVocabulary(null);
    expect(corpusVocabId(useApp.getState())).toBeNull();

    const modelId = (await addModelFiles([dropped('m/config.json', '{}'), dropped('m/model.safetensors', 'w')]))!;
    calls.length = 0;
    await replaceModelVocabulary(vocabId, modelId);
    const vocab = (await storeOf('files').get(fileKey.model(modelId, 'vocab.txt'))) as Blob;
    expect(await vocab.text()).toBe('[PAD]\n[UNK]\n中\n');
    expect(calls).toEqual([{ worker: 'teacher', job: 'inspectModel', input: { modelId } }]);
    expect(useApp.getState().models.find((m) => m.id === modelId)?.files).toContain('vocab.txt');
  });
});

describe('a student from its own checkpoint', () => {
  const folder = (name: string) => [
    dropped(`${name}/config.json`, '{"vocab_size": 3}'),
    dropped(`${name}/model.safetensors`, 'weights'),
    dropped(`${name}/vocab.txt`, 'a\nb\nc\n'),
  ];

  it('is chosen by dropping it as the student (never as the teacher), checked against the built examples, and reset when removed', async () => {
    const teacherId = (await addModelFiles(folder('large')))!;
    expect(useApp.getState().teacherId).toBe(teacherId);
    useApp.setState({
      exampleSets: [
        { options: { maxSeqLength: 128 }, status: 'ready' },
        { options: { maxSeqLength: 512 }, status: 'error' },
      ] as never,
    });
    calls.length = 0;
    const studentId = (await addModelFiles(folder('base'), undefined, 'student'))!;
    const s = useApp.getState();
    expect(s.teacherId).toBe(teacherId);
    expect(s.studentSpec).toEqual({ kind: 'checkpoint', checkpointId: studentId, layers: null });
    const info = calls.find((c) => c.job === 'studentInfo')!;
    expect(info.worker).toBe('teacher');
    // only the built set's length counts
    expect(info.input.exampleLength).toBe(128);
    expect(info.input.spec).toEqual(s.studentSpec);
    await removeModel(studentId);
    expect(useApp.getState().studentSpec).toEqual({ kind: 'layers', layers: [0, 1, 2] });
  });
});

describe('refreshWorkerMemory', () => {
  it('asks only the idle tensor workers, and never starts one', async () => {
    useApp.setState({ workerMemory: {} });
    await refreshWorkerMemory();
    expect(calls.map((c) => `${c.worker}:${c.job}`)).toEqual(['teacher:tensorMemory']);
    expect(useApp.getState().workerMemory).toEqual({ teacher: { numTensors: 5, numBytes: 1000 } });
  });
});
