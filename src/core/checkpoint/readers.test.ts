import { describe, expect, it } from 'vitest';
import { openSafetensors } from './safetensors.ts';
import { openPytorch } from './pytorch.ts';
import { torchStorageFromPid, unpickle } from './pickle.ts';
import { snappyDecompress } from './snappy.ts';
import { readTable, writeTable } from './sstable.ts';
import {
  f32Bytes,
  PickleWriter,
  pytorchLegacyFile,
  pytorchZipFile,
  randomFloats,
  safetensorsFile,
} from '../../testing/checkpointFixtures.ts';
import type { TensorRecord } from './tensorRecord.ts';

async function all(gen: AsyncGenerator<TensorRecord>): Promise<TensorRecord[]> {
  const out: TensorRecord[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

function f16(x: number): number {
  // exact for the values used below (small integers and halves)
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const frac = (u >>> 13) & 0x3ff;
  return x === 0 ? 0 : sign | (exp << 10) | frac;
}

describe('safetensors reader', () => {
  it('reads F32, F16 and BF16 as float32', async () => {
    const a = randomFloats(6, 3);
    const halves = [1, -2, 0.5, 1024, 0, -0.25];
    const f16b = new Uint8Array(12);
    halves.forEach((v, i) => {
      new DataView(f16b.buffer).setUint16(2 * i, f16(v), true);
    });
    const bf = new Uint8Array(12);
    const src = new Float32Array([3.5, -1, 2, 0.125, 100, -7]);
    const u = new Uint32Array(src.buffer);
    for (let i = 0; i < 6; i++) new DataView(bf.buffer).setUint16(2 * i, u[i] >>> 16, true);
    const file = safetensorsFile([
      { name: 'a', dtype: 'F32', shape: [2, 3], bytes: f32Bytes(a) },
      { name: 'h', dtype: 'F16', shape: [6], bytes: f16b },
      { name: 'b', dtype: 'BF16', shape: [3, 2], bytes: bf },
    ]);
    const s = await openSafetensors(new Blob([file as Uint8Array<ArrayBuffer>]), 'x.safetensors');
    expect(s.metadata).toEqual({ format: 'pt' });
    const recs = await all(s.tensors());
    const by = Object.fromEntries(recs.map((r) => [r.name, r]));
    expect([...by.a.data]).toEqual([...a]);
    expect(by.a.shape).toEqual([2, 3]);
    expect([...by.h.data]).toEqual(halves);
    expect([...by.b.data]).toEqual([...src]);
  });

  const one = (over: Partial<{ dtype: string; shape: number[]; offsets: [number, number] }> = {}) => ({
    name: 't',
    dtype: 'F32',
    shape: [4],
    bytes: f32Bytes(randomFloats(4, 1)),
    ...over,
  });

  it.each([
    [
      'a header length beyond the file',
      safetensorsFile([one()], { headerLenOverride: 1 << 30 }),
      /header length 1073741824.*runs past the end/,
    ],
    ['a truncated file', safetensorsFile([one()], { truncateTo: 40 }), /x.safetensors/],
    [
      'offsets outside the data',
      safetensorsFile([one({ offsets: [0, 32], shape: [8] })]),
      /tensor "t": data_offsets \[0, 32\] run past the end/,
    ],
    [
      'shape × dtype ≠ bytes',
      safetensorsFile([one({ shape: [5] })]),
      /tensor "t": shape \[5\] × F32 needs 20 bytes but data_offsets \[0, 16\] hold 16/,
    ],
    ['an unsupported dtype', safetensorsFile([one({ dtype: 'F4' })]), /tensor "t": unsupported dtype "F4"/],
    [
      'a header that is not JSON',
      (() => {
        const f = safetensorsFile([one()]);
        f[9] = 0x7b;
        f[8] = 0x7b;
        return f;
      })(),
      /JSON header .* does not parse/,
    ],
  ])('rejects %s with a clear error', async (_what, bytes, re) => {
    await expect(openSafetensors(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'x.safetensors')).rejects.toThrow(re);
  });

  it('reports overlapping tensors by name', async () => {
    const b = f32Bytes(randomFloats(4, 1));
    const file = safetensorsFile([
      { name: 'p', dtype: 'F32', shape: [2], bytes: b.slice(0, 8), offsets: [0, 8] },
      { name: 'q', dtype: 'F32', shape: [2], bytes: b.slice(8), offsets: [4, 12] },
    ]);
    await expect(openSafetensors(new Blob([file as Uint8Array<ArrayBuffer>]), 'x.safetensors')).rejects.toThrow(
      /"p" \[0, 8\] and "q" \[4, 12\] overlap/,
    );
  });

  it('accepts an I64 buffer in the header but refuses to load it as a weight', async () => {
    const file = safetensorsFile([{ name: 'ids', dtype: 'I64', shape: [2], bytes: new Uint8Array(16) }]);
    const s = await openSafetensors(new Blob([file as Uint8Array<ArrayBuffer>]), 'x.safetensors');
    await expect(all(s.tensors())).rejects.toThrow(/"ids" has dtype I64/);
  });
});

describe('restricted unpickler', () => {
  it('rejects a forbidden global without running anything', () => {
    const w = new PickleWriter().proto().global('os', 'system').mark().str('rm -rf /').tuple().raw(0x52).stop();
    expect(() => unpickle(w.bytes(), 0, { file: 'evil.bin', complete: true })).toThrow(
      /evil.bin: pickle at byte 2: refuses global "os.system"/,
    );
    const w2 = new PickleWriter().proto().global('builtins', 'eval').stop();
    expect(() => unpickle(w2.bytes(), 0, { file: 'evil.bin', complete: true })).toThrow(/builtins.eval/);
  });

  it('reads basic values, memo and dicts', () => {
    const w = new PickleWriter()
      .proto()
      .raw(0x7d, 0x71, 0)
      .mark()
      .str('a')
      .int(-5)
      .str('b')
      .raw(0x88)
      .str('c')
      .raw(0x4e)
      .raw(0x75);
    w.raw(0x30).raw(0x68, 0).stop(); // POP, BINGET 0
    const { value } = unpickle(w.bytes(), 0, { file: 'f', complete: true });
    expect(value).toEqual(
      new Map<string, unknown>([
        ['a', -5],
        ['b', true],
        ['c', null],
      ]),
    );
  });

  it('rejects object-building opcodes and truncation', () => {
    const w = new PickleWriter().proto().raw(0x81).stop();
    expect(() => unpickle(w.bytes(), 0, { file: 'f', complete: true })).toThrow(/opcode 0x81/);
    const t = new PickleWriter().proto().str('abcdef').bytes().slice(0, 6);
    expect(() => unpickle(t, 0, { file: 'f', complete: true })).toThrow(/truncated/);
  });
});

describe('restricted unpickler: lengths and persistent ids', () => {
  it('refuses a negative LONG4 or BINSTRING length as CPython does, instead of moving backwards', () => {
    const negative = [0xfb, 0xff, 0xff, 0xff]; // -5 as a signed 4-byte length
    for (const op of [0x8b, 0x54]) {
      const bytes = new PickleWriter()
        .proto()
        .raw(op, ...negative)
        .stop()
        .bytes();
      expect(() => unpickle(bytes, 0, { file: 'neg.bin', complete: true })).toThrow(
        /neg.bin: pickle at byte 3: negative byte count -5/,
      );
      // an incomplete prefix (the legacy reader grows its window) fails the same way, not by asking for more bytes
      expect(() => unpickle(bytes, 0, { file: 'neg.bin', complete: false })).toThrow(/negative byte count/);
    }
  });

  it('names the file for a persistent id that contains itself, with no JSON error', () => {
    // [] BINPUT 0, BINGET 0, APPEND: a list holding itself, then BINPERSID
    const bytes = new PickleWriter().proto().raw(0x5d, 0x71, 0, 0x68, 0, 0x61, 0x51).stop().bytes();
    const load = () =>
      unpickle(bytes, 0, {
        file: 'loop.bin',
        complete: true,
        persistentLoad: (pid) => torchStorageFromPid(pid, 'loop.bin'),
      });
    expect(load).toThrow(/^loop.bin: unexpected persistent id \(\[\.\.\.\]\)/);
    expect(load).not.toThrow(/circular/);
  });
});

describe('PyTorch .bin reader', () => {
  const tensors = [
    { name: 'embeddings.word_embeddings.weight', shape: [3, 4], data: randomFloats(12, 5) },
    { name: 'encoder.layer.0.output.dense.bias', shape: [4], data: randomFloats(4, 6) },
  ];

  it.each([
    ['zip', pytorchZipFile(tensors), 'pytorch-zip'],
    ['legacy', pytorchLegacyFile(tensors), 'pytorch-legacy'],
  ])('reads the %s layout built by hand', async (_n, bytes, layout) => {
    const s = await openPytorch(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'pytorch_model.bin');
    expect(s.layout).toBe(layout);
    const recs = await all(s.tensors());
    expect(recs.map((r) => r.name)).toEqual(tensors.map((t) => t.name));
    recs.forEach((r, i) => {
      expect(r.shape).toEqual(tensors[i].shape);
      expect([...r.data]).toEqual([...tensors[i].data]);
    });
  });

  it('gathers a non-contiguous (transposed) view', async () => {
    const base = randomFloats(6, 9); // storage of a [2,3] matrix, viewed as its [3,2] transpose
    const bytes = pytorchZipFile([{ name: 'w', shape: [3, 2], data: base, stride: [1, 3] }]);
    const [r] = await all((await openPytorch(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'p.bin')).tensors());
    expect([...r.data]).toEqual([base[0], base[3], base[1], base[4], base[2], base[5]]);
  });

  it('reads HalfStorage', async () => {
    const h = new Uint8Array(4);
    new DataView(h.buffer).setUint16(0, f16(1.5), true);
    new DataView(h.buffer).setUint16(2, f16(-3), true);
    const bytes = pytorchZipFile([
      { name: 'h', shape: [2], data: new Float32Array(2), storage: 'HalfStorage', bytes: h },
    ]);
    const s = await openPytorch(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'p.bin');
    const [r] = await all(s.tensors());
    expect([...r.data]).toEqual([1.5, -3]);
  });

  it('rejects a pickle with a forbidden global (zip layout)', async () => {
    const bytes = pytorchZipFile(tensors, { forbidden: ['os', 'system'] });
    await expect(openPytorch(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'pytorch_model.bin')).rejects.toThrow(
      /pytorch_model.bin.*refuses global "os.system"/,
    );
  });

  it('refuses a negative storage offset instead of reading before the storage', async () => {
    for (const bytes of [
      pytorchZipFile([{ name: 'w', shape: [2], data: randomFloats(4, 3), offset: -2 }]),
      pytorchLegacyFile([{ name: 'w', shape: [2], data: randomFloats(4, 3), offset: -2 }]),
    ]) {
      await expect(openPytorch(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'off.bin')).rejects.toThrow(
        /off.bin: tensor "w" starts at element -2 of storage "\w+"; a storage offset must be a non-negative integer/,
      );
    }
  });

  it('rejects truncated legacy and zip files, naming the file', async () => {
    const legacy = pytorchLegacyFile(tensors);
    await expect(openPytorch(new Blob([legacy.slice(0, legacy.length - 10)]), 'old.bin')).rejects.toThrow(
      /old.bin: truncated/,
    );
    await expect(openPytorch(new Blob([legacy.slice(0, 100)]), 'old.bin')).rejects.toThrow(/old.bin/);
    const zip = pytorchZipFile(tensors);
    await expect(openPytorch(new Blob([zip.slice(0, zip.length - 30)]), 'new.bin')).rejects.toThrow(/new.bin/);
    await expect(openPytorch(new Blob([new Uint8Array([1, 2, 3, 4, 5])]), 'junk.bin')).rejects.toThrow(/junk.bin/);
  });
});

describe('snappy', () => {
  it('decodes literals and back-copies', () => {
    // "abcabcabcX": length 10, literal "abc" (tag 2<<2), copy len 6 offset 3 (1-byte offset form), literal "X"
    const src = Uint8Array.from([10, 0x08, 97, 98, 99, 0x01 | ((6 - 4) << 2), 3, 0x00, 88]);
    expect(new TextDecoder().decode(snappyDecompress(src, 'blk'))).toBe('abcabcabcX');
    expect(() => snappyDecompress(Uint8Array.from([10, 0x08, 97, 98, 99, 0x01 | (2 << 2), 9]), 'blk')).toThrow(
      /blk: snappy data is corrupt/,
    );
  });
});

describe('SSTable', () => {
  it('round-trips many keys over several blocks with prefix compression', () => {
    const entries: [string, Uint8Array][] = [];
    for (let i = 0; i < 300; i++)
      entries.push([`bert/encoder/layer_${i}/attention/self/query/kernel`, Uint8Array.from([i & 0xff, 1, 2])]);
    entries.push(['', Uint8Array.from([9])]);
    const bytes = writeTable(entries, 512);
    const back = readTable(bytes, 'x.index');
    const sorted = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    expect(back.map(([k]) => k)).toEqual(sorted.map(([k]) => k));
    expect(back.map(([, v]) => [...v])).toEqual(sorted.map(([, v]) => [...v]));
  });

  it('reads snappy-compressed blocks', () => {
    // A literal-only snappy encoding: varint length, then literals of at most 60 bytes.
    const literalSnappy = (raw: Uint8Array) => {
      const out: number[] = [];
      let n = raw.length;
      while (n >= 0x80) {
        out.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      out.push(n);
      for (let i = 0; i < raw.length; i += 60) {
        const part = raw.subarray(i, Math.min(raw.length, i + 60));
        out.push((part.length - 1) << 2, ...part);
      }
      return Uint8Array.from(out);
    };
    const entries: [string, Uint8Array][] = [
      ['', Uint8Array.from([1])],
      ['bert/pooler/dense/kernel', Uint8Array.from([2, 3])],
    ];
    const bytes = writeTable(entries, 262144, literalSnappy);
    expect(readTable(bytes, 'x.index').map(([k, v]) => [k, [...v]])).toEqual([
      ['', [1]],
      ['bert/pooler/dense/kernel', [2, 3]],
    ]);
  });

  it('detects a corrupt block and a bad footer', () => {
    const bytes = writeTable([['a', Uint8Array.from([1])]]);
    const bad = bytes.slice();
    bad[3] ^= 0xff;
    expect(() => readTable(bad, 'x.index')).toThrow(/x.index: .*checksum mismatch/);
    expect(() => readTable(bytes.slice(0, bytes.length - 1), 'x.index')).toThrow(/not the table magic/);
  });
});
