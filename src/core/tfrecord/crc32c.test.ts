import { describe, expect, it } from 'vitest';
import { crc32c, crc32cUpdate, maskCrc, maskedCrc32c, unmaskCrc } from './crc32c.ts';

/** Bit-at-a-time reference, independent of the table code. */
function crcBitwise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('matches the published check value and RFC 3720 vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('agrees with a bitwise implementation on every length and offset', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let len = 0; len < 40; len++) {
      for (let start = 0; start < 9; start++) {
        expect(crc32c(data, start, start + len)).toBe(crcBitwise(data.subarray(start, start + len)));
      }
    }
    expect(crc32c(data)).toBe(crcBitwise(data));
  });

  it('continues across pieces', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    const whole = crc32c(data);
    expect(crc32cUpdate(crc32cUpdate(0, data, 0, 333), data, 333)).toBe(whole);
  });

  it('masks as TFRecord does, and unmasks', () => {
    const c = 0xe3069283;
    const rot = ((c >>> 15) | (c << 17)) >>> 0;
    expect(maskCrc(c)).toBe((rot + 0xa282ead8) % 2 ** 32);
    expect(unmaskCrc(maskCrc(c))).toBe(c);
    for (const v of [0, 1, 0xffffffff, 0x80000000, 0x12345678]) expect(unmaskCrc(maskCrc(v))).toBe(v);
    const d = new TextEncoder().encode('123456789');
    expect(maskedCrc32c(d)).toBe(maskCrc(0xe3069283));
  });

  it('slicing-by-8 agrees with a bit-at-a-time CRC on a 2 MiB buffer', () => {
    const data = new Uint8Array(2 << 20).map((_, i) => (i * 29) & 0xff);
    crc32c(data); // warm up
    let t0 = performance.now();
    let c = 0;
    for (let r = 0; r < 8; r++) c = crc32c(data);
    const fast = (performance.now() - t0) / 8;
    t0 = performance.now();
    const ref = crcBitwise(data);
    const slow = performance.now() - t0;
    console.log(
      `crc32c: ${((2 * 1.048576) / (fast / 1000)).toFixed(0)} MB/s, ${(slow / fast).toFixed(0)}× the bitwise reference`,
    );
    expect(c).toBe(ref);
  });
});
