import { describe, expect, it } from 'vitest';
import { decodeFloat16, encodeFloat16, float16BitsToFloat32, float32ToFloat16Bits } from './float16.ts';

describe('float16 codec', () => {
  it('encodes known values exactly', () => {
    expect(float32ToFloat16Bits(0)).toBe(0x0000);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff); // largest finite
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds up to Inf
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-Infinity)).toBe(0xfc00);
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN)))).toBe(true);
    expect(float32ToFloat16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // tie → even (0)
    expect(float32ToFloat16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // tie 1.5 units → even 2
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0x0000);
  });

  it('rounds to nearest even at normal ties', () => {
    // 1 + 2^-11 is exactly halfway between 1 and 1+2^-10: goes to even (1).
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3·2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even): goes up.
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    // just above the tie rounds up
    expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
  });

  it('round-trips every finite float16 exactly, and decodes via the table like the scalar decoder', () => {
    const bits = new Uint16Array(65536);
    for (let b = 0; b < 65536; b++) bits[b] = b;
    const values = decodeFloat16(bits);
    const back = encodeFloat16(values);
    for (let b = 0; b < 65536; b++) {
      const e = (b >>> 10) & 0x1f;
      const m = b & 0x3ff;
      if (e === 0x1f && m !== 0) continue; // NaN payloads collapse to one NaN
      expect(back[b]).toBe(b);
      expect(Object.is(values[b], Math.fround(float16BitsToFloat32(b)))).toBe(true);
    }
  });

  it('keeps relative error of probabilities under 2^-11', () => {
    const probs = [0.9, 0.05, 1e-3, 3.3e-5, 7.7e-7];
    const dec = decodeFloat16(encodeFloat16(probs));
    for (let i = 0; i < 3; i++) expect(Math.abs(dec[i] - probs[i]) / probs[i]).toBeLessThan(2 ** -11);
    // subnormal range: absolute error under half a unit (2^-25)
    for (let i = 3; i < probs.length; i++) expect(Math.abs(dec[i] - probs[i])).toBeLessThanOrEqual(2 ** -25);
  });
});
