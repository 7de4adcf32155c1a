import { describe, expect, it } from 'vitest';
import { heldOutSizeText, rateText } from './scoreText.ts';

describe('how a held-out score reads', () => {
  it('gives the rate with its interval, or the rate alone for evaluations saved without one', () => {
    expect(rateText(0.7872, { low: 0.7012, high: 0.8543 })).toBe('78.7% (95% CI 70.1–85.4%)');
    expect(rateText(1, { low: 0.2066, high: 1 })).toBe('100.0% (95% CI 20.7–100.0%)');
    expect(rateText(0.5)).toBe('50.0%');
    expect(rateText(Number.NaN, null)).toBe('—');
    expect(rateText(undefined)).toBe('—');
  });

  it('names what the score was measured on', () => {
    expect(heldOutSizeText(96, 24)).toBe('on 96 masked positions of 24 held-out examples');
    expect(heldOutSizeText(1, 1)).toBe('on 1 masked position of 1 held-out example');
    expect(heldOutSizeText(undefined, 500)).toBe('on 500 examples');
    expect(heldOutSizeText(undefined, undefined)).toBe('');
  });
});
