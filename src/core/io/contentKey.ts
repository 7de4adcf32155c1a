/**
 * A short content key of bytes: the total size and a 32-bit FNV-1a hash, fed part by part, so a
 * file can be keyed while it streams. Equal keys mean equal content (for telling whether what
 * was stored earlier came from the same file, not for security). Each part ends with a
 * separator, so ["ab", "c"] and ["a", "bc"] differ.
 */
export class ContentHasher {
  private h = 0x811c9dc5;
  private size = 0;

  /** Adds bytes to the current part. */
  update(bytes: Uint8Array): void {
    let h = this.h;
    for (let i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193);
    }
    this.h = h;
    this.size += bytes.length;
  }

  /** Ends the current part. */
  endPart(): void {
    this.h ^= 0xff;
    this.h = Math.imul(this.h, 0x01000193);
  }

  /** "size-hash" (8 hex digits). */
  key(): string {
    return `${this.size}-${(this.h >>> 0).toString(16).padStart(8, '0')}`;
  }
}

/** The content key of some byte arrays, each one part. */
export function contentKey(parts: Uint8Array[]): string {
  const h = new ContentHasher();
  for (const p of parts) {
    h.update(p);
    h.endPart();
  }
  return h.key();
}

/** The content key of a file (one part), read as a stream: equal to contentKey([its bytes]). */
export async function blobContentKey(file: Blob): Promise<string> {
  const h = new ContentHasher();
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    h.update(value);
  }
  h.endPart();
  return h.key();
}
