/**
 * Test fixtures: encoders for the encodings the corpus reader decodes but
 * TextEncoder cannot produce (UTF-16LE/BE, GBK/GB18030), so tests can make such
 * files themselves. GB18030 two-byte codes come from a reverse map built by
 * decoding every two-byte sequence with the platform's own decoder.
 */
import { concatBytes as joinBytes } from '../core/io/bytes.ts';

let gbkMap: Map<number, [number, number]> | null = null;

function gbkReverseMap(): Map<number, [number, number]> {
  if (gbkMap) return gbkMap;
  const m = new Map<number, [number, number]>();
  const dec = new TextDecoder('gb18030', { fatal: true });
  const pair = new Uint8Array(2);
  for (let a = 0x81; a <= 0xfe; a++) {
    for (let b = 0x40; b <= 0xfe; b++) {
      if (b === 0x7f) continue;
      pair[0] = a;
      pair[1] = b;
      let s: string;
      try {
        s = dec.decode(pair);
      } catch {
        continue;
      }
      const cp = s.codePointAt(0)!;
      if (s.length === 1 && !m.has(cp)) m.set(cp, [a, b]);
    }
  }
  gbkMap = m;
  return m;
}

/** GBK bytes of `s` (ASCII as itself, other characters as two-byte GBK codes); throws on a character GBK lacks. */
export function encodeGbk(s: string): Uint8Array {
  const m = gbkReverseMap();
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else {
      const p = m.get(cp);
      if (!p) throw new Error(`encodeGbk: U+${cp.toString(16)} has no two-byte GBK code`);
      out.push(p[0], p[1]);
    }
  }
  return Uint8Array.from(out);
}

/** True when every character of `s` has a GBK code. */
export function gbkCanEncode(s: string): boolean {
  const m = gbkReverseMap();
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x80 && !m.has(cp)) return false;
  }
  return true;
}

/** UTF-16 bytes of `s`, optionally with a BOM. */
export function encodeUtf16(s: string, littleEndian: boolean, bom = true): Uint8Array {
  const out = new Uint8Array((s.length + (bom ? 1 : 0)) * 2);
  let p = 0;
  const put = (u: number) => {
    if (littleEndian) {
      out[p++] = u & 0xff;
      out[p++] = u >> 8;
    } else {
      out[p++] = u >> 8;
      out[p++] = u & 0xff;
    }
  };
  if (bom) put(0xfeff);
  for (let i = 0; i < s.length; i++) put(s.charCodeAt(i));
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return joinBytes(parts);
}
