import { inProgressTurn } from '@codex/core/wire';
import type { core, v2 } from '@codex/protocol';
import { refuse } from '../errors.js';
import { coreSandboxPolicy } from '../tools/sandbox-policy.js';
import { loadedThread } from './threads.js';
import type { HandlerTable } from './types.js';

/** v2 user input as core input items. Kinds core cannot take yet are refused by name. */
export function coreInput(input: readonly (v2.UserInput | null)[]): core.InputItem[] {
  return input.map((item, index): core.InputItem => {
    if (item === null) throw refuse(`Invalid request: input[${index}] must not be null`);
    switch (item.type) {
      case 'text':
        return { type: 'text', text: item.text };
      case 'image':
        if ('url' in item) return { type: 'image', image_url: item.url };
        break;
      case 'localImage':
        return { type: 'local_image', path: item.path };
    }
    throw refuse(`Invalid request: input[${index}] of type \`${item.type}\` is not supported`);
  });
}

/** v2 turns: start (with per-turn overrides), steer, interrupt. */
export const turnHandlers: HandlerTable = {
  'turn/start': (params, { server, session }) => {
    const live = loadedThread(server, params.threadId);
    const items = coreInput(params.input);
    if (items.length === 0) throw refuse('Invalid request: `input` must not be empty');
    const outputSchema =
      params.outputSchema && typeof params.outputSchema === 'object'
        ? (params.outputSchema as Record<string, unknown>)
        : null;
    const overridden =
      params.cwd ||
      params.approvalPolicy ||
      params.sandboxPolicy ||
      params.model ||
      params.effort ||
      params.summary;
    if (overridden) {
      const current = live.thread.session.turnSettings;
      live.thread.submit({
        type: 'user_turn',
        items,
        cwd: params.cwd ?? current.cwd,
        approval_policy: (params.approvalPolicy ?? current.approvalPolicy) as core.AskForApproval,
        sandbox_policy: params.sandboxPolicy
          ? coreSandboxPolicy(params.sandboxPolicy)
          : current.sandboxPolicy,
        model: params.model ?? current.model,
        effort: (params.effort ?? current.effort) as core.ReasoningEffort | null,
        summary: (params.summary ?? current.summary) as core.ReasoningSummary,
        final_output_json_schema: outputSchema,
      });
    } else {
      live.thread.submit({ type: 'user_input', items, final_output_json_schema: outputSchema });
    }
    if (!live.isSubscribed(session)) live.subscribe(session);
    const turnId = live.turnSubmitted();
    if (!turnId) throw refuse('the turn could not be started');
    return { turn: inProgressTurn(turnId, null) };
  },

  'turn/steer': (params, { server }) => {
    const live = loadedThread(server, params.threadId);
    const active = live.activeTurnId;
    if (!active) throw refuse('no active turn to steer');
    if (params.expectedTurnId !== active) {
      throw refuse(
        `expected turn ${params.expectedTurnId} is not active; the active turn is ${active}`,
      );
    }
    live.thread.submit({ type: 'user_input', items: coreInput(params.input) });
    return { turnId: active };
  },

  'turn/interrupt': async (params, { server }) => {
    const live = loadedThread(server, params.threadId);
    const active = live.activeTurnId;
    if (!active || (params.turnId && params.turnId !== active)) {
      throw refuse('no active turn to interrupt');
    }
    await live.interrupt();
    return {};
  },
};
