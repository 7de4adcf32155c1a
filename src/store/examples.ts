/** Example actions: the Examples form (core's create_pretraining_data options), building and removing sets. */
import { storeOf } from '../contract/storageLayout.ts';
import { ORIGINAL_PRETRAINING_DEFAULTS, type PretrainingOptions } from '../core/examples/createPretrainingData.ts';
import { deleteExampleSet } from '../core/examples/exampleSetStore.ts';
import { runEntryJob, stopJob } from './jobRunner.ts';
import { exampleSetName, uniqueName } from '../core/examples/exampleSetName.ts';
import { chosenSourceIds, examplesEstimate } from './estimates.ts';
import { corpusVocabId, type ExampleSetEntry, type ExampleSource, newId, patchEntry, useApp } from './state.ts';

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

/** Ticks or unticks a corpus as a source of the next set (the first change starts from the default choice). */
export function toggleExampleSource(corpusId: string, on: boolean): void {
  set((s) => {
    const now = chosenSourceIds(s).filter((id) => id !== corpusId);
    return { exampleSources: on ? [...now, corpusId] : now };
  });
}

/** Sets the cap on the next set's examples (null: none). */
export function setExampleCap(cap: number | null): void {
  set({ exampleCap: cap });
}

/**
 * Builds an example set from the given corpora (default: the ticked ones, see estimates.ts's
 * chosenSourceIds) with the form's options and cap; resolves with the set's id once it is
 * finished (check its status: errors are kept on it). The set is named by its sources and flags
 * and keeps them, with the estimate made before the build.
 */
export async function buildExamples(only?: string[]): Promise<string> {
  const s = get();
  const chosen = only ?? chosenSourceIds(s);
  const corpora = s.corpora.filter((c) => c.status === 'ready' && chosen.includes(c.id));
  const vocabModelId = corpusVocabId(s);
  if (!vocabModelId) throw new Error('load a teacher (or a vocab.txt) first: its vocabulary tokenizes the corpus');
  if (corpora.length === 0)
    throw new Error(
      s.corpora.some((c) => c.status === 'ready') ? 'tick at least one corpus to build from' : 'drop a corpus first',
    );
  const maxExamples = only ? null : s.exampleCap;
  if (maxExamples !== null && !(Number.isInteger(maxExamples) && maxExamples >= 1))
    throw new Error(`max examples must be a whole number of at least 1 (or empty for no cap), got ${maxExamples}`);
  const id = newId('examples');
  const sources: ExampleSource[] = corpora.map((c) => ({
    name: c.name,
    bytes: c.size,
    ...(c.stats?.contentKey ? { contentKey: c.stats.contentKey } : {}),
  }));
  const names = corpora.map((c) => c.name);
  const name = uniqueName(
    exampleSetName(names, s.exampleOptions, maxExamples),
    s.exampleSets.map((e) => e.name ?? e.id),
  );
  const predicted = only ? null : examplesEstimate(s).estimate;
  const corpusIds = corpora.map((c) => c.id);
  const entry: ExampleSetEntry = {
    id,
    name,
    sources,
    maxExamples,
    ...(predicted
      ? {
          estimate: {
            examples: predicted.examples,
            tokens: predicted.tokens,
            positions: predicted.positions,
            spread: predicted.spread,
          },
        }
      : {}),
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
    input: { setId: id, corpusIds, vocabModelId, options: s.exampleOptions, maxExamples },
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
