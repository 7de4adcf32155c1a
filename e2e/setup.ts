/**
 * `npm run test:setup`, the first step of `npm test`: makes sure the e2e tests have a Chromium.
 *
 * Found (CHROMIUM_PATH, /usr/bin/chromium or a Chromium/Chrome on PATH): prints which one and exits 0,
 * without touching apt. None: installs Debian's `chromium` with apt-get when that needs no password
 * (root, or `sudo -n`), else prints the command to run and exits 1, before any slow test has started.
 */
import { spawnSync } from 'node:child_process';
import { ChromiumPathError, findChromium, isExecutableFile, planInstall, which } from './chromium.ts';

/** "Chromium 156.0.8078.114" from `chromium --version`, or a note that it could not be read. */
function versionOf(path: string): string {
  const run = spawnSync(path, ['--version'], {
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line = run.status === 0 ? run.stdout.trim().split('\n')[0] : '';
  return line ? line.replace(/\s+built on .*$/, '') : 'version not readable';
}

/** Finds the Chromium, or null; a wrong CHROMIUM_PATH ends the process with its message. */
function find(): string | null {
  try {
    return findChromium(process.env, isExecutableFile);
  } catch (err) {
    if (!(err instanceof ChromiumPathError)) throw err;
    console.error(`e2e: ${err.message}`);
    process.exit(2);
  }
}

function main(): number {
  let path = find();
  if (path === null) {
    const plan = planInstall({
      hasCommand: (name) => which(name, process.env, isExecutableFile) !== null,
      isRoot: () => process.getuid?.() === 0,
      canSudoWithoutPassword: () => spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0,
    });
    if (plan.kind === 'manual') {
      console.error(plan.message);
      return 1;
    }
    console.log(plan.notice);
    for (const [command, ...args] of plan.steps) {
      // apt's progress goes nowhere; it is printed only when the step fails.
      const run = spawnSync(command, args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      });
      if (run.status !== 0) {
        process.stderr.write(run.stdout + run.stderr);
        const why = run.error ? run.error.message : `exit code ${run.status ?? run.signal}`;
        console.error(
          `e2e: \`${[command, ...args].join(' ')}\` failed (${why}); install Chromium and run npm test again`,
        );
        return 1;
      }
    }
    path = find();
    if (path === null) {
      console.error('e2e: apt-get installed chromium, but no Chromium is found; set CHROMIUM_PATH=/path/to/chromium');
      return 1;
    }
  }
  console.log(`e2e: using Chromium at ${path} (${versionOf(path)})`);
  return 0;
}

process.exitCode = main();
