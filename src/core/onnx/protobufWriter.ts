/**
 * A minimal protobuf encoder: tags, varints (negative int64 as ten bytes of two's
 * complement, as protobuf writes them), fixed32 floats, length-delimited bytes and
 * nested messages. A message is kept as a list of byte chunks, so a large tensor's
 * bytes are copied once, when the outermost message is finished.
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

/** Varint bytes of an integer (int64 semantics: negative values take ten bytes). */
export function varintBytes(value: number): number[] {
  if (!Number.isSafeInteger(value)) throw new Error(`protobuf: ${value} is not a safe integer`);
  const out: number[] = [];
  if (value < 0) {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return out;
  }
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  /** Bytes written so far. */
  length = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  private tag(field: number, wire: number): void {
    this.push(Uint8Array.from(varintBytes(field * 8 + wire)));
  }

  /** An int32 / int64 / enum / bool field. */
  int(field: number, value: number): this {
    this.tag(field, WIRE_VARINT);
    this.push(Uint8Array.from(varintBytes(value)));
    return this;
  }

  /** A float field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** A bytes field. */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_LENGTH);
    this.push(Uint8Array.from(varintBytes(data.length)));
    if (data.length > 0) this.push(data);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** A packed repeated int64 / int32 field. */
  packedInts(field: number, values: readonly number[]): this {
    const body: number[] = [];
    for (const v of values) body.push(...varintBytes(v));
    return this.bytes(field, Uint8Array.from(body));
  }

  /** An embedded message field. */
  message(field: number, child: ProtoWriter): this {
    this.tag(field, WIRE_LENGTH);
    this.push(Uint8Array.from(varintBytes(child.length)));
    for (const p of child.parts) this.push(p);
    return this;
  }

  /** The encoded message as one array. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const p of this.parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }
}
