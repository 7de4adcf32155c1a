/**
 * How example sets, teacher caches and runs name the data they hold: sources, flags and counts,
 * so every list says what each entry is made of. Display text only.
 */
import { sourcesLabel } from '../core/examples/exampleSetName.ts';
import type { AppState, ExampleSetEntry, RunEntry, TeacherCacheEntry } from '../store/state.ts';
import { formatCount } from './format.ts';

/** A set's sources, flags and counts. */
export function setSummary(s: ExampleSetEntry): string {
  const o = s.options;
  const sources = s.sources ? sourcesLabel(s.sources.map((x) => x.name)) : 'sources not recorded (an older set)';
  return [
    `from ${sources}`,
    `${o.mode === 'seed' ? 'original' : o.mode} mode`,
    o.doWholeWordMask ? 'whole-word masking' : 'wordpiece masking',
    `max_seq_length ${o.maxSeqLength}`,
    `max_predictions_per_seq ${o.maxPredictionsPerSeq}`,
    `dupe_factor ${o.dupeFactor}`,
    `masked_lm_prob ${o.maskedLmProb}`,
    `random_seed ${o.randomSeed}`,
    ...(s.maxExamples ? [`capped at ${formatCount(s.maxExamples)} examples`] : []),
  ].join(' · ');
}

/** "<teacher> · top-<k> · <set name>": a cache named by what made it. */
export function cacheLabel(s: Pick<AppState, 'models' | 'exampleSets'>, c: TeacherCacheEntry): string {
  const teacher = s.models.find((m) => m.id === c.modelId)?.name ?? 'a removed teacher';
  const set = s.exampleSets.find((e) => e.id === c.exampleSetId);
  return `${teacher} · top-${c.k} · ${set?.name ?? set?.id ?? `removed set ${c.exampleSetId}`}`;
}

/** A run's data: its cache's label and the set's example count. */
export function runDataLabel(s: Pick<AppState, 'models' | 'exampleSets' | 'teacherCaches'>, r: RunEntry): string {
  const cache = s.teacherCaches.find((c) => c.id === r.cacheId);
  const set = s.exampleSets.find((e) => e.id === r.exampleSetId);
  const data = cache ? cacheLabel(s, cache) : `removed cache ${r.cacheId}`;
  return `data: ${data}${set ? ` · ${formatCount(set.count)} examples` : ''}`;
}
