/** Example actions: the Examples form (core's create_pretraining_data options), building and removing sets. */
import { storeOf } from '../contract/storageLayout.ts';
import { ORIGINAL_PRETRAINING_DEFAULTS, type PretrainingOptions } from '../core/examples/createPretrainingData.ts';
import { deleteExampleSet } from '../core/examples/exampleSetStore.ts';
import { runEntryJob, stopJob } from './jobRunner.ts';
import { corpusVocabId, type ExampleSetEntry, newId, patchEntry, useApp } from './state.ts';

const set = useApp.setState;
const get = useApp.getState;

export function setExampleOptions(p: Partial<PretrainingOptions>): void {
  set((s) => ({ exampleOptions: { ...s.exampleOptions, ...p } }));
}

/**
 * The form's "Reset to the original's defaults": the original create_pretraining_data.py's
 * (max_seq_length 512, dupe_factor 5, whole-word masking...); the page starts with smaller sizes.
 */
export function resetExampleOptions(): void {
  set({ exampleOptions: { ...ORIGINAL_PRETRAINING_DEFAULTS } });
}

/**
 * Builds an example set from the given corpora (default: every ready corpus) with the form's
 * options; resolves with the set's id once it is finished (check its status: errors are kept on it).
 */
export async function buildExamples(only?: string[]): Promise<string> {
  const s = get();
  const corpusIds = s.corpora.filter((c) => c.status === 'ready' && (!only || only.includes(c.id))).map((c) => c.id);
  const vocabModelId = corpusVocabId(s);
  if (!vocabModelId) throw new Error('load a teacher (or a vocab.txt) first: its vocabulary tokenizes the corpus');
  if (corpusIds.length === 0) throw new Error('drop a corpus first');
  const id = newId('examples');
  const entry: ExampleSetEntry = {
    id,
    corpusIds,
    vocabModelId,
    options: s.exampleOptions,
    status: 'running',
    count: 0,
    storedBytes: 0,
    createdAt: Date.now(),
  };
  set((st) => ({ exampleSets: [...st.exampleSets, entry] }));
  await runEntryJob({
    area: 'exampleSets',
    id,
    worker: 'data',
    job: 'buildExamples',
    input: { setId: id, corpusIds, vocabModelId, options: s.exampleOptions },
    progress: (p) =>
      patchEntry('exampleSets', id, { progress: p, count: p.produced ?? 0, storedBytes: p.storedBytes ?? 0 }),
    done: (out) => ({ status: 'ready', count: out.count, storedBytes: out.storedBytes }),
  });
  return id;
}

/** Removes a set and its stored examples (a build in progress is stopped first). */
export async function removeExampleSet(id: string): Promise<void> {
  stopJob(id);
  set((s) => ({ exampleSets: s.exampleSets.filter((e) => e.id !== id) }));
  await deleteExampleSet(storeOf('examples'), id);
}
