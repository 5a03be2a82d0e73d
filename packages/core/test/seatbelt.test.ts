import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { core } from '@codex/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SANDBOX_EXEC,
  type SeatbeltOptions,
  seatbeltCommand,
  seatbeltProfile,
} from '../src/sandbox/seatbelt.js';

// Golden profiles. Regenerate with UPDATE_GOLDEN=1 after a deliberate change, and review the diff.
const FIXTURES = join(import.meta.dirname, 'fixtures', 'seatbelt');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** macOS's own symlinks, so the parameters come out as they would there. */
function macCanonicalize(path: string): string {
  for (const link of ['/tmp', '/var', '/etc'])
    if (path === link || path.startsWith(`${link}/`)) return `/private${path}`;
  return path;
}

const CWD = '/Users/dev/project';
const TMPDIR = '/var/folders/zz/abc123/T/';
const base = { cwd: CWD, tmpdir: TMPDIR, canonicalize: macCanonicalize } as const;
const workspace = (
  extra: Omit<Extract<core.SandboxPolicy, { mode: 'workspace-write' }>, 'mode'> = {},
) => ({ mode: 'workspace-write', ...extra }) as const;

/** Parameters for one writable root: the root, then its `.git`, `.codex` and `.agents`. */
const rootParams = (index: number, root: string) => ({
  [`WRITABLE_ROOT_${index}`]: root,
  [`WRITABLE_ROOT_${index}_RO_0`]: `${root}/.git`,
  [`WRITABLE_ROOT_${index}_RO_1`]: `${root}/.codex`,
  [`WRITABLE_ROOT_${index}_RO_2`]: `${root}/.agents`,
});

const cases: ReadonlyArray<{
  readonly golden: string;
  readonly options: SeatbeltOptions;
  readonly params: Record<string, string>;
}> = [
  { golden: 'read-only.sb', options: { ...base, policy: { mode: 'read-only' } }, params: {} },
  {
    golden: 'workspace-write.sb',
    options: { ...base, policy: workspace() },
    params: {
      ...rootParams(0, CWD),
      ...rootParams(1, '/private/tmp'),
      ...rootParams(2, '/private/var/folders/zz/abc123/T'),
    },
  },
  {
    golden: 'workspace-write-roots.sb',
    options: { ...base, policy: workspace({ writable_roots: ['/Users/dev/cache', '../shared'] }) },
    params: {
      ...rootParams(0, '/Users/dev/cache'),
      ...rootParams(1, '/Users/dev/shared'),
      ...rootParams(2, CWD),
      ...rootParams(3, '/private/tmp'),
      ...rootParams(4, '/private/var/folders/zz/abc123/T'),
    },
  },
  {
    golden: 'workspace-write-no-tmp.sb',
    options: {
      ...base,
      policy: workspace({ exclude_slash_tmp: true, exclude_tmpdir_env_var: true }),
    },
    params: rootParams(0, CWD),
  },
  {
    golden: 'workspace-write-no-slash-tmp.sb',
    options: { ...base, policy: workspace({ exclude_slash_tmp: true }) },
    params: { ...rootParams(0, CWD), ...rootParams(1, '/private/var/folders/zz/abc123/T') },
  },
  {
    golden: 'workspace-write-network.sb',
    options: {
      ...base,
      policy: workspace({ network_access: true, exclude_tmpdir_env_var: true }),
      darwinUserCacheDir: '/var/folders/zz/abc123/C/',
    },
    params: {
      ...rootParams(0, CWD),
      ...rootParams(1, '/private/tmp'),
      DARWIN_USER_CACHE_DIR: '/private/var/folders/zz/abc123/C',
    },
  },
  {
    golden: 'danger-full-access.sb',
    options: { ...base, policy: { mode: 'danger-full-access' } },
    params: {},
  },
];

describe('seatbeltProfile golden files', () => {
  for (const { golden, options, params } of cases) {
    it(golden, () => {
      const result = seatbeltProfile(options);
      const path = join(FIXTURES, golden);
      if (UPDATE) {
        mkdirSync(FIXTURES, { recursive: true });
        writeFileSync(path, result.profile);
      }
      expect(result.profile).toBe(readFileSync(path, 'utf8'));
      expect(result.params).toEqual(params);
      // Insertion order is the order of the -D flags.
      expect(Object.keys(result.params)).toEqual(Object.keys(params));
    });
  }
});

/** The names of every `(param "…")` the profile reads. */
const paramsRead = (profile: string) =>
  [...profile.matchAll(/\(param "([A-Z0-9_]+)"\)/g)].map((match) => match[1]);

/** Whether every parenthesis outside strings and comments is matched. */
function balanced(profile: string): boolean {
  let depth = 0;
  for (const line of profile.split('\n')) {
    const code = line.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/;.*$/, '');
    for (const char of code) {
      if (char === '(') depth += 1;
      if (char === ')') depth -= 1;
      if (depth < 0) return false;
    }
  }
  return depth === 0;
}

