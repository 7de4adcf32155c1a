/**
 * Chinese word segmentation with jieba (the jieba-wasm package: jieba-rs compiled to
 * WebAssembly, with jieba's own dictionary and its HMM for unknown words, as the seed's
 * Python `jieba.cut` uses by default).
 *
 * `await loadSegmenter()` works everywhere: in Node the package's "node" build has
 * already loaded its wasm synchronously when imported; in a browser or worker the
 * bundler picks the "web" build, whose default export is an async init that fetches
 * the .wasm next to it; it is called once, only when present.
 */

export interface WordSegmenter {
  /** Splits text into words; the words concatenate back to the text exactly. */
  cut(text: string): string[];
}

interface JiebaModule {
  cut(text: string, hmm?: boolean | null): string[];
  default?: unknown;
}

let loading: Promise<WordSegmenter> | null = null;

/** Loads jieba once and returns a segmenter (HMM on, as Python jieba's default). */
export function loadSegmenter(): Promise<WordSegmenter> {
  if (!loading) {
    loading = (async () => {
      const mod = (await import('jieba-wasm')) as unknown as JiebaModule;
      // The web build's default export is its async initialiser; the node build's
      // default export is the module object itself (already initialised).
      if (typeof mod.default === 'function') {
        await (mod.default as () => Promise<unknown>)();
      }
      const cut = typeof mod.cut === 'function' ? mod.cut : (mod.default as JiebaModule | undefined)?.cut;
      if (typeof cut !== 'function') throw new Error('jieba-wasm did not load: no cut() function found');
      return { cut: (text: string) => cut(text, true) };
    })();
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
