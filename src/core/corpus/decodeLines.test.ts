import { openAsBlob } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorpusError, decodeLineBlocks, decodeLines } from './decodeLines.ts';
import { readDocuments } from './readCorpus.ts';
import { concatBytes, encodeGbk, encodeUtf16 } from '../../testing/encodingFixtures.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const file = (bytes: Uint8Array<ArrayBuffer>, name = 'corpus.txt') => new File([bytes], name);

async function all(blob: Blob, opts?: Parameters<typeof decodeLines>[1]) {
  const out: { line: string; byteOffset: number }[] = [];
  for await (const l of decodeLines(blob, opts)) out.push(l);
  return out;
}

/** Collect lines until the stream throws; returns both. */
async function untilError(blob: Blob, opts?: Parameters<typeof decodeLines>[1]) {
  const got: { line: string; byteOffset: number }[] = [];
  try {
    for await (const l of decodeLines(blob, opts)) got.push(l);
  } catch (e) {
    return { got, err: e as CorpusError };
  }
  return { got, err: null };
}

let seed = 12345;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const ALPHABET = ['a', 'b', 'Z', ' ', '红', '楼', '梦', '，', '。', '😀', 'é', '\t', '１'];
const TERMS = ['\n', '\r\n', '\r', '\n\n', '\r\n\r\n'];
function randomText(lines: number): string {
  let s = '';
  for (let i = 0; i < lines; i++) {
    const n = rnd(30);
    for (let j = 0; j < n; j++) s += ALPHABET[rnd(ALPHABET.length)];
    s += TERMS[rnd(TERMS.length)];
  }
  return s;
}
const expectedLines = (s: string) => {
  const parts = s.split(/\r\n|\r|\n/);
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
};

