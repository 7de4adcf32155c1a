/** Corpus actions: store dropped corpus files, read their statistics and a tokenized preview, remove them. */
import { fileKey, storeOf } from '../contract/storageLayout.ts';
import { describeError } from './errors.ts';
import { refreshQuota } from './persistence.ts';
import { corpusVocabId, newId, patchEntry, useApp } from './state.ts';
import { callWorker } from './workerClient.ts';

const set = useApp.setState;
const get = useApp.getState;

const CORPUS_EXT = /\.(txt|text|jsonl|json|ndjson)$/i;

/** Stores dropped corpus files and starts reading them; returns the ids of the accepted ones. */
export async function addCorpusFiles(files: File[]): Promise<string[]> {
  const ids: string[] = [];
  const rejected = files.filter((f) => !CORPUS_EXT.test(f.name));
  set({
    dropError: rejected.length
      ? `Not a corpus file: ${rejected.map((f) => f.name).join(', ')} (use .txt, .jsonl or .json)`
      : null,
  });
  for (const file of files.filter((f) => CORPUS_EXT.test(f.name))) {
    const id = newId('corpus');
    set((s) => ({ corpora: [...s.corpora, { id, name: file.name, size: file.size, status: 'reading' }] }));
    try {
      await storeOf('files').set(fileKey.corpus(id), file);
    } catch (err) {
      patchEntry('corpora', id, { status: 'error', error: `${file.name}: could not be stored: ${describeError(err)}` });
      continue;
    }
    ids.push(id);
    void readCorpus(id);
  }
  void refreshQuota();
  return ids;
}

async function readCorpus(id: string): Promise<void> {
  const entry = get().corpora.find((c) => c.id === id);
  if (!entry) return;
  try {
    const stats = await callWorker('data', 'corpusStats', { corpusId: id }, (p) =>
      patchEntry('corpora', id, { progress: p }),
    ).result;
    patchEntry('corpora', id, { status: 'ready', stats, progress: undefined, error: undefined });
    await previewCorpus(id);
  } catch (err) {
    patchEntry('corpora', id, { status: 'error', progress: undefined, error: describeError(err, entry.name) });
  }
}

/** Shows the first characters of a corpus with the teacher's WordPiece tokens and whole-word groups. */
export async function previewCorpus(id: string): Promise<void> {
  const s = get();
  try {
    const preview = await callWorker('data', 'tokenPreview', {
      corpusId: id,
      vocabModelId: corpusVocabId(s) ?? undefined,
      doLowerCase: s.exampleOptions.doLowerCase,
      maxChars: 300,
    }).result;
    patchEntry('corpora', id, { preview });
  } catch (err) {
    patchEntry('corpora', id, { preview: { text: '', tokens: [], words: [], note: describeError(err) } });
  }
}

export async function removeCorpus(id: string): Promise<void> {
  set((s) => ({ corpora: s.corpora.filter((c) => c.id !== id) }));
  await storeOf('files')
    .del(fileKey.corpus(id))
    .catch(() => {});
}
