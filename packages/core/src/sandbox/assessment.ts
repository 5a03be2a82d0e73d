import { lstat, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { core } from '@codex/protocol';
import { isKnownSafeCommand } from './safe-command.js';

/** What to do with a command or patch before running it. */
export type Verdict =
  | { readonly action: 'run' }
  | { readonly action: 'ask'; readonly reason: string | null }
  | { readonly action: 'reject'; readonly reason: string };

/** Folders under a writable root that stay read-only, as in the original's permission profile. */
export const PROTECTED_SUBFOLDERS = ['.git', '.codex', '.agents'] as const;

/** What to do with a command before running it. */
export type CommandVerdict =
  | { readonly action: 'run'; readonly sandboxed: boolean }
  | {
      readonly action: 'ask';
      readonly reason: string | null;
      readonly sandboxedAfterApproval: boolean;
    }
  | { readonly action: 'reject'; readonly reason: string };

/** What an exec-policy rule said about a command, if one matched. */
export type RuleDecision = 'allow' | 'prompt' | 'forbidden' | null;

/** Whether the policy lets the agent ask the user about leaving the sandbox. */
function mayAskToLeaveSandbox(policy: core.AskForApproval): boolean {
  if (policy === 'never') return false;
  if (typeof policy === 'object') return policy.granular.sandbox_approval;
  return true;
}

const policyName = (policy: core.AskForApproval) =>
  typeof policy === 'string' ? policy : 'granular';

/**
 * Decides whether a command runs (sandboxed or not), is put to the user, or is refused.
 *
 * - A `forbidden` rule refuses it; an `allow` rule, or the user's approval for the session,
 *   runs it outside the sandbox.
 * - Under `danger-full-access` nothing is sandboxed; `untrusted` asks about anything not known
 *   to be read-only.
 * - Under `read-only` / `workspace-write` a command runs in the sandbox unasked, unless it asks
 *   to leave it (`require_escalated`), a `prompt` rule matches, `untrusted` does not know it to
 *   be read-only, or no sandbox is available: then the user is asked, and a policy that may not
 *   ask (`never`, granular without `sandbox_approval`) refuses it. Nothing runs outside the
 *   sandbox without an approval.
 */
export function assessCommand(options: {
  readonly argv: readonly string[];
  readonly approvalPolicy: core.AskForApproval;
  readonly sandboxPolicy: core.SandboxPolicy;
  /** The model's reason for wanting the command (`justification`). */
  readonly justification?: string | null;
  /** The model asked to run it outside the sandbox (`sandbox_permissions: require_escalated`). */
  readonly escalated?: boolean;
  /** The user approved this exact command for the session. */
  readonly approvedForSession: boolean;
  /** Why no sandbox can run the command, or null when one can. */
  readonly sandboxUnavailable?: string | null;
  readonly rule?: RuleDecision;
}): CommandVerdict {
  const { approvalPolicy, sandboxPolicy, rule = null } = options;
  const justification = options.justification ?? null;
  if (rule === 'forbidden')
    return { action: 'reject', reason: 'the command is forbidden by an exec-policy rule' };
  if (options.approvedForSession || rule === 'allow') return { action: 'run', sandboxed: false };
  const safe = isKnownSafeCommand(options.argv);
  // Nothing to wrap: full access, or the host's own sandbox around the agent.
  if (sandboxPolicy.mode === 'danger-full-access' || sandboxPolicy.mode === 'external-sandbox') {
    if ((approvalPolicy === 'untrusted' && !safe) || rule === 'prompt')
      return { action: 'ask', reason: justification, sandboxedAfterApproval: false };
    return { action: 'run', sandboxed: false };
  }
  const unavailable = options.sandboxUnavailable ?? null;
  const leave: string | null = unavailable
    ? `this command would run without a sandbox: ${unavailable}`
    : options.escalated
      ? 'the command asks to run outside the sandbox'
      : rule === 'prompt'
        ? 'an exec-policy rule asks for approval'
        : approvalPolicy === 'untrusted' && !safe
          ? 'the approval policy asks about every command not known to be read-only'
          : null;
  if (leave === null) return { action: 'run', sandboxed: true };
  if (!mayAskToLeaveSandbox(approvalPolicy))
    return {
      action: 'reject',
      reason: `${leave}, and the approval policy \`${policyName(approvalPolicy)}\` does not allow asking the user`,
    };
  const sandboxedAfterApproval =
    unavailable === null &&
    !options.escalated &&
    rule !== 'prompt' &&
    approvalPolicy === 'untrusted';
  return { action: 'ask', reason: justification ?? `${leave}.`, sandboxedAfterApproval };
}

/** The folders a `workspace-write` policy lets the agent write. */
export function writableRoots(sandboxPolicy: core.SandboxPolicy, cwd: string): string[] {
  if (sandboxPolicy.mode !== 'workspace-write') return [];
  const roots = [cwd, ...(sandboxPolicy.writable_roots ?? []).map((root) => resolve(cwd, root))];
  if (!sandboxPolicy.exclude_slash_tmp && process.platform !== 'win32') roots.push('/tmp');
  const tmp = process.env.TMPDIR;
  if (!sandboxPolicy.exclude_tmpdir_env_var && tmp) roots.push(resolve(tmp));
  else if (!sandboxPolicy.exclude_tmpdir_env_var) roots.push(tmpdir());
  return roots;
}

/** Symlinks followed before a path is declared a loop. */
const MAX_SYMLINK_HOPS = 40;

/**
 * Where writing `path` would land: every symlink along it is followed, dangling ones included
 * (a writer follows a dangling link and creates its target), and components that do not exist
 * yet are kept as written.
 */
async function realPathOf(path: string, hops = 0): Promise<string> {
  const parts = resolve(path)
    .split(sep)
    .filter((part) => part.length > 0);
  let current: string = sep;
  for (const [index, part] of parts.entries()) {
    const next = join(current, part);
    let isLink: boolean;
    try {
      isLink = (await lstat(next)).isSymbolicLink();
    } catch {
      return join(next, ...parts.slice(index + 1));
    }
    if (isLink) {
      if (hops >= MAX_SYMLINK_HOPS) throw new Error(`${path}: too many symbolic links`);
      const target = resolve(current, await readlink(next));
      return realPathOf(join(target, ...parts.slice(index + 1)), hops + 1);
    }
    current = next;
  }
  return current;
}

const isInside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** Whether every path is inside a writable root and outside its protected folders. */
export async function pathsAreWritable(
  paths: readonly string[],
  roots: readonly string[],
): Promise<boolean> {
  if (roots.length === 0) return false;
  const realRoots = await Promise.all(roots.map(realPathOf));
  for (const path of paths) {
    const real = await realPathOf(path);
    const roots = realRoots.filter((candidate) => isInside(candidate, real));
    if (roots.length === 0) return false;
    const inProtected = roots.some((root) =>
      PROTECTED_SUBFOLDERS.some((name) => isInside(resolve(root, name), real)),
    );
    if (inProtected) return false;
  }
  return true;
}

/**
 * Decides whether a patch is applied, put to the user, or refused. The agent applies patches
 * itself, so confining them needs no sandbox: a patch that stays inside the writable roots of
 * a `workspace-write` policy (or anything under `danger-full-access`) is applied without asking,
 * except under `untrusted`, which asks about every patch.
 */
export async function assessPatch(options: {
  /** Absolute paths the patch writes or deletes (move destinations included). */
  readonly paths: readonly string[];
  readonly cwd: string;
  readonly approvalPolicy: core.AskForApproval;
  readonly sandboxPolicy: core.SandboxPolicy;
  readonly approvedForSession: boolean;
}): Promise<Verdict> {
  const { approvalPolicy, sandboxPolicy } = options;
  if (options.approvedForSession) return { action: 'run' };
  if (approvalPolicy === 'untrusted') return { action: 'ask', reason: null };
  if (sandboxPolicy.mode === 'danger-full-access' || sandboxPolicy.mode === 'external-sandbox')
    return { action: 'run' };
  if (await pathsAreWritable(options.paths, writableRoots(sandboxPolicy, options.cwd)))
    return { action: 'run' };
  if (!mayAskToLeaveSandbox(approvalPolicy))
    return {
      action: 'reject',
      reason: `the patch writes outside the writable roots, and the approval policy \`${policyName(approvalPolicy)}\` does not allow asking the user`,
    };
  return { action: 'ask', reason: 'the patch writes outside the writable roots' };
}
