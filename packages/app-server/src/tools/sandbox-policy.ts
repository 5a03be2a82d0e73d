import type { core, v2 } from '@codex/protocol';

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
