import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, readJsonDocument } from './jsonDocument.ts';

describe('readJsonDocument', () => {
  it('parses UTF-8 with a BOM and UTF-16, and locates text on its line', async () => {
    const text = '{\n  "data": [\n    {"id": "Q1"}\n  ]\n}\n';
    const doc = await readJsonDocument(new File(['\ufeff' + text], 'a.json'));
    expect(doc.value).toEqual({ data: [{ id: 'Q1' }] });
    expect(doc.locate('"Q1"')).toBe(3);
    expect(doc.locate('"Q9"')).toBeUndefined();
    const u16 = new Uint8Array(2 + text.length * 2);
    u16.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) u16[2 + 2 * i] = text.charCodeAt(i);
    expect((await readJsonDocument(new File([u16], 'b.json'))).value).toEqual({ data: [{ id: 'Q1' }] });
  });

  it('names file, line and column of a syntax error, also where JSON.parse gives no position', async () => {
    await expect(readJsonDocument(new File(['{\n  "a": 1,\n  "b": \n}\n'], 'p.json'))).rejects.toThrow(
      /^p\.json: bad JSON: .* \(line 4, column 1, byte 20\)$/,
    );
    await expect(readJsonDocument(new File(['[1,\n2,,3]'], 'q.json'))).rejects.toThrow(/\(line 2, column 3, byte 4\)/);
    await expect(readJsonDocument(new File(['\n \n'], 'e.json'))).rejects.toThrow(/^e\.json: is empty/);
  });
});

describe('jsonErrorOffset', () => {
  it('finds where text stops being JSON, -1 for valid JSON', () => {
    for (const ok of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"]} ', '"s"', '0']) {
      expect([ok, jsonErrorOffset(ok)]).toEqual([ok, -1]);
    }
    const bad: [string, number][] = [
      ['{"a":1,}', 7],
      ['[1 2]', 3],
      ['{"a" 1}', 5],
      ['01', 1],
      ['{"a":"b\nc"}', 7],
      ['{} x', 3],
      ['[1,]', 3],
      ['{"a": tru}', 6],
      ['"abc', 4],
    ];
    for (const [text, at] of bad) expect([text, jsonErrorOffset(text)]).toEqual([text, at]);
  });
});
