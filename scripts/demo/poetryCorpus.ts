/**
 * Builds the demo corpus from the `chinese-poetry` npm package (MIT): classical
 * Chinese texts in Google BERT's plain-text layout, one sentence or paragraph
 * per line and a blank line between documents. Node-only (reads node_modules).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The package files the corpus is made of, in this order. */
export const POETRY_SOURCES: { file: string; title: string }[] = [
  { file: 'lunyu/lunyu.json', title: '论语 (Analects)' },
  { file: 'sishuwujing/daxue.json', title: '大學 (Great Learning)' },
  { file: 'sishuwujing/zhongyong.json', title: '中庸 (Doctrine of the Mean)' },
  { file: 'sishuwujing/mengzi.json', title: '孟子 (Mencius)' },
  { file: 'mengxue/sanzijing-new.json', title: '三字經 (Three Character Classic)' },
  { file: 'mengxue/qianziwen.json', title: '千字文 (Thousand Character Classic)' },
  { file: 'mengxue/dizigui.json', title: '弟子規' },
  { file: 'mengxue/zengguangxianwen.json', title: '增廣賢文' },
  { file: 'mengxue/tangshisanbaishou.json', title: '唐詩三百首 (300 Tang Poems)' },
  { file: 'shijing/shijing.json', title: '诗经 (Book of Songs)' },
  { file: 'chuci/chuci.json', title: '楚辞 (Songs of Chu)' },
  { file: 'mengxue/guwenguanzhi.json', title: '古文觀止' },
];

/** Where the installed package lives, and its version. */
export function poetryPackage(): { dir: string; version: string; license: string } {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('chinese-poetry/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string; license?: string };
  return { dir: dirname(pkgPath), version: pkg.version, license: pkg.license ?? 'MIT' };
}

/** Keys whose string arrays are text (the package's `paragraphs` / `content`). */
const TEXT_KEYS = ['paragraphs', 'content'];

/** Collects the documents (arrays of lines) of one parsed JSON file. */
function collectDocuments(node: unknown, out: string[][]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectDocuments(item, out);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Record<string, unknown>;
  for (const key of TEXT_KEYS) {
    const v = obj[key];
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) {
      out.push(v as string[]);
    } else if (Array.isArray(v)) {
      collectDocuments(v, out);
    }
  }
}

/** Cleans one line: whitespace removed; lines with Latin letters or digits (editorial notes) dropped. */
function cleanLine(line: string): string | null {
  const s = line.replace(/\s+/gu, '');
  if (s.length === 0) return null;
  if (/[A-Za-z0-9０-９Ａ-Ｚａ-ｚ]/u.test(s)) return null;
  return s;
}

/**
 * The corpus text, and per source file the documents and characters it gave.
 * Short verse lines (千字文's four characters) are joined into sentences of at
 * most ~32 characters so a line is a sentence rather than a fragment.
 */
export function buildPoetryCorpus(): {
  text: string;
  stats: { file: string; title: string; documents: number; chars: number }[];
} {
  const { dir } = poetryPackage();
  const docs: string[] = [];
  const stats: { file: string; title: string; documents: number; chars: number }[] = [];
  for (const src of POETRY_SOURCES) {
    const path = join(dir, 'dist', src.file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`${path}: cannot read the chinese-poetry file: ${(e as Error).message}`);
    }
    const found: string[][] = [];
    collectDocuments(parsed, found);
    let chars = 0;
    let documents = 0;
    for (const lines of found) {
      const merged: string[] = [];
      let cur = '';
      for (const raw of lines) {
        const l = cleanLine(raw);
        if (l === null) continue;
        if (l.length >= 16) {
          if (cur) merged.push(cur);
          cur = '';
          merged.push(l);
        } else {
          cur += l;
          if (cur.length >= 24) {
            merged.push(cur);
            cur = '';
          }
        }
      }
      if (cur) merged.push(cur);
      if (merged.length === 0) continue;
      documents++;
      for (const m of merged) chars += m.length;
      docs.push(merged.join('\n'));
    }
    stats.push({ ...src, documents, chars });
  }
  return { text: docs.join('\n\n') + '\n', stats };
}
