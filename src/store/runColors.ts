/**
 * One colour per run, kept with the run: given when the run is made (the first palette colour no
 * other run has, so runs side by side differ) and never changed after, so hiding, adding or
 * removing other runs never recolours it. Entries without one (saved before) take a colour
 * derived from their id alone.
 */

/** Ten colours far apart (Tableau 10). */
export const RUN_PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#17becf',
  '#e377c2',
  '#8c564b',
  '#bcbd22',
  '#7f7f7f',
] as const;

/** A colour from an id alone (FNV-1a hash → hue and one of three lightnesses). */
export function colorFromId(id: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const hue = h % 360;
  const lightness = 35 + ((h >>> 9) % 3) * 7; // 35, 42 or 49 %
  return `hsl(${hue}, 70%, ${lightness}%)`;
}

/** The colour for a new run: the first palette colour no existing run has, else one from its id. */
export function pickRunColor(used: readonly (string | undefined)[], id: string): string {
  return RUN_PALETTE.find((c) => !used.includes(c)) ?? colorFromId(id);
}

/** A run's colour: its own, or (saved before runs had one) the one its id gives. */
export function runColor(entry: { id: string; color?: string }): string {
  return entry.color ?? colorFromId(entry.id);
}
