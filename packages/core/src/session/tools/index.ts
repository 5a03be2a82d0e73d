import type { Logger } from '@codex/common';
import type { ExecServerClient } from '@codex/exec-server/client';
import type { Config } from '../../config/load.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import type { UnifiedExecManager } from '../../tools/unified-exec/index.js';
import type { ExecPolicyRules } from '../exec-policy-rules.js';
import type { ModelFamily } from '../model-family.js';
import type { ToolHandler } from '../tool-call.js';
import { execCommandTool, type RunningCommand, shellTool, writeStdinTool } from './exec.js';
import { applyPatchTool } from './patch.js';
import { updatePlanTool, viewImageTool } from './simple.js';

/** What tool handlers share across a session's turns. */
export interface ToolServices {
  readonly config: Config;
  readonly exec: ExecServerClient;
  readonly unifiedExec: UnifiedExecManager;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  /** Commands still running after their `exec_command` returned, by session id. */
  readonly runningCommands: Map<number, RunningCommand>;
  /** Runs commands under the turn's sandbox policy. */
  readonly sandbox: Sandbox;
  /** The user's exec-policy rules (`$CODEX_HOME/rules`). */
  readonly execPolicy: ExecPolicyRules;
  /** Mutable per-session flags. */
  readonly state: { sandboxWarned: boolean };
}

export type { ToolHandler } from '../tool-call.js';

/**
 * The tools a model gets, by name: the shell tools of its family (`exec_command` and
 * `write_stdin`, or the legacy `shell`), `apply_patch` in the form it takes (every model gets
 * one), `update_plan` and `view_image`.
 */
export function toolsFor(family: ModelFamily, services: ToolServices): Map<string, ToolHandler> {
  const tools: ToolHandler[] =
    family.shellTool === 'unified_exec'
      ? [execCommandTool(services), writeStdinTool(services)]
      : [shellTool(services)];
  tools.push(applyPatchTool(family.applyPatchTool), updatePlanTool(), viewImageTool(family));
  return new Map(
    tools.map((tool) => [tool.spec.type === 'web_search' ? 'web_search' : tool.spec.name, tool]),
  );
}
