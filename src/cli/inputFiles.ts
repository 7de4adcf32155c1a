/** --input_file lists for the CLI: comma-separated paths and globs, expanded as Google's scripts expand them. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { listFlag } from './args.ts';

/** Expands a comma-separated list of paths and globs, as Google's script does with tf.gfile.Glob. */
export async function expandInputFiles(spec: string): Promise<string[]> {
  const out: string[] = [];
  for (const item of listFlag(spec)) {
    if (!/[*?[]/.test(item)) {
      out.push(item);
      continue;
    }
    const matches = await glob(item);
    if (matches.length === 0) throw new Error(`--input_file: "${item}" matches no file`);
    out.push(...matches);
  }
  return out;
}

function globToRegExp(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = part.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let body = part.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function glob(pattern: string): Promise<string[]> {
  const absolute = path.isAbsolute(pattern);
  const parts = pattern.split(/[\\/]+/).filter((p, i) => p.length > 0 || i === 0);
  let bases = [absolute ? path.parse(path.resolve(pattern)).root : '.'];
  if (absolute || parts[0] === '') parts.shift();
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k];
    const next: string[] = [];
    if (!/[*?[]/.test(part)) {
      for (const b of bases) next.push(path.join(b, part));
    } else {
      const re = globToRegExp(part);
      for (const b of bases) {
        const entries = await readdir(b, { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          if (!re.test(e.name)) continue;
          if (k < parts.length - 1 ? e.isDirectory() : e.isFile() || e.isSymbolicLink())
            next.push(path.join(b, e.name));
        }
      }
    }
    bases = next;
  }
  return bases.sort();
}
