import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import command from './tokenize.ts';
import { encodeGbk, encodeUtf16 } from '../../testing/encodingFixtures.ts';
import { BertTokenizer } from '../../core/tokenizer/bertTokenizer.ts';

describe('tokenize command', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tokenize-cmd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '红', '楼', '梦', '，', 'hello', '##s', 'a'];
  const vocabFile = path.join(dir, 'vocab.txt');
  writeFileSync(vocabFile, vocab.join('\n') + '\n');

  async function runCapture(flags: Record<string, string | boolean>): Promise<string> {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
      return true;
    });
    try {
      await command.run(flags);
    } finally {
      spy.mockRestore();
    }
    return out;
  }

  it('prints one line of space-separated ids per input line', async () => {
    const input = path.join(dir, 'in.txt');
    const text = ['红楼梦，Hellos', '', 'x 梦', 'A\tB'];
    writeFileSync(input, '\ufeff' + text.join('\r\n'));
    const out = await runCapture({ vocab_file: vocabFile, input_file: input, do_lower_case: true });
    const tok = new BertTokenizer(vocab);
    expect(out).toBe(text.map((l) => tok.encode(l).join(' ') + '\n').join(''));
    expect(out.split('\n').slice(0, 3)).toEqual(['5 6 7 8 9 10', '', '1 7']);
  });

  it('reads GB18030 and UTF-16 input like UTF-8', async () => {
    const text = '红楼梦，hello\n梦 a\n';
    const utf8 = path.join(dir, 'u8.txt');
    const gbk = path.join(dir, 'gbk.txt');
    const u16 = path.join(dir, 'u16.txt');
    writeFileSync(utf8, text);
    writeFileSync(gbk, encodeGbk(text));
    writeFileSync(u16, encodeUtf16(text, true, true));
    const expected = await runCapture({ vocab_file: vocabFile, input_file: utf8 });
    expect(expected).toBe('5 6 7 8 9\n7 11\n');
    expect(await runCapture({ vocab_file: vocabFile, input_file: gbk })).toBe(expected);
    expect(await runCapture({ vocab_file: vocabFile, input_file: u16 })).toBe(expected);
  });

  it('prints every line before a bad byte, then names the file and the byte offset', async () => {
    const input = path.join(dir, 'bad.txt');
    // 100 000 bytes of valid UTF-8 lines (past the encoding-detection sample), then a byte that
    // is neither UTF-8 nor GB18030 (0xFF)
    const good = '红楼梦\nhello\n'.repeat(6250);
    expect(Buffer.byteLength(good)).toBe(100_000);
    writeFileSync(input, Buffer.concat([Buffer.from(good), Buffer.from([0x61, 0xff, 0x0a])]));
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      await expect(command.run({ vocab_file: vocabFile, input_file: input })).rejects.toThrow(/bad\.txt.*byte 100001/);
    } finally {
      spy.mockRestore();
    }
    expect(out).toBe('5 6 7\n9\n'.repeat(6250));
  });

  it('honours --do_lower_case=false', async () => {
    const input = path.join(dir, 'in2.txt');
    writeFileSync(input, 'hello Hello\n');
    expect(await runCapture({ vocab_file: vocabFile, input_file: input, do_lower_case: false })).toBe('9 1\n');
  });

  it('names the vocab file when special tokens are missing', async () => {
    const bad = path.join(dir, 'bad-vocab.txt');
    writeFileSync(bad, 'hello\n');
    await expect(runCapture({ vocab_file: bad, input_file: vocabFile })).rejects.toThrow(
      /bad-vocab\.txt: the vocabulary \(1 line\) lacks/,
    );
  });
});
