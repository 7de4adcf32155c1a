/**
 * Which of the files dropped (or picked) as one model are the model's: a Hugging Face folder
 * may hold sub-folders of other tools (sentence-transformers puts its pooling module's own
 * config.json in 1_Pooling/), whose files must not be taken for the model's. The model is
 * the files of one folder: the shallowest that holds a weight file (or, with none, a
 * config); the rest is left out, and said so.
 */

export interface ModelFolderChoice<T> {
  /** the model's files */
  keep: T[];
  /** the paths left out (files of sub-folders or other folders) */
  ignored: string[];
  /** the chosen folder ('' for files dropped on their own) */
  folder: string;
}

const WEIGHT_FILE = /(\.safetensors|\.bin|\.pt|\.pth|\.index|^model\.json)$/;
const CONFIG_FILE = /^(config|bert_config)\.json$/;

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Chooses the model's folder among files with '/'-separated relative paths (`pathOf`). */
export function chooseModelFolder<T>(files: T[], pathOf: (f: T) => string): ModelFolderChoice<T> {
  const paths = files.map((f) => pathOf(f).replace(/\\/g, '/'));
  const depth = (d: string) => (d === '' ? 0 : d.split('/').length);
  const shallowest = (pred: (base: string) => boolean): string | undefined =>
    paths
      .filter((p) => pred(baseOf(p)))
      .map(dirOf)
      .sort((a, b) => depth(a) - depth(b))[0];
  const folder =
    shallowest((b) => WEIGHT_FILE.test(b)) ??
    shallowest((b) => CONFIG_FILE.test(b)) ??
    paths.map(dirOf).sort((a, b) => depth(a) - depth(b))[0] ??
    '';
  const keep: T[] = [];
  const ignored: string[] = [];
  files.forEach((f, i) => {
    if (dirOf(paths[i]) === folder) keep.push(f);
    else ignored.push(paths[i]);
  });
  return { keep, ignored, folder };
}

/** Is this drop a vocabulary alone (one .txt file, no weights and no config)? */
export function isLoneVocabulary(paths: string[]): boolean {
  return paths.length === 1 && /\.txt$/i.test(baseOf(paths[0].replace(/\\/g, '/')));
}