describe('decodeLines', () => {
  it('splits at \\n, \\r\\n and lone \\r with exact byte offsets, at every chunk size', async () => {
    const text = randomText(400);
    const bytes = utf8(text);
    const want = expectedLines(text);
    for (const chunkSize of [16, 17, 33, 100, 4096, 1 << 20]) {
      const got = await all(file(bytes), { chunkSize });
      expect(got.map((l) => l.line)).toEqual(want);
      for (const { line, byteOffset } of got) {
        expect(bytes.subarray(byteOffset, byteOffset + utf8(line).length)).toEqual(utf8(line));
      }
    }
  });

  it('a \r\n split by a read boundary is one line end (UTF-8 and UTF-16)', async () => {
    const text = `${'x'.repeat(15)}\r\n${'y'.repeat(14)}\r\n\r\nz\r`;
    const want = ['x'.repeat(15), 'y'.repeat(14), '', 'z'];
    for (let chunkSize = 16; chunkSize < 40; chunkSize++) {
      expect((await all(file(utf8(text)), { chunkSize })).map((l) => l.line)).toEqual(want);
      const u16 = encodeUtf16(text, true) as Uint8Array<ArrayBuffer>;
      expect((await all(file(u16), { chunkSize })).map((l) => l.line)).toEqual(want);
    }
  });

  it('UTF-8 BOM is skipped; offsets stay file offsets; no final newline', async () => {
    const b = concatBytes(Uint8Array.of(0xef, 0xbb, 0xbf), utf8('第一行\r\nsecond'));
    expect(await all(file(b))).toEqual([
      { line: '第一行', byteOffset: 3 },
      { line: 'second', byteOffset: 14 },
    ]);
    expect(await all(file(new Uint8Array(0)))).toEqual([]);
  });

  it('UTF-16LE and BE with BOM, with offsets, across chunk boundaries', async () => {
    const text = randomText(200);
    const want = expectedLines(text);
    for (const le of [true, false]) {
      const bytes = encodeUtf16(text, le);
      for (const chunkSize of [17, 64, 1 << 20]) {
        const got = await all(file(bytes as Uint8Array<ArrayBuffer>), { chunkSize });
        expect(got.map((l) => l.line)).toEqual(want);
        for (const { line, byteOffset } of got) {
          expect(bytes.subarray(byteOffset, byteOffset + 2 * line.length)).toEqual(encodeUtf16(line, le, false));
        }
      }
    }
  });

  it('GBK / GB18030, and a file whose first 64 KiB are ASCII and GBK comes later', async () => {
    const zh = '假作真时真亦假，无为有处有还无。\r\n好了歌\n';
    const g = encodeGbk(zh.repeat(50)) as Uint8Array<ArrayBuffer>;
    const got = await all(file(g), { chunkSize: 101 });
    expect(got.map((l) => l.line)).toEqual(expectedLines(zh.repeat(50)));
    let encoding = '';
    const ascii = 'just ascii here\n'.repeat(6000); // 96 KB
    const late = concatBytes(utf8(ascii), encodeGbk(zh));
    const lines = await all(file(late), { onEncoding: (e) => (encoding = e.encoding) });
    expect(encoding).toBe('gb18030');
    expect(lines.slice(-2).map((l) => l.line)).toEqual(['假作真时真亦假，无为有处有还无。', '好了歌']);
    expect(lines[6000].byteOffset).toBe(ascii.length);
    // a four-byte GB18030 code (U+10000) decodes
    const four = concatBytes(encodeGbk('中文'), Uint8Array.of(0x90, 0x30, 0x81, 0x30, 0x0a));
    expect((await all(file(four))).map((l) => l.line)).toEqual(['中文\u{10000}']);
  });

  it('an invalid UTF-8 byte in the middle of a big file: exact offset, all earlier lines delivered', async () => {
    const line = '红楼梦第一回 甄士隐梦幻识通灵 贾雨村风尘怀闺秀\n'; // all 3-byte chars + ASCII
    const lb = utf8(line);
    const parts: Uint8Array[] = [];
    let size = 0;
    while (size < 1048581 - lb.length) {
      parts.push(lb);
      size += lb.length;
    }
    const pad = utf8('x'.repeat(1048581 - size));
    const badAt = 1048581;
    const bytes = concatBytes(...parts, pad, Uint8Array.of(0xc3, 0x28), ...Array(3000).fill(lb));
    const { got, err } = await untilError(file(bytes));
    expect(err).toBeInstanceOf(CorpusError);
    expect(err!.message).toBe(`corpus.txt: not valid UTF-8 at byte ${badAt}`);
    expect(err!.byteOffset).toBe(badAt);
    expect(err!.fileName).toBe('corpus.txt');
    expect(got.length).toBe(parts.length); // every complete line before the bad one
    expect(got[got.length - 1].line).toBe(line.trimEnd());
    // a bad byte right after a chunk boundary, and a sequence cut by a chunk boundary
    for (const at of [1 << 20, (1 << 20) - 1, (1 << 20) + 1]) {
      // starts with UTF-8 Chinese so the file is known to be UTF-8 (E4 BD alone would be valid GBK)
      const zhHead = utf8('红楼梦，'.repeat(10) + '\n');
      const rest = at - zhHead.length;
      const filler = `${'a'.repeat(99)}\n`;
      const b = concatBytes(
        zhHead,
        utf8(filler.repeat(Math.floor(rest / 100))),
        utf8('b'.repeat(rest % 100)),
        Uint8Array.of(0xe4, 0xbd),
        utf8('\nend\n'),
      );
      const r = await untilError(file(b));
      expect(r.err?.byteOffset).toBe(at);
    }
  });

  it('an undecodable GB18030 byte: exact offset', async () => {
    const head = encodeGbk('黛玉葬花\n'.repeat(1000));
    const bytes = concatBytes(head, encodeGbk('宝玉'), Uint8Array.of(0xff), encodeGbk('\n后文\n'));
    const { got, err } = await untilError(file(bytes, 'gbk.txt'), { chunkSize: 4096 });
    expect(err!.message).toBe(`gbk.txt: not valid GB18030 at byte ${head.length + 4}`);
    expect(got.length).toBe(1000);
  });

  it('binary: NUL bytes after the head stop with the offset, earlier lines delivered', async () => {
    const text = utf8('line\n'.repeat(20000)); // 100 KB, past the detection sample
    const bytes = concatBytes(text, utf8('abc'), Uint8Array.of(0, 0, 1, 2), utf8('\nmore\n'));
    const { got, err } = await untilError(file(bytes, 'model.bin'), { chunkSize: 8192 });
    expect(err!.message).toBe(`model.bin: looks binary, not text (NUL byte) at byte ${text.length + 3}`);
    expect(got.length).toBe(20000);
    // and a real binary header (a zip-format .bin checkpoint starts "PK\x03\x04")
    const zip = concatBytes(Uint8Array.of(0x50, 0x4b, 3, 4, 20, 0, 0, 0, 8, 0), new Uint8Array(100).fill(7));
    await expect(all(file(zip, 'pytorch_model.bin'))).rejects.toThrow(
      'pytorch_model.bin: looks binary, not text (NUL byte) at byte 5',
    );
  });

  it('a lone surrogate in UTF-16 is reported', async () => {
    const good = encodeUtf16('ok\n', true);
    const bytes = concatBytes(good, Uint8Array.of(0x00, 0xd8, 0x41, 0x00), encodeUtf16('\n', true, false));
    const { got, err } = await untilError(file(bytes, 'u16.txt'));
    expect(err!.message).toMatch(/^u16\.txt: not valid UTF-16LE/);
    expect(err!.byteOffset).toBe(good.length);
    expect(got.map((l) => l.line)).toEqual(['ok']);
  });
});

