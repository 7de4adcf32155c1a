import { openAsBlob, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithRef, refPath } from '../../testing/refData.ts';
import { CorpusError } from './corpusError.ts';
import { concatBytes, encodeGbk, encodeUtf16, gbkCanEncode } from '../../testing/encodingFixtures.ts';
import { pythonStrip } from './pythonStrip.ts';
import { corpusStats, readDocuments } from './readCorpus.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const file = (content: string | Uint8Array<ArrayBuffer>, name: string) => new File([content], name);

async function docs(blob: Blob, opts?: Parameters<typeof readDocuments>[1]) {
  const out: string[][] = [];
  for await (const d of readDocuments(blob, opts)) out.push(d);
  return out;
}
async function docsUntilError(blob: Blob, opts?: Parameters<typeof readDocuments>[1]) {
  const out: string[][] = [];
  try {
    for await (const d of readDocuments(blob, opts)) out.push(d);
  } catch (e) {
    return { out, err: e as CorpusError };
  }
  return { out, err: null };
}

describe('readDocuments: plain text', () => {
  it("Google BERT's layout: blank lines separate documents, lines stripped as Python strips", async () => {
    const text = '\n\n  第一句。 \r\n\u3000第二句\t\r\n \r\n\r\nDoc two\rline two\x1c\n\n\n\ufefflast\n   ';
    expect(await docs(file(text, 'c.txt'))).toEqual([['第一句。', '第二句'], ['Doc two', 'line two'], ['\ufefflast']]);
  });

  it('a UTF-16 file without BOM holding Chinese is read as text', async () => {
    const text = '林黛玉进贾府，宝玉摔玉。\n\n刘姥姥一进荣国府，贾宝玉初试云雨情。\n';
    for (const le of [true, false]) {
      expect(await docs(file(encodeUtf16(text, le, false) as Uint8Array<ArrayBuffer>, 'zh16.txt'))).toEqual([
        ['林黛玉进贾府，宝玉摔玉。'],
        ['刘姥姥一进荣国府，贾宝玉初试云雨情。'],
      ]);
    }
  });

  it('a line starting with "{" in a .txt file stays text', async () => {
    expect(await docs(file('{not json}\nx\n', 'a.txt'))).toEqual([['{not json}', 'x']]);
  });

  it('the same documents from UTF-8 BOM, UTF-16LE/BE and GBK files', async () => {
    const text = '林黛玉进贾府\r\n宝玉摔玉\r\n\r\n刘姥姥一进荣国府\r\n';
    const want = [['林黛玉进贾府', '宝玉摔玉'], ['刘姥姥一进荣国府']];
    const variants: [string, Uint8Array][] = [
      ['utf-8', utf8(text)],
      ['utf-8', concatBytes(Uint8Array.of(0xef, 0xbb, 0xbf), utf8(text))],
      ['utf-16le', encodeUtf16(text, true)],
      ['utf-16be', encodeUtf16(text, false)],
      ['gb18030', encodeGbk(text)],
    ];
    for (const [enc, bytes] of variants) {
      const b = file(bytes as Uint8Array<ArrayBuffer>, 'x.txt');
      expect(await docs(b)).toEqual(want);
      expect((await corpusStats(b)).encoding).toBe(enc);
    }
  });

  it('a forced encoding is used as given (its BOM still skipped)', async () => {
    const g = encodeGbk('第一回\n') as Uint8Array<ArrayBuffer>;
    expect(await docs(file(g, 'g.txt'), { encoding: 'gb18030' })).toEqual([['第一回']]);
    const u = concatBytes(Uint8Array.of(0xef, 0xbb, 0xbf), utf8('甲\n'));
    expect(await docs(file(u, 'u.txt'), { encoding: 'utf-8' })).toEqual([['甲']]);
    await expect(docs(file(g, 'g.txt'), { encoding: 'utf-8' })).rejects.toThrow('g.txt: not valid UTF-8 at byte 0');
  });

  it('corpusStats counts bytes, documents, lines and characters (code points)', async () => {
    const text = 'ab😀\n\n中文\n英文\n';
    expect(await corpusStats(file(text, 's.txt'))).toEqual({
      bytes: utf8(text).length,
      documents: 2,
      lines: 3,
      characters: 7,
      encoding: 'utf-8',
      format: 'text',
    });
    expect((await corpusStats(file('', 'e.txt'))).documents).toBe(0);
  });

  it('a bad byte: complete documents before it are delivered, the error has the offset', async () => {
    const head = utf8('甲乙丙丁戊己庚辛壬癸\n子丑寅卯\n\n第二篇\n\n第三篇开头\n');
    const bytes = concatBytes(head, Uint8Array.of(0xff), utf8('\n尾\n'));
    const progress: number[] = [];
    const { out, err } = await docsUntilError(file(bytes, 'bad.txt'), {
      onProgress: (p) => progress.push(p.bytesRead),
    });
    expect(out).toEqual([['甲乙丙丁戊己庚辛壬癸', '子丑寅卯'], ['第二篇']]);
    expect(err).toBeInstanceOf(CorpusError);
    expect(err!.message).toBe(`bad.txt: not valid UTF-8 at byte ${head.length}`);
  });
});

