/**
 * Output paths checked before any work: an output folder is made level by level from its
 * nearest existing ancestor, which must be a writable folder, and an output file must not
 * be a folder. Node's `mkdir(..., { recursive: true })` is not used for output folders: on
 * paths such as /proc/x/y it loops forever at 100% CPU (each level reports ENOENT and it
 * retries the parent), so a mistyped --output_dir would hang instead of failing.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

type Kind = 'folder' | 'file' | 'other' | 'missing';

async function kindOf(p: string): Promise<Kind> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'folder' : s.isFile() ? 'file' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file; the walk up finds and names it
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw err;
  }
}

async function writable(p: string, mode = constants.W_OK | constants.X_OK): Promise<boolean> {
  return access(p, mode).then(
    () => true,
    () => false,
  );
}

/** The folders from the nearest existing ancestor (first) down to `dir`, which are missing. */
async function missingLevels(dir: string, label: string): Promise<{ existing: string; missing: string[] }> {
  const missing: string[] = [];
  let p = path.resolve(dir);
  for (;;) {
    const kind = await kindOf(p);
    if (kind === 'folder') return { existing: p, missing: missing.reverse() };
    if (kind !== 'missing') {
      throw new Error(
        `${label} "${dir}": ${p === path.resolve(dir) ? 'exists and is' : `"${p}" is`} ${kind === 'file' ? 'a file' : 'something other than a folder'}, not a folder`,
      );
    }
    missing.push(p);
    const parent = path.dirname(p);
    if (parent === p) throw new Error(`${label} "${dir}": no part of this path exists`);
    p = parent;
  }
}

/**
 * Makes the output folder named by a flag (e.g. "--output_dir"), or fails at once with a
 * message naming the flag: when a part of the path is a file, when the nearest existing
 * folder is not writable, or when the system refuses a level (as /proc does).
 */
export async function makeOutputDir(dir: string, flag: string): Promise<void> {
  const { existing, missing } = await missingLevels(dir, flag);
  if (!(await writable(existing))) throw new Error(`${flag} "${dir}": the folder "${existing}" is not writable`);
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await kindOf(level)) === 'folder') continue;
      throw new Error(`${flag} "${dir}": cannot create the folder "${level}" (${(err as Error).message})`);
    }
  }
}

/**
 * Checks an output file named by a flag before any work: it must not be a folder (or
 * anything but a file), and its folder must exist, or be creatable, and be writable. The
 * folder is made when missing. An existing file is overwritten, as the original scripts do,
 * unless it is not writable.
 */
export async function prepareOutputFile(file: string, flag: string): Promise<void> {
  const kind = await kindOf(file);
  if (kind === 'folder') throw new Error(`${flag} "${file}": is an existing folder; name a file`);
  if (kind === 'other') throw new Error(`${flag} "${file}": exists and is not a regular file`);
  if (kind === 'file' && !(await writable(file, constants.W_OK)))
    throw new Error(`${flag} "${file}": the file is not writable`);
  await makeOutputDir(path.dirname(path.resolve(file)), flag);
}
