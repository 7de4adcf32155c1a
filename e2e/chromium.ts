/**
 * Where the e2e tests find their Chromium, and what `npm run test:setup` does when there is none.
 *
 * Both decisions are pure functions over injected probes, so the unit test can play any machine:
 * `findChromium` looks at CHROMIUM_PATH, then /usr/bin/chromium, then the usual names on PATH;
 * `planInstall` says whether Debian's `chromium` package can be installed here without asking
 * (apt-get present, and root or passwordless sudo) or which command the user has to run.
 * A browser only ever comes from the system package manager, never from a download.
 */
import { accessSync, constants, statSync } from 'node:fs';

/** The looked-at part of the process environment. */
export interface ChromiumEnv {
  CHROMIUM_PATH?: string;
  PATH?: string;
}

/** True when `path` is an executable file (injected so tests need no real files). */
export type IsExecutable = (path: string) => boolean;

/** The real IsExecutable: a regular file (after symlinks) that this process may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Thrown when CHROMIUM_PATH is set but names nothing runnable: it is never silently ignored. */
export class ChromiumPathError extends Error {
  constructor(readonly path: string) {
    super(`CHROMIUM_PATH=${path} is not an executable file; fix it or unset it to use the system Chromium`);
    this.name = 'ChromiumPathError';
  }
}

/** The fixed place Debian's `chromium` package puts its launcher; looked at first. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** How the tests and the benchmark start Chromium: headless, with WebGPU (SwiftShader where there is no GPU), quiet. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Names looked up on PATH, in order, after DEBIAN_CHROMIUM. */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

/** The first executable `name` in the PATH directories, or null (`which`). A name with a slash is taken as is. */
export function which(name: string, env: ChromiumEnv, isExecutable: IsExecutable): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  for (const dir of (env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    const candidate = `${dir.replace(/\/+$/, '')}/${name}`;
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/**
 * The Chromium to use, or null when there is none. A non-empty CHROMIUM_PATH (a path, or a name
 * looked up on PATH) wins over everything and throws ChromiumPathError when it is not executable.
 */
export function findChromium(env: ChromiumEnv, isExecutable: IsExecutable): string | null {
  const override = env.CHROMIUM_PATH?.trim();
  if (override) {
    const found = which(override, env, isExecutable);
    if (found === null) throw new ChromiumPathError(override);
    return found;
  }
  if (isExecutable(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  for (const name of CHROMIUM_NAMES) {
    const found = which(name, env, isExecutable);
    if (found !== null) return found;
  }
  return null;
}

/** What `planInstall` asks of the machine; each probe is called only when the answer matters. */
export interface InstallHost {
  /** Whether `name` is an executable on PATH. */
  hasCommand(name: string): boolean;
  /** Whether this process runs as root (uid 0). */
  isRoot(): boolean;
  /** Whether `sudo -n true` succeeds (sudo without a password). */
  canSudoWithoutPassword(): boolean;
}

/** Either commands to run now (each an argv, run in order) or the message to print before giving up. */
export type InstallPlan = { kind: 'install'; notice: string; steps: string[][] } | { kind: 'manual'; message: string };

const APT_ENV = ['env', 'DEBIAN_FRONTEND=noninteractive'];

/** Decides how to get a Chromium once `findChromium` found none. */
export function planInstall(host: InstallHost): InstallPlan {
  if (!host.hasCommand('apt-get')) {
    return {
      kind: 'manual',
      message:
        'e2e: no Chromium found and no apt-get to install one. Install Chromium with your package manager ' +
        '(on Debian: sudo apt-get install chromium) or set CHROMIUM_PATH=/path/to/chromium, then run npm test again.',
    };
  }
  const root = host.isRoot();
  if (!root && !host.canSudoWithoutPassword()) {
    return {
      kind: 'manual',
      message:
        'e2e: no Chromium found, and installing one needs a password. Run:\n' +
        '  sudo apt-get update && sudo apt-get install -y chromium\n' +
        'or set CHROMIUM_PATH=/path/to/chromium, then run npm test again.',
    };
  }
  const prefix = root ? APT_ENV : ['sudo', '-n', ...APT_ENV];
  return {
    kind: 'install',
    notice: `e2e: no Chromium found; installing Debian's chromium package (${root ? '' : 'sudo -n '}apt-get install chromium)`,
    steps: [
      [...prefix, 'apt-get', 'update', '-qq'],
      [...prefix, 'apt-get', 'install', '-y', '-qq', 'chromium'],
    ],
  };
}
