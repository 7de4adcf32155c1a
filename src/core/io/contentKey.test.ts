import { describe, expect, it } from 'vitest';
import { blobContentKey, contentKey } from './contentKey.ts';

describe('contentKey', () => {
  it('keys a streamed file as its bytes in one part, and tells different parts apart', async () => {
    const bytes = new TextEncoder().encode('红楼梦\n'.repeat(50_000));
    expect(await blobContentKey(new Blob([bytes]))).toBe(contentKey([bytes]));
    expect(contentKey([bytes])).toMatch(/^500000-[0-9a-f]{8}$/);
    const other = bytes.slice();
    other[7] ^= 1;
    expect(contentKey([other])).not.toBe(contentKey([bytes]));
    const ab = new Uint8Array([1, 2]);
    expect(contentKey([ab.subarray(0, 1), ab.subarray(1)])).not.toBe(contentKey([ab]));
  });
});
