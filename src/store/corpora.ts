/**
 * Corpus actions: store dropped corpus files, read their statistics and a tokenized preview,
 * count their tokens and [UNK] with the vocabulary that tokenizes corpora (again whenever that
 * vocabulary or lower-casing changes), remove them.
 */
import { fileKey, storeOf } from '../contract/storageLayout.ts';
import { describeError } from './errors.ts';
import { refreshQuota } from './persistence.ts';
import { PRETRAINING_DEFAULTS } from '../core/examples/createPretrainingData.ts';
import { type AppState, type CorpusEntry, corpusVocabId, newId, patchEntry, useApp } from './state.ts';
import { callWorker } from './workerClient.ts';

const set = useApp.setState;
const get = useApp.getState;

const CORPUS_EXT = /\.(txt|text|jsonl|json|ndjson)$/i;

/** Stores dropped corpus files and starts reading them; returns the ids of the accepted ones. */
export async function addCorpusFiles(files: File[], origin?: 'demo'): Promise<string[]> {
  const ids: string[] = [];
  const rejected = files.filter((f) => !CORPUS_EXT.test(f.name));
  set({
    dropError: rejected.length
      ? `Not a corpus file: ${rejected.map((f) => f.name).join(', ')} (use .txt, .jsonl or .json)`
      : null,
  });
  for (const file of files.filter((f) => CORPUS_EXT.test(f.name))) {
    const id = newId('corpus');
    const entry: CorpusEntry = {
      id,
      name: file.name,
      size: file.size,
      status: 'reading',
      ...(origin ? { origin } : {}),
    };
    set((s) => ({ corpora: [...s.corpora, entry] }));
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

// ---- tokens and [UNK] ------------------------------------------------------------------------

/** What a corpus's token count must have been made with now: the corpus vocabulary (when loaded) and lower-casing. */
function tokensWanted(s: AppState): { vocabModelId: string; doLowerCase: boolean } | null {
  const vocabModelId = corpusVocabId(s);
  const m = vocabModelId ? s.models.find((x) => x.id === vocabModelId) : undefined;
  if (!vocabModelId || m?.status !== 'ready') return null;
  return { vocabModelId, doLowerCase: s.exampleOptions.doLowerCase };
}

/** Whether a corpus's token count is the one for the current vocabulary and lower-casing. */
export function tokensCurrent(c: CorpusEntry, s: AppState): boolean {
  const w = tokensWanted(s);
  return !!w && c.tokens?.vocabModelId === w.vocabModelId && c.tokens.doLowerCase === w.doLowerCase;
}

/** Counts in progress or failed, by corpus, vocabulary and lower-casing: each is tried once. */
const tokenCounts = new Set<string>();

/** Counts the tokens of every ready corpus whose count is missing or made with another vocabulary. */
export function countCorpusTokens(): void {
  const s = get();
  const w = tokensWanted(s);
  if (!w || !s.restored) return;
  for (const c of s.corpora) {
    if (c.status !== 'ready' || tokensCurrent(c, s)) continue;
    const key = `${c.id}|${w.vocabModelId}|${w.doLowerCase}`;
    if (tokenCounts.has(key)) continue;
    tokenCounts.add(key);
    void countTokens(c.id, c.name, w);
  }
}

async function countTokens(id: string, name: string, w: { vocabModelId: string; doLowerCase: boolean }) {
  patchEntry('corpora', id, { tokensError: undefined });
  try {
    const stats = await callWorker(
      'data',
      'corpusTokens',
      { corpusId: id, ...w, minDocumentChars: PRETRAINING_DEFAULTS.minDocumentChars },
      (p) => patchEntry('corpora', id, { tokensProgress: p }),
    ).result;
    patchEntry('corpora', id, { tokens: { ...stats, ...w }, tokensProgress: undefined });
  } catch (err) {
    patchEntry('corpora', id, { tokensProgress: undefined, tokensError: describeError(err, name) });
  }
}

// A changed vocabulary, lower-casing or a newly read corpus is counted again.
useApp.subscribe((s, prev) => {
  if (
    s.restored !== prev.restored ||
    s.corpora !== prev.corpora ||
    s.models !== prev.models ||
    s.vocabularyId !== prev.vocabularyId ||
    s.teacherId !== prev.teacherId ||
    s.exampleOptions.doLowerCase !== prev.exampleOptions.doLowerCase
  )
    countCorpusTokens();
});