describe('seatbeltProfile meaning', () => {
  it('reads exactly the parameters it defines, with balanced forms', () => {
    for (const { options } of cases) {
      const { profile, params } = seatbeltProfile(options);
      expect(new Set(paramsRead(profile))).toEqual(new Set(Object.keys(params)));
      expect(balanced(profile)).toBe(true);
    }
  });

  it('denies by default and allows reading everywhere in every mode', () => {
    for (const { options } of cases) {
      const { profile } = seatbeltProfile(options);
      expect(profile.startsWith('(version 1)\n')).toBe(true);
      expect(profile).toContain('(deny default)');
      expect(profile).toContain('(allow file-read*)\n');
      expect(profile).toContain('(allow process-exec)');
      expect(profile).toContain('(allow process-fork)');
      expect(profile).toContain('(allow sysctl-read');
    }
  });

  it('allows writes only where the policy says', () => {
    const writeRules = (policy: core.SandboxPolicy) =>
      seatbeltProfile({ ...base, policy })
        .profile.split('\n')
        .filter((line) => line.startsWith('(allow file-write*'));
    expect(writeRules({ mode: 'read-only' })).toEqual([]);
    expect(writeRules(workspace())).toEqual(['(allow file-write*']);
    expect(writeRules({ mode: 'danger-full-access' })).toEqual([
      '(allow file-write* (subpath "/"))',
    ]);
  });

  it('keeps .git, .codex and .agents read-only inside every writable root', () => {
    const { profile, params } = seatbeltProfile({ ...base, policy: workspace() });
    for (const index of [0, 1, 2]) {
      for (const sub of [0, 1, 2])
        expect(profile).toContain(
          `(require-not (subpath (param "WRITABLE_ROOT_${index}_RO_${sub}")))`,
        );
      const root = params[`WRITABLE_ROOT_${index}`];
      expect(params[`WRITABLE_ROOT_${index}_RO_0`]).toBe(`${root}/.git`);
    }
  });

  it('allows network only with network_access or full access', () => {
    const hasNetwork = (policy: core.SandboxPolicy) =>
      seatbeltProfile({ ...base, policy }).profile.includes('(allow network-outbound)');
    expect(hasNetwork({ mode: 'read-only' })).toBe(false);
    expect(hasNetwork(workspace())).toBe(false);
    expect(hasNetwork(workspace({ network_access: false }))).toBe(false);
    expect(hasNetwork(workspace({ network_access: true }))).toBe(true);
    expect(hasNetwork({ mode: 'danger-full-access' })).toBe(true);
  });

  it('writes the cache folder only with network and only when it is known', () => {
    const withCache = { ...base, darwinUserCacheDir: '/var/folders/zz/abc123/C' };
    expect(seatbeltProfile({ ...withCache, policy: workspace() }).params).not.toHaveProperty(
      'DARWIN_USER_CACHE_DIR',
    );
    const networked = seatbeltProfile({ ...base, policy: workspace({ network_access: true }) });
    expect(networked.profile).not.toContain('DARWIN_USER_CACHE_DIR');
  });

  it('lists a writable root once when the cwd is also configured', () => {
    const { params } = seatbeltProfile({
      ...base,
      policy: workspace({ writable_roots: [CWD, '.'], exclude_tmpdir_env_var: true }),
    });
    expect(params).toEqual({ ...rootParams(0, CWD), ...rootParams(1, '/private/tmp') });
  });

  it('ignores an empty or relative TMPDIR', () => {
    for (const value of ['', 'relative/tmp']) {
      const { params } = seatbeltProfile({ ...base, tmpdir: value, policy: workspace() });
      expect(Object.keys(params).filter((key) => !key.includes('_RO_'))).toEqual([
        'WRITABLE_ROOT_0',
        'WRITABLE_ROOT_1',
      ]);
    }
  });

  it('reads TMPDIR from the environment when not given', () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = '/Users/dev/tmp';
    try {
      const { params } = seatbeltProfile({
        cwd: CWD,
        canonicalize: macCanonicalize,
        policy: workspace(),
      });
      expect(params.WRITABLE_ROOT_2).toBe('/Users/dev/tmp');
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});

describe('seatbeltProfile canonicalization', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'seatbelt-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('resolves symlinked roots by default and keeps missing paths as written', () => {
    const real = join(scratch, 'real');
    mkdirSync(real);
    symlinkSync(real, join(scratch, 'link'));
    const { params } = seatbeltProfile({
      cwd: join(scratch, 'link'),
      tmpdir: join(scratch, 'missing'),
      policy: workspace({ exclude_slash_tmp: true }),
    });
    expect(params.WRITABLE_ROOT_0).toBe(realpathSync(real));
    expect(params.WRITABLE_ROOT_0_RO_0).toBe(join(realpathSync(real), '.git'));
    expect(params.WRITABLE_ROOT_1).toBe(join(scratch, 'missing'));
  });
});

describe('seatbeltCommand', () => {
  it('passes the profile, one -D per parameter in order, then the command', () => {
    const options: SeatbeltOptions = {
      ...base,
      policy: workspace({ exclude_slash_tmp: true, exclude_tmpdir_env_var: true }),
    };
    const argv = seatbeltCommand(['/bin/bash', '-lc', 'echo hi'], options);
    expect(argv).toEqual([
      '/usr/bin/sandbox-exec',
      '-p',
      readFileSync(join(FIXTURES, 'workspace-write-no-tmp.sb'), 'utf8'),
      '-D',
      `WRITABLE_ROOT_0=${CWD}`,
      '-D',
      `WRITABLE_ROOT_0_RO_0=${CWD}/.git`,
      '-D',
      `WRITABLE_ROOT_0_RO_1=${CWD}/.codex`,
      '-D',
      `WRITABLE_ROOT_0_RO_2=${CWD}/.agents`,
      '--',
      '/bin/bash',
      '-lc',
      'echo hi',
    ]);
    expect(argv[0]).toBe(SANDBOX_EXEC);
  });

  it('passes no -D for read-only and keeps arguments verbatim', () => {
    const argv = seatbeltCommand(['printf', '%s\n', '-D', '--'], {
      ...base,
      policy: { mode: 'read-only' },
    });
    expect(argv.slice(3)).toEqual(['--', 'printf', '%s\n', '-D', '--']);
    expect(argv[2]).toBe(readFileSync(join(FIXTURES, 'read-only.sb'), 'utf8'));
  });
});
