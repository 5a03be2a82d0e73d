import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { core, exec, protocolJsonSchema, v1, v2 } from '../src/index.js';

// The methods issue #2 requires, straight from its text.
const REQUIRED_V2_REQUESTS =
  `initialize thread/start thread/resume thread/fork thread/list thread/read thread/archive
  thread/unarchive thread/name/set thread/loaded/list thread/unsubscribe turn/start turn/steer turn/interrupt model/list
  config/read config/value/write config/batchWrite configRequirements/read account/read account/login/start
  account/login/cancel account/logout command/exec command/exec/write command/exec/terminate command/exec/resize
  externalAgentConfig/detect externalAgentConfig/import fuzzyFileSearch`.split(/\s+/);
const REQUIRED_V2_NOTIFICATIONS =
  `error thread/started thread/status/changed thread/name/updated thread/tokenUsage/updated
  turn/started turn/completed turn/diff/updated turn/plan/updated item/started item/completed item/agentMessage/delta
  item/reasoning/summaryTextDelta item/reasoning/textDelta item/commandExecution/outputDelta item/fileChange/outputDelta
  serverRequest/resolved account/updated account/login/completed configWarning command/exec/outputDelta`.split(
    /\s+/,
  );
const REQUIRED_V2_SERVER_REQUESTS =
  `item/commandExecution/requestApproval item/fileChange/requestApproval
  account/chatgptAuthTokens/refresh execCommandApproval applyPatchApproval`.split(/\s+/);

describe('method tables', () => {
  it('cover the required v2 methods', () => {
    expect(Object.keys(v2.clientRequestsV2)).toEqual(expect.arrayContaining(REQUIRED_V2_REQUESTS));
    expect(Object.keys(v2.serverNotificationsV2)).toEqual(
      expect.arrayContaining(REQUIRED_V2_NOTIFICATIONS),
    );
    expect(Object.keys(v2.serverRequestsV2)).toEqual(
      expect.arrayContaining(REQUIRED_V2_SERVER_REQUESTS),
    );
    expect(Object.keys(v2.clientNotificationsV2)).toStrictEqual(['initialized']);
  });

  it('cover the v1 conversation API and one notification per core event', () => {
    expect(Object.keys(v1.clientRequestsV1).sort()).toStrictEqual(
      [
        'newConversation',
        'sendUserMessage',
        'sendUserTurn',
        'interruptConversation',
        'addConversationListener',
        'removeConversationListener',
        'loginChatGpt',
        'cancelLoginChatGpt',
        'logoutChatGpt',
        'getAuthStatus',
        'gitDiffToRemote',
      ].sort(),
    );
    for (const type of core.EVENT_MSG_TYPES) {
      expect(v1.serverNotificationsV1).toHaveProperty([v1.codexEventMethod(type)]);
    }
  });

  it('cover exec-server v0', () => {
    expect(Object.keys(exec.execRequests)).toEqual(
      expect.arrayContaining([
        'initialize',
        'process/start',
        'process/read',
        'process/write',
        'process/terminate',
      ]),
    );
    expect(Object.keys(exec.execServerNotifications).sort()).toStrictEqual([
      'process/exited',
      'process/output',
    ]);
  });

  it('derive params and result types from the tables', () => {
    expectTypeOf<v2.ParamsOf<'thread/start'>>().toEqualTypeOf<v2.ThreadStartParams>();
    expectTypeOf<v2.ResultOf<'turn/start'>>().toEqualTypeOf<v2.TurnStartResponse>();
    expectTypeOf<
      v2.ParamsOf<'item/agentMessage/delta'>
    >().toEqualTypeOf<v2.AgentMessageDeltaNotification>();
    expectTypeOf<v1.ResultOf<'newConversation'>>().toEqualTypeOf<v1.NewConversationResponse>();
    expectTypeOf<
      v1.ParamsOf<'codex/event/agent_message'>
    >().toEqualTypeOf<v1.CodexEventNotificationParams>();
    expectTypeOf<exec.ParamsOf<'process/start'>>().toEqualTypeOf<exec.ExecParams>();
    expect(v2.clientRequestsV2['thread/start'].params).toBe(v2.ThreadStartParamsSchema);
  });
});

describe('JSON Schema export', () => {
  it('exports every table with $refs into named definitions', () => {
    const doc = protocolJsonSchema('v2', v2, {
      clientRequests: v2.clientRequestsV2,
      serverNotifications: v2.serverNotificationsV2,
    });
    expect(doc.methods.clientRequests?.['thread/start']).toStrictEqual({
      params: { $ref: '#/definitions/ThreadStartParams' },
      result: { $ref: '#/definitions/ThreadStartResponse' },
    });
    expect(doc.definitions.ThreadStartParams).toMatchObject({ type: 'object' });
    expect(Object.keys(doc.definitions).length).toBeGreaterThan(300);
    expect(JSON.stringify(doc)).not.toContain('"$ref":"#/definitions/undefined"');
  });
});

describe('generated v2 sources', () => {
  it('match the vendored reference schema', () => {
    const script = join(import.meta.dirname, '..', 'scripts', 'generate-v2.mjs');
    const output = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(output).toContain('checked');
  });
});
