import type { ThreadSummary } from '@codex/core';
import type { core, v2 } from '@codex/protocol';

/** What the server knows of a loaded thread beside its summary on disk. */
export interface LoadedThreadFacts {
  readonly id: string;
  readonly cwd: string;
  readonly model: string;
  readonly modelProvider: string;
  readonly reasoningEffort: string | null;
  readonly path: string | null;
  readonly ephemeral: boolean;
  readonly forkedFromId: string | null;
  readonly originator: string;
  readonly source: string;
  readonly cliVersion: string;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly status: v2.ThreadStatus;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The v2 `SessionSource` for a recorded source kind. */
function sessionSource(source: string | null): v2.Thread['source'] {
  switch (source) {
    case 'cli':
    case 'vscode':
    case 'exec':
    case 'appServer':
      return source;
    case 'app_server':
    case 'app-server':
      return 'appServer';
    case null:
      return 'unknown';
    default:
      return { custom: source };
  }
}

/** The environment list of a loaded thread: the local machine at its cwd. */
export function localEnvironments(cwd: string): v2.Thread['environments'] {
  return [{ environmentId: 'local', cwd, runtimeWorkspaceRoots: [cwd] }];
}

/**
 * A v2 `Thread` from what is stored (`summary`) and, for a loaded thread, what is live
 * (`loaded`). Keys in the order the original sends them.
 */
export function threadObject(
  summary: ThreadSummary | null,
  loaded: LoadedThreadFacts | null,
  turns: v2.Turn[] = [],
): v2.Thread {
  const id = loaded?.id ?? summary?.id ?? '';
  const createdAt = summary ? seconds(summary.createdAt) : (loaded?.createdAt ?? 0);
  const updatedAt = summary ? seconds(summary.updatedAt) : createdAt;
  const gitInfo =
    summary && (summary.gitSha || summary.gitBranch || summary.gitOriginUrl)
      ? { sha: summary.gitSha, branch: summary.gitBranch, originUrl: summary.gitOriginUrl }
      : null;
  const cwd = loaded?.cwd ?? summary?.cwd ?? '/';
  return {
    id,
    environments: loaded ? localEnvironments(cwd) : null,
    extra: null,
    sessionId: id,
    forkedFromId: loaded?.forkedFromId ?? summary?.forkedFromId ?? null,
    attachedToThreadId: null,
    parentThreadId: null,
    preview: summary?.preview ?? '',
    ephemeral: loaded?.ephemeral ?? false,
    section: null,
    sectionEnteredAt: null,
    projectId: null,
    historyMode: 'paginated',
    modelProvider: loaded?.modelProvider ?? summary?.modelProvider ?? 'openai',
    model: loaded?.model ?? null,
    reasoningEffort: (loaded?.reasoningEffort ?? null) as v2.Thread['reasoningEffort'],
    createdAt,
    updatedAt,
    recencyAt: updatedAt,
    status: loaded?.status ?? { type: 'notLoaded' },
    path: loaded?.path ?? summary?.path ?? null,
    cwd,
    cliVersion: summary?.cliVersion ?? loaded?.cliVersion ?? '',
    originator: summary?.originator ?? loaded?.originator ?? null,
    source: sessionSource(summary?.source ?? loaded?.source ?? null),
    canAcceptDirectInput: loaded ? true : null,
    threadSource: null,
    agentNickname: null,
    agentRole: null,
    gitInfo,
    name: summary?.name ?? null,
    daybreakEnabled: null,
    turns,
  };
}

/** A core sandbox policy in v2's shape. */
export function sandboxPolicyV2(policy: core.SandboxPolicy): v2.SandboxPolicy {
  switch (policy.mode) {
    case 'danger-full-access':
      return { type: 'dangerFullAccess' };
    case 'read-only':
      return { type: 'readOnly', networkAccess: false };
    case 'external-sandbox':
      return {
        type: 'externalSandbox',
        networkAccess: policy.network_access ? 'enabled' : 'restricted',
      };
    case 'workspace-write':
      return {
        type: 'workspaceWrite',
        writableRoots: policy.writable_roots ?? [],
        networkAccess: policy.network_access ?? false,
        excludeTmpdirEnvVar: policy.exclude_tmpdir_env_var ?? false,
        excludeSlashTmp: policy.exclude_slash_tmp ?? false,
      };
  }
}
