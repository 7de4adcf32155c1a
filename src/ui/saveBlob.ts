/** Saves a file the page made as a browser download (a temporary object URL on a clicked link). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Saves the file a store action prepared, once it is there (nothing when it failed: the store shows why). */
export function saveWhenReady(file: Promise<{ blob: Blob; name: string } | null>): void {
  void file.then((f) => {
    if (f) saveBlob(f.blob, f.name);
  });
}
