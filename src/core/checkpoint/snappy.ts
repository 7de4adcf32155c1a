/**
 * Snappy block decompression (the raw format, as LevelDB-style tables store a
 * compressed block): a varint uncompressed length, then literals and back-copies.
 * Used for TF1 checkpoint index blocks written with compression on.
 */

/** Decompresses one raw snappy block; `where` names the block in errors. */
export function snappyDecompress(src: Uint8Array, where: string): Uint8Array {
  let pos = 0;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= src.length || shift > 28) throw new Error(`${where}: snappy length header is malformed`);
    const b = src[pos++];
    len |= (b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  len >>>= 0;
  const out = new Uint8Array(len);
  let o = 0;
  const bad = (msg: string): never => {
    throw new Error(`${where}: snappy data is corrupt at byte ${pos}: ${msg}`);
  };
  while (pos < src.length) {
    const tag = src[pos++];
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const extra = n - 59;
        if (pos + extra > src.length) bad('literal length runs past the end');
        n = 0;
        for (let i = 0; i < extra; i++) n |= src[pos + i] << (8 * i);
        n >>>= 0;
        pos += extra;
      }
      n += 1;
      if (pos + n > src.length || o + n > len) bad('literal runs past the end');
      out.set(src.subarray(pos, pos + n), o);
      pos += n;
      o += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (kind === 1) {
      if (pos + 1 > src.length) bad('copy runs past the end');
      n = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[pos++];
    } else if (kind === 2) {
      if (pos + 2 > src.length) bad('copy runs past the end');
      n = (tag >>> 2) + 1;
      offset = src[pos] | (src[pos + 1] << 8);
      pos += 2;
    } else {
      if (pos + 4 > src.length) bad('copy runs past the end');
      n = (tag >>> 2) + 1;
      offset = (src[pos] | (src[pos + 1] << 8) | (src[pos + 2] << 16) | (src[pos + 3] << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0 || offset > o) bad(`copy offset ${offset} points before the start`);
    if (o + n > len) bad('copy runs past the declared length');
    for (let i = 0; i < n; i++, o++) out[o] = out[o - offset];
  }
  if (o !== len) bad(`declared ${len} bytes, produced ${o}`);
  return out;
}
