import { describe, expect, it } from 'vitest';
import { crc32c, maskCrc } from './crc32c.ts';
import { TFRecordError, readRecords } from './recordReader.ts';
import { TFRecordWriter, frameRecord } from './recordWriter.ts';

/** Expected framing built by hand from the TFRecord spec, with its own little-endian helpers. */
function handFrame(payload: Uint8Array): number[] {
  const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  const lenBytes = [...le32(payload.length), 0, 0, 0, 0];
  return [
    ...lenBytes,
    ...le32(maskCrc(crc32c(Uint8Array.from(lenBytes)))),
    ...payload,
    ...le32(maskCrc(crc32c(payload))),
  ];
}

async function collect(blob: Blob, opts?: Parameters<typeof readRecords>[1]) {
  const out: Uint8Array[] = [];
  for await (const r of readRecords(blob, opts)) out.push(r.slice());
  return out;
}

function payloads(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => Uint8Array.from({ length: (i * 37) % 500 }, (_, j) => (i + j * 3) & 0xff));
}

describe('TFRecord framing', () => {
  it('frames one record byte for byte as the spec says', () => {
    const p = new TextEncoder().encode('hello tfrecord');
    expect([...frameRecord(p)]).toEqual(handFrame(p));
    expect([...frameRecord(new Uint8Array(0))]).toEqual(handFrame(new Uint8Array(0)));
  });

  it('writer output equals concatenated hand frames, across chunk boundaries', async () => {
    const ps = payloads(200);
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    const w = new TFRecordWriter((c) => void chunks.push(c), { chunkSize: 1000 });
    for (const p of ps) await w.write(p);
    await w.write(new Uint8Array(5000)); // bigger than a chunk
    await w.close();
    const got = new Uint8Array(await new Blob(chunks).arrayBuffer());
    const want = [...ps, new Uint8Array(5000)].flatMap(handFrame);
    expect(got.length).toBe(want.length);
    expect([...got]).toEqual(want);
    expect(w.records).toBe(201);
    expect(w.bytes).toBe(want.length);
    expect(chunks.length).toBeGreaterThan(5);
  });

  it('reads back what it wrote, with small and large read sizes', async () => {
    const ps = payloads(300);
    ps.push(new Uint8Array(3000).fill(9));
    const blob = new Blob(ps.map(frameRecord));
    for (const chunkSize of [1024, 1 << 20]) {
      const got = await collect(blob, { chunkSize });
      expect(got.length).toBe(ps.length);
      got.forEach((g, i) => {
        expect(g).toEqual(ps[i]);
      });
    }
    expect(await collect(new Blob([]))).toEqual([]);
  });

  it('a truncated file: error names file and the record offset, earlier records delivered', async () => {
    const ps = payloads(10);
    const full = new Uint8Array(await new Blob(ps.map(frameRecord)).arrayBuffer());
    const lastStart = full.length - (ps[9].length + 16);
    for (const cut of [full.length - 1, lastStart + 5, lastStart + 13]) {
      const got: Uint8Array[] = [];
      let err: unknown;
      try {
        for await (const r of readRecords(new Blob([full.subarray(0, cut)]), { name: 'x.tfrecord' })) got.push(r);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TFRecordError);
      const te = err as TFRecordError;
      expect(te.byteOffset).toBe(lastStart);
      expect(te.recordIndex).toBe(9);
      expect(te.message).toMatch(/^x\.tfrecord: truncated/);
      expect(te.message).toContain(`byte ${lastStart}`);
      expect(got.length).toBe(9);
    }
  });

  it('a CRC mismatch: data and length', async () => {
    const ps = payloads(6);
    const full = new Uint8Array(await new Blob(ps.map(frameRecord)).arrayBuffer());
    let off = 0;
    for (let i = 0; i < 3; i++) off += ps[i].length + 16;
    const bad = full.slice();
    bad[off + 12 + 2] ^= 1; // flip a data bit of record 3
    await expect(collect(new Blob([bad]), { name: 'b.tfrecord' })).rejects.toThrow(
      `b.tfrecord: data CRC mismatch: the record is corrupt (record 3 at byte ${off})`,
    );
    // without verification, the corrupt payload passes
    expect((await collect(new Blob([bad]), { verifyCrc: false })).length).toBe(6);
    const bad2 = full.slice();
    bad2[off + 1] ^= 4; // corrupt record 3's length
    await expect(collect(new Blob([bad2]), { name: 'b.tfrecord' })).rejects.toThrow(
      /length CRC mismatch.*record 3 at byte/,
    );
    // a text file is not a TFRecord
    await expect(collect(new Blob(['just some text, definitely not records']), { name: 'a.txt' })).rejects.toThrow(
      /a\.txt: length CRC mismatch: not a TFRecord file.*record 0 at byte 0/,
    );
  });

  it('writes and reads 100k small records quickly', async () => {
    const p = new Uint8Array(600).map((_, i) => i & 0xff);
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    const t0 = performance.now();
    const w = new TFRecordWriter((c) => void chunks.push(c));
    for (let i = 0; i < 100_000; i++) await w.write(p);
    await w.close();
    const t1 = performance.now();
    let n = 0;
    for await (const r of readRecords(new Blob(chunks))) n += r.length === 600 ? 1 : 0;
    const t2 = performance.now();
    console.log(`tfrecord 100k × 600 B: write ${(t1 - t0).toFixed(0)} ms, read+verify ${(t2 - t1).toFixed(0)} ms`);
    expect(n).toBe(100_000);
  });
});