describe('readDocuments: JSON lines', () => {
  it('title and content as separate documents (the seed), text, content arrays, "\\n" inside values; sniffed without an extension', async () => {
    const lines = [
      JSON.stringify({ title: '标题一', content: '第一段。\n第二段。\r\n\n' }),
      '',
      JSON.stringify({ text: 'only text\nsecond line', id: 3 }),
      JSON.stringify({ title: '', content: ['a', ' b '] }),
      JSON.stringify({ title: '空文', content: '' }),
      JSON.stringify({ text: '   ' }),
    ].join('\n');
    const want = [['标题一'], ['第一段。', '第二段。'], ['only text', 'second line'], ['a', 'b'], ['空文']];
    expect(await docs(file(lines, 'wiki.jsonl'))).toEqual(want);
    expect(await docs(file(lines, 'noext'))).toEqual(want);
    expect(await docs(file(lines, 'a.txt'), { format: 'jsonl' })).toEqual(want);
    expect((await corpusStats(file(lines, 'noext'))).format).toBe('jsonl');
  });

  it('a .json file holding an array', async () => {
    const arr = JSON.stringify([{ title: 't', content: 'c' }, { text: 'x\ny' }], null, 2);
    expect(await docs(file(arr, 'docs.json'))).toEqual([['t'], ['c'], ['x', 'y']]);
  });

  it('--params names the fields; the minimum is on each raw field (code points, before <eop> removal)', async () => {
    const row = { title: '短标题', content: `${'字'.repeat(14)}<eop>`, summary: '𠀀'.repeat(20), id: 1 };
    const text = `${JSON.stringify(row)}\n`;
    // content is 19 raw characters: 14 + "<eop>"; with the minimum 19 it is kept, "<eop>" still in its line
    expect(await docs(file(text, 'a.jsonl'), { json: { minFieldChars: 19 } })).toEqual([[row.content]]);
    expect(await docs(file(text, 'a.jsonl'), { json: { minFieldChars: 20 } })).toEqual([]);
    // 20 astral characters are 20 code points (40 UTF-16 units)
    expect(await docs(file(text, 'a.jsonl'), { json: { params: ['summary', 'title'], minFieldChars: 20 } })).toEqual([
      [row.summary],
    ]);
    await expect(docs(file(text, 'a.jsonl'), { json: { params: ['body'] } })).rejects.toThrow(
      'a.jsonl: JSON object has no "body" field (--params; it has: title, content, summary, id) (line 1, byte 0)',
    );
  });

  it('a bad JSON line: error with line number and byte offset, earlier documents delivered', async () => {
    const good = `${JSON.stringify({ text: '一' })}\n${JSON.stringify({ text: '二' })}\n\n`;
    const text = `${good}{"text": "三"\n${JSON.stringify({ text: '四' })}\n`;
    const { out, err } = await docsUntilError(file(text, 'bad.jsonl'));
    expect(out).toEqual([['一'], ['二']]);
    expect(err).toBeInstanceOf(CorpusError);
    expect(err!.line).toBe(4);
    expect(err!.byteOffset).toBe(utf8(good).length);
    expect(err!.message).toMatch(
      new RegExp(`^bad\\.jsonl: bad JSON line: .* \\(line 4, byte ${utf8(good).length}\\)$`),
    );
    await expect(docs(file('{"sentence1": "x"}\n', 'afqmc.jsonl'))).rejects.toThrow(
      'afqmc.jsonl: JSON object has no "text", "title" or "content" field (it has: sentence1) (line 1, byte 0)',
    );
    await expect(docs(file('{"text": 5}\n', 'n.jsonl'))).rejects.toThrow(/field "text" is not a string \(line 1/);
  });
});

describe('readDocuments: stopping early', () => {
  it('breaking out of the loop stops reading', async () => {
    const text = '段落\n\n'.repeat(100_000);
    let read = 0;
    let n = 0;
    for await (const d of readDocuments(file(text, 'big.txt'), {
      chunkSize: 4096,
      onProgress: (p) => (read = p.bytesRead),
    })) {
      n += d.length;
      if (n === 10) break;
    }
    expect(n).toBe(10);
    expect(read).toBeLessThan(3 * 4096);
  });
});

describeWithRef('readDocuments on the real corpora (../shared/ref/corpus-zh)', () => {
  /** A simple whole-file reference reading: split, strip, group at blank lines. */
  const naive = (s: string) => {
    const out: string[][] = [];
    let cur: string[] = [];
    for (const raw of s.split(/\r\n|\r|\n/)) {
      const l = pythonStrip(raw);
      if (l) cur.push(l);
      else if (cur.length) {
        out.push(cur);
        cur = [];
      }
    }
    if (cur.length) out.push(cur);
    return out;
  };

  it('hongloumeng.txt (CRLF): no \\r left, same documents as a whole-file reading, fast', async () => {
    const p = refPath('corpus-zh', 'hongloumeng.txt');
    const blob = await openAsBlob(p);
    const t0 = performance.now();
    const got = await docs(blob, { name: 'hongloumeng.txt' });
    const ms = performance.now() - t0;
    console.log(
      `hongloumeng.txt: ${got.length} documents in ${ms.toFixed(0)} ms (${(blob.size / 1e6 / (ms / 1000)).toFixed(0)} MB/s)`,
    );
    const want = naive(readFileSync(p, 'utf8'));
    expect(got).toEqual(want);
    expect(got.some((d) => d.some((l) => l.includes('\r')))).toBe(false);
    expect(got[0]).toEqual(['《红楼梦》曹雪芹']);
    const stats = await corpusStats(blob, { name: 'hongloumeng.txt' });
    expect(stats.encoding).toBe('utf-8');
    expect(stats.documents).toBe(want.length);
    expect(stats.lines).toBe(want.flat().length);
  });

  it('clue_sample_zh.txt: blank-line separated documents', async () => {
    const p = refPath('corpus-zh', 'clue_sample_zh.txt');
    const text = readFileSync(p, 'utf8');
    const got = await docs(await openAsBlob(p), { name: 'clue_sample_zh.txt' });
    const groups = text.split(/\n\s*\n/).filter((g) => g.trim());
    expect(got.length).toBe(groups.length);
    expect(got).toEqual(naive(text));
    expect(got.length).toBeGreaterThan(1);
  });

  it('news_zh_1.txt re-encoded as GBK and as UTF-16 reads the same', async () => {
    const p = refPath('corpus-zh', 'news_zh_1.txt');
    const text = readFileSync(p, 'utf8');
    const want = await docs(await openAsBlob(p), { name: 'news_zh_1.txt' });
    const encodable = [...text].filter((ch) => gbkCanEncode(ch)).join('');
    const gbk = await docs(file(encodeGbk(encodable) as Uint8Array<ArrayBuffer>, 'news_gbk.txt'), { chunkSize: 4093 });
    expect(gbk).toEqual(naive(encodable));
    expect(encodable.length / text.length).toBeGreaterThan(0.99); // nearly all of it went through GBK
    const u16 = await docs(file(encodeUtf16(text, true) as Uint8Array<ArrayBuffer>, 'news_u16.txt'), {
      chunkSize: 4093,
    });
    expect(u16).toEqual(want);
  });
});
