import { describe, expect, it } from 'vitest';
import { ChromiumPathError, findChromium, type InstallHost, planInstall, which } from './chromium.ts';

/** An IsExecutable over a fixed set of paths, recording every path it was asked about. */
function fakeFs(executables: string[]) {
  const asked: string[] = [];
  const set = new Set(executables);
  const isExecutable = (path: string) => {
    asked.push(path);
    return set.has(path);
  };
  return { isExecutable, asked };
}

/** An InstallHost with fixed answers, recording which probes were called. */
function fakeHost(answers: { apt: boolean; root: boolean; sudo: boolean }) {
  const calls: string[] = [];
  const host: InstallHost = {
    hasCommand: (name) => {
      calls.push(`hasCommand ${name}`);
      return name === 'apt-get' && answers.apt;
    },
    isRoot: () => {
      calls.push('isRoot');
      return answers.root;
    },
    canSudoWithoutPassword: () => {
      calls.push('sudo');
      return answers.sudo;
    },
  };
  return { host, calls };
}

const PATH = '/opt/bin:/usr/local/bin/:/usr/bin';

describe('which', () => {
  it('takes the first PATH directory holding the name, skipping empty entries and trailing slashes', () => {
    const fs = fakeFs(['/usr/local/bin/tool', '/usr/bin/tool']);
    expect(which('tool', { PATH: `::${PATH}` }, fs.isExecutable)).toBe('/usr/local/bin/tool');
    expect(fs.asked).toEqual(['/opt/bin/tool', '/usr/local/bin/tool']);
    expect(which('tool', {}, fs.isExecutable)).toBeNull();
    expect(which('/usr/bin/tool', {}, fs.isExecutable)).toBe('/usr/bin/tool');
  });
});

describe('findChromium', () => {
  it('uses CHROMIUM_PATH over every other candidate', () => {
    const fs = fakeFs(['/home/me/chrome/chrome', '/usr/bin/chromium', '/usr/bin/google-chrome']);
    expect(findChromium({ CHROMIUM_PATH: '/home/me/chrome/chrome', PATH }, fs.isExecutable)).toBe(
      '/home/me/chrome/chrome',
    );
    expect(fs.asked).toEqual(['/home/me/chrome/chrome']);
  });

  it('looks a CHROMIUM_PATH without a slash up on PATH', () => {
    const fs = fakeFs(['/usr/bin/chromium', '/opt/bin/my-chrome']);
    expect(findChromium({ CHROMIUM_PATH: 'my-chrome', PATH }, fs.isExecutable)).toBe('/opt/bin/my-chrome');
  });

  it('throws an error naming CHROMIUM_PATH when it is set but not executable, even with a system Chromium', () => {
    const fs = fakeFs(['/usr/bin/chromium']);
    const find = () => findChromium({ CHROMIUM_PATH: '/nope/chrome', PATH }, fs.isExecutable);
    expect(find).toThrow(ChromiumPathError);
    expect(find).toThrow('CHROMIUM_PATH=/nope/chrome is not an executable file');
    expect(fs.asked).not.toContain('/usr/bin/chromium');
  });

  it('treats an empty CHROMIUM_PATH as unset', () => {
    const fs = fakeFs(['/usr/bin/chromium']);
    expect(findChromium({ CHROMIUM_PATH: ' ', PATH }, fs.isExecutable)).toBe('/usr/bin/chromium');
  });

  it('takes /usr/bin/chromium first, without looking on PATH', () => {
    const fs = fakeFs(['/opt/bin/chromium', '/usr/bin/chromium']);
    expect(findChromium({ PATH }, fs.isExecutable)).toBe('/usr/bin/chromium');
    expect(fs.asked).toEqual(['/usr/bin/chromium']);
  });

  it('falls through chromium, chromium-browser, google-chrome, google-chrome-stable on PATH, in that order', () => {
    const names = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
    // Each name is found only when every earlier one is missing.
    for (let i = 0; i < names.length; i++) {
      const fs = fakeFs(names.slice(i).map((n) => `/usr/local/bin/${n}`));
      expect(findChromium({ PATH }, fs.isExecutable)).toBe(`/usr/local/bin/${names[i]}`);
    }
    const fs = fakeFs([]);
    expect(findChromium({ PATH: '/a:/b' }, fs.isExecutable)).toBeNull();
    expect(fs.asked).toEqual(['/usr/bin/chromium', ...names.flatMap((n) => [`/a/${n}`, `/b/${n}`])]);
  });
});

describe('planInstall', () => {
  it('installs Debian chromium with apt-get directly as root, without asking sudo', () => {
    const { host, calls } = fakeHost({ apt: true, root: true, sudo: false });
    const plan = planInstall(host);
    expect(plan).toEqual({
      kind: 'install',
      notice: "e2e: no Chromium found; installing Debian's chromium package (apt-get install chromium)",
      steps: [
        ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-qq'],
        ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', 'chromium'],
      ],
    });
    expect(calls).not.toContain('sudo');
  });

  it('installs through sudo -n when not root but sudo needs no password', () => {
    const { host } = fakeHost({ apt: true, root: false, sudo: true });
    const plan = planInstall(host);
    expect(plan.kind).toBe('install');
    if (plan.kind !== 'install') return;
    expect(plan.notice).toContain('sudo -n apt-get install chromium');
    expect(plan.steps).toEqual([
      ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-qq'],
      ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', 'chromium'],
    ]);
  });

  it('prints the exact sudo command when installing would need a password', () => {
    const { host, calls } = fakeHost({ apt: true, root: false, sudo: false });
    const plan = planInstall(host);
    expect(plan.kind).toBe('manual');
    if (plan.kind !== 'manual') return;
    expect(plan.message).toContain('sudo apt-get update && sudo apt-get install -y chromium');
    expect(plan.message).toContain('CHROMIUM_PATH');
    expect(calls).toEqual(['hasCommand apt-get', 'isRoot', 'sudo']);
  });

  it('says how to install or point at a Chromium when there is no apt-get, even as root', () => {
    const { host, calls } = fakeHost({ apt: false, root: true, sudo: true });
    const plan = planInstall(host);
    expect(plan.kind).toBe('manual');
    if (plan.kind !== 'manual') return;
    expect(plan.message).toContain('no apt-get');
    expect(plan.message).toContain('sudo apt-get install chromium');
    expect(plan.message).toContain('CHROMIUM_PATH=/path/to/chromium');
    expect(calls).toEqual(['hasCommand apt-get']);
  });
});
