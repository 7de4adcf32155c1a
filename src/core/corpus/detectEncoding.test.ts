import { describe, expect, it } from 'vitest';
import { CorpusError } from './corpusError.ts';
import { detectEncoding } from './detectEncoding.ts';
import { concatBytes, encodeGbk, encodeUtf16 } from '../../testing/encodingFixtures.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const zh = '满纸荒唐言，一把辛酸泪。都云作者痴，谁解其中味？';

describe('detectEncoding', () => {
  it('BOMs decide', () => {
    expect(detectEncoding(concatBytes(Uint8Array.of(0xef, 0xbb, 0xbf), utf8(zh)))).toEqual({
      encoding: 'utf-8',
      bom: 3,
    });
    expect(detectEncoding(encodeUtf16(zh, true))).toEqual({ encoding: 'utf-16le', bom: 2 });
    expect(detectEncoding(encodeUtf16(zh, false))).toEqual({ encoding: 'utf-16be', bom: 2 });
  });

  it('UTF-16 without BOM holding Chinese (few or no ASCII characters) is text, not binary', () => {
    const text = `${zh}\n${zh.repeat(3)}\n`;
    for (const le of [true, false]) {
      const b = encodeUtf16(text, le, false);
      expect(detectEncoding(b, { fileName: 'zh16.txt' })).toEqual({ encoding: le ? 'utf-16le' : 'utf-16be', bom: 0 });
      // cut at an odd byte, as a sample may be
      expect(detectEncoding(b.subarray(0, 101)).encoding).toBe(le ? 'utf-16le' : 'utf-16be');
    }
    // the same text in UTF-8 and GBK is still read as such
    expect(detectEncoding(utf8(text)).encoding).toBe('utf-8');
    expect(detectEncoding(encodeGbk(text)).encoding).toBe('gb18030');
  });

  it('UTF-8 without BOM, also with a character cut at the end of the sample', () => {
    const b = utf8(zh);
    expect(detectEncoding(b).encoding).toBe('utf-8');
    for (let cut = 1; cut <= 2; cut++) {
      expect(detectEncoding(b.subarray(0, b.length - cut))).toEqual({ encoding: 'utf-8', bom: 0 });
      // ... but when that is the whole file, the cut character is an error
      expect(() => detectEncoding(b.subarray(0, b.length - cut), { complete: true, fileName: 'f.txt' })).toThrow(
        CorpusError,
      );
    }
    expect(detectEncoding(utf8('plain ascii\n'))).toEqual({ encoding: 'utf-8', bom: 0, ascii: true });
  });

  it('GBK / GB18030 without BOM, also cut mid-character', () => {
    const g = encodeGbk(`${zh}\nABC 红楼梦 第一回\n`);
    expect(detectEncoding(g)).toEqual({ encoding: 'gb18030', bom: 0 });
    expect(detectEncoding(g.subarray(0, 3)).encoding).toBe('gb18030'); // 1.5 characters
    const four = Uint8Array.of(...encodeGbk('中文'), 0x90, 0x30, 0x81, 0x30); // U+10000, a four-byte code
    expect(detectEncoding(four).encoding).toBe('gb18030');
    expect(detectEncoding(four.subarray(0, four.length - 2)).encoding).toBe('gb18030');
  });

  it('UTF-16 without BOM when mostly ASCII', () => {
    expect(detectEncoding(encodeUtf16('hello world, 你好\n', true, false))).toEqual({ encoding: 'utf-16le', bom: 0 });
    expect(detectEncoding(encodeUtf16('hello world, 你好\n', false, false))).toEqual({ encoding: 'utf-16be', bom: 0 });
  });

  it('binary files are refused with the offset', () => {
    const png = Uint8Array.of(
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x1a,
      0x0a,
      0x00,
      0x00,
      0x00,
      0x0d,
      0x49,
      0x48,
      0x44,
      0x52,
      0,
      0,
      1,
      0,
      0,
      0,
      1,
      0,
    );
    try {
      detectEncoding(png, { fileName: 'cat.png' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CorpusError);
      expect((e as CorpusError).message).toBe('cat.png: looks binary, not text (NUL byte) at byte 8');
      expect((e as CorpusError).byteOffset).toBe(8);
    }
    const ctrl = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 0x01 : 0x41));
    expect(() => detectEncoding(ctrl, { fileName: 'x.bin' })).toThrow(
      /x\.bin: looks binary, not text \(100 control bytes/,
    );
  });

  it('a UTF-8 file with one corrupt byte is not mistaken for GB18030', () => {
    const good = utf8(zh.repeat(3));
    const bad = concatBytes(good, Uint8Array.of(0xff), utf8(zh));
    expect(() => detectEncoding(bad, { fileName: 'c.txt' })).toThrow(`c.txt: not valid UTF-8 at byte ${good.length}`);
  });

  it('bytes that are neither UTF-8 nor GB18030', () => {
    expect(() => detectEncoding(Uint8Array.of(0x41, 0xff, 0xff, 0x42), { fileName: 'w.txt', complete: true })).toThrow(
      /w\.txt: is neither UTF-8.*at byte 1/,
    );
  });
});
