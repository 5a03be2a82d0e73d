import type { Logger } from '@codex/common';
import type { ExecServerClient } from '@codex/exec-server/client';
import type { ToolSpec } from '../../client/types.js';
import type { Config } from '../../config/load.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import type { UnifiedExecManager } from '../../tools/unified-exec/index.js';
import type { ExecPolicyRules } from '../exec-policy-rules.js';
import type { ModelFamily } from '../model-family.js';
import { callKey, type ToolCall, type ToolHandler, toolKey } from '../tool-call.js';
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
  /**
   * The tools beyond the built-ins (MCP servers', the client's, the host's), for a turn about
   * to start: waits for MCP servers still starting.
   */
  readonly extraTools: () => Promise<readonly ToolHandler[]>;
}

/** The tools of one turn: what the model is offered, and the handler of each call. */
export class ToolSet {
  /** In the order they are offered; namespaced functions grouped in their namespace. */
  readonly specs: readonly ToolSpec[];
  private readonly handlers = new Map<string, ToolHandler>();

  constructor(handlers: readonly ToolHandler[]) {
    const specs: ToolSpec[] = [];
    const namespaces = new Map<string, Extract<ToolSpec, { type: 'function' }>[]>();
    for (const handler of handlers) {
      const { spec, namespace } = handler;
      const name = spec.type === 'web_search' ? 'web_search' : spec.name;
      const key = toolKey(name, namespace?.name);
      // The first of two tools with one name wins (built-ins come first).
      if (this.handlers.has(key)) continue;
      this.handlers.set(key, handler);
      if (!namespace || spec.type !== 'function') {
        specs.push(spec);
        continue;
      }
      let tools = namespaces.get(namespace.name);
      if (!tools) {
        tools = [];
        namespaces.set(namespace.name, tools);
        specs.push({ type: 'namespace', ...namespace, tools });
      }
      tools.push(spec);
    }
    this.specs = specs;
  }

  /** The handler of `call`, if the turn offers its tool. */
  handlerFor(call: ToolCall): ToolHandler | undefined {
    return this.handlers.get(callKey(call));
  }
}

export type { ToolHandler } from '../tool-call.js';

/**
 * The tools a model gets: the shell tools of its family (`exec_command` and
 * `write_stdin`, or the legacy `shell`), `apply_patch` in the form it takes (every model gets
 * one), `update_plan` and `view_image`, then `extra`.
 */
export function toolsFor(
  family: ModelFamily,
  services: ToolServices,
  extra: readonly ToolHandler[] = [],
): ToolSet {
  const tools: ToolHandler[] =
    family.shellTool === 'unified_exec'
      ? [execCommandTool(services), writeStdinTool(services)]
      : [shellTool(services)];
  tools.push(applyPatchTool(family.applyPatchTool), updatePlanTool(), viewImageTool(family));
  return new ToolSet([...tools, ...extra]);
}
