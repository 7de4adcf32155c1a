import { describe, expect, it } from 'vitest';
import { colorFromId, pickRunColor, RUN_PALETTE, runColor } from './runColors.ts';

describe('run colours', () => {
  it('a new run takes the first palette colour no other run has (removed runs free theirs)', () => {
    expect(pickRunColor([], 'a')).toBe(RUN_PALETTE[0]);
    expect(pickRunColor([RUN_PALETTE[0], RUN_PALETTE[1]], 'c')).toBe(RUN_PALETTE[2]);
    expect(pickRunColor([RUN_PALETTE[1]], 'c')).toBe(RUN_PALETTE[0]);
    expect(pickRunColor([undefined, RUN_PALETTE[0]], 'c')).toBe(RUN_PALETTE[1]);
  });

  it('past ten runs, and for runs saved without one, the colour comes from the id alone', () => {
    expect(pickRunColor([...RUN_PALETTE], 'run-x')).toBe(colorFromId('run-x'));
    expect(colorFromId('run-abc-1')).toBe(colorFromId('run-abc-1'));
    expect(colorFromId('run-abc-1')).toMatch(/^hsl\(\d+, 70%, (35|42|49)%\)$/);
    expect(runColor({ id: 'run-abc-1' })).toBe(colorFromId('run-abc-1'));
    expect(runColor({ id: 'run-abc-1', color: '#d62728' })).toBe('#d62728');
  });

  it('the palette has ten different colours', () => {
    expect(new Set(RUN_PALETTE).size).toBe(10);
  });
});
