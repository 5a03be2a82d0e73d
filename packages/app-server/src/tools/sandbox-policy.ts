import type { Config } from '@codex/core';
import type { core, v2 } from '@codex/protocol';

// TODO(lead): core computes the last two of these for its sessions (`sandboxPolicyOf` in
// session/turn-context.ts, `shellEnvironment` in sandbox/shell-environment.ts) but does not
// export them; once it does, import them and delete these copies. `coreSandboxPolicy` is also
// what handlers/turns.ts's private `coreSandbox` does.

/** A v2 sandbox policy in core's shape. */
export function coreSandboxPolicy(policy: v2.SandboxPolicy): core.SandboxPolicy {
  switch (policy.type) {
    case 'dangerFullAccess':
      return { mode: 'danger-full-access' };
    case 'readOnly':
      return { mode: 'read-only' };
    case 'externalSandbox':
      return { mode: 'external-sandbox', network_access: policy.networkAccess === 'enabled' };
    case 'workspaceWrite':
      return {
        mode: 'workspace-write',
        writable_roots: policy.writableRoots ?? [],
        network_access: policy.networkAccess ?? false,
        exclude_tmpdir_env_var: policy.excludeTmpdirEnvVar ?? false,
        exclude_slash_tmp: policy.excludeSlashTmp ?? false,
      };
  }
}

/** The sandbox policy a config asks for (`sandbox_mode` and `[sandbox_workspace_write]`). */
export function configSandboxPolicy(config: Config): core.SandboxPolicy {
  switch (config.sandboxMode) {
    case 'danger-full-access':
      return { mode: 'danger-full-access' };
    case 'workspace-write': {
      const settings = config.sandboxWorkspaceWrite;
      return {
        mode: 'workspace-write',
        writable_roots: [...settings.writableRoots],
        network_access: settings.networkAccess,
        exclude_tmpdir_env_var: settings.excludeTmpdirEnvVar,
        exclude_slash_tmp: settings.excludeSlashTmp,
      };
    }
    default:
      return { mode: 'read-only' };
  }
}

const CORE_VARIABLES = new Set([
  'HOME',
  'LOGNAME',
  'PATH',
  'SHELL',
  'USER',
  'USERNAME',
  'TMPDIR',
  'TEMP',
  'TMP',
]);
const CREDENTIAL_PATTERNS = ['*KEY*', '*SECRET*', '*TOKEN*'];

function globMatcher(patterns: readonly string[]): (name: string) => boolean {
  const regexes = patterns.map((pattern) => {
    const source = [...pattern]
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    return new RegExp(`^${source}$`, 'i');
  });
  return (name) => regexes.some((regex) => regex.test(name));
}

/**
 * The environment commands get under `shell_environment_policy`: `inherit`, then credentials
 * dropped unless `ignore_default_excludes`, then `exclude`, `set` and `include_only`.
 */
export function commandEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  policy: Config['shellEnvironmentPolicy'],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || policy.inherit === 'none') continue;
    if (policy.inherit === 'core' && !CORE_VARIABLES.has(name)) continue;
    env[name] = value;
  }
  const drop = (matches: (name: string) => boolean) => {
    for (const name of Object.keys(env)) if (matches(name)) delete env[name];
  };
  if (!policy.ignoreDefaultExcludes) drop(globMatcher(CREDENTIAL_PATTERNS));
  if (policy.exclude.length > 0) drop(globMatcher(policy.exclude));
  Object.assign(env, policy.set);
  if (policy.includeOnly.length > 0) {
    const keep = globMatcher(policy.includeOnly);
    drop((name) => !keep(name));
  }
  return env;
}
