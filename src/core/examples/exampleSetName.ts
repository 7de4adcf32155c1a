/**
 * A readable name for an example set, from what it was made of: its sources and the flags that
 * change what is in it, e.g. "hongloumeng.txt · wwm · len 128 · dupe 1", so sets can be told
 * apart in every list (teacher caches and runs name the set they came from).
 */
import type { PretrainingOptions } from './createPretrainingData.ts';

type NamedOptions = Pick<PretrainingOptions, 'mode' | 'doWholeWordMask' | 'maxSeqLength' | 'dupeFactor'>;

/** The sources part: one name, two joined by " + ", or the first and how many more. */
export function sourcesLabel(names: readonly string[]): string {
  if (names.length === 0) return 'no corpus';
  if (names.length <= 2) return names.join(' + ');
  return `${names[0]} + ${names.length - 1} more`;
}

/** "<sources> · wwm|wordpiece[ · bert pairs] · len <max_seq_length> · dupe <dupe_factor>[ · max <cap>]". */
export function exampleSetName(sources: readonly string[], o: NamedOptions, maxExamples: number | null = null): string {
  const parts = [
    sourcesLabel(sources),
    o.doWholeWordMask ? 'wwm' : 'wordpiece',
    ...(o.mode === 'bert' ? ['bert pairs'] : []),
    `len ${o.maxSeqLength}`,
    `dupe ${o.dupeFactor}`,
    ...(maxExamples !== null ? [`max ${maxExamples}`] : []),
  ];
  return parts.join(' · ');
}

/** `name`, or `name (2)`, `name (3)`… when a name in `taken` already has it. */
export function uniqueName(name: string, taken: readonly string[]): string {
  if (!taken.includes(name)) return name;
  for (let i = 2; ; i++) {
    const candidate = `${name} (${i})`;
    if (!taken.includes(candidate)) return candidate;
  }
}