describe('decodeLines on a ~50 MB file', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function writeCorpus(p: string, mb: number): Promise<number> {
    const para = utf8(
      '元春才选凤藻宫，秦鲸卿夭逝黄泉路。This line mixes English, 数字 12345 and punctuation！\n'.repeat(40) + '\n',
    );
    const block = concatBytes(...Array(Math.ceil((1 << 20) / para.length)).fill(para));
    const fh = await open(p, 'w');
    for (let i = 0; i < mb; i++) await fh.write(block);
    await fh.close();
    return block.length * mb;
  }

  async function measure(p: string) {
    const blob = await openAsBlob(p);
    const base = process.memoryUsage();
    let peakHeap = 0;
    let peakRss = 0;
    let lines = 0;
    const t0 = performance.now();
    for await (const b of decodeLineBlocks(blob)) {
      lines += b.lines.length;
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed - base.heapUsed);
      peakRss = Math.max(peakRss, m.rss - base.rss);
    }
    return { lines, ms: performance.now() - t0, peakHeap, peakRss };
  }

  it('keeps memory flat in file size', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'corpus-'));
    const small = path.join(dir, 'small.txt');
    const big = path.join(dir, 'big.txt');
    const smallBytes = await writeCorpus(small, 10);
    const bigBytes = await writeCorpus(big, 50);
    const s = await measure(small);
    const b = await measure(big);
    const mbps = bigBytes / 1e6 / (b.ms / 1000);
    const MB = (x: number) => (x / 1e6).toFixed(1);
    console.log(
      `decodeLines: ${MB(bigBytes)} MB in ${b.ms.toFixed(0)} ms = ${mbps.toFixed(0)} MB/s; ` +
        `peak heap growth ${MB(s.peakHeap)} MB (10 MB file) vs ${MB(b.peakHeap)} MB (50 MB file); ` +
        `peak RSS growth ${MB(s.peakRss)} vs ${MB(b.peakRss)} MB`,
    );
    expect(b.lines).toBe(s.lines * 5);
    // 5× the file must not mean more memory: allow noise, not growth with size
    expect(b.peakHeap).toBeLessThan(Math.max(s.peakHeap * 1.5, 48e6));
    expect(b.peakRss).toBeLessThan(Math.max(s.peakRss * 1.5, 0) + 64e6);
    expect(smallBytes).toBeGreaterThan(0);
    // the document reader on top keeps the pace
    const t0 = performance.now();
    let docs = 0;
    for await (const d of readDocuments(await openAsBlob(big), { name: 'big.txt' })) docs += d.length > 0 ? 1 : 0;
    const docMbps = bigBytes / 1e6 / ((performance.now() - t0) / 1000);
    console.log(`readDocuments: ${docMbps.toFixed(0)} MB/s, ${docs} documents`);
    expect(docs).toBe(b.lines / 41);
  });
});
