import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  classifyMessage,
  core,
  exec,
  findMethod,
  JsonRpcErrorResponseSchema,
  type MethodTable,
  v1,
  v2,
} from '../src/index.js';
import { loadFixtures, type WireFixture } from './support.js';

const protocols: Record<string, { requests: MethodTable[]; notifications: MethodTable[] }> = {
  v2: {
    requests: [v2.clientRequestsV2, v2.serverRequestsV2],
    notifications: [v2.clientNotificationsV2, v2.serverNotificationsV2],
  },
  v1: {
    requests: [v1.clientRequestsV1, v1.serverRequestsV1],
    notifications: [v1.serverNotificationsV1],
  },
  exec: {
    requests: [exec.execRequests],
    notifications: [exec.execClientNotifications, exec.execServerNotifications],
  },
};

/** Parses the payload of a wire message with its method's schema and puts it back. */
function roundTrip(protocol: string, fixture: WireFixture): Record<string, unknown> {
  const { requests, notifications } = protocols[protocol] ?? { requests: [], notifications: [] };
  const classified = classifyMessage(fixture.message);
  if ('problem' in classified) throw new Error(classified.problem);
  const message = fixture.message;
  const parse = (schema: z.ZodType, value: unknown) => schema.parse(value);
  switch (classified.kind) {
    case 'request':
    case 'notification': {
      const method = classified.message.method;
      const tables = classified.kind === 'request' ? requests : notifications;
      const spec = findMethod(method, ...tables);
      if (!spec) throw new Error(`no schema for ${classified.kind} ${method}`);
      if (!('params' in message)) {
        parse(spec.params, undefined);
        return { ...message };
      }
      return { ...message, params: parse(spec.params, message.params) };
    }
    case 'response': {
      const spec = findMethod(fixture.method ?? '', ...requests);
      if (!spec || !('result' in spec)) throw new Error(`no result schema for ${fixture.method}`);
      return { ...message, result: parse(spec.result, message.result) };
    }
    case 'error':
      return JsonRpcErrorResponseSchema.parse(message);
  }
}

describe.each(['v2', 'v1', 'exec'])('%s golden fixtures', (protocol) => {
  const fixtures = loadFixtures<WireFixture>(protocol);

  it('has fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(10);
  });

  it.each(fixtures.map((f) => [f.name, f.data] as const))(
    '%s parses and re-emits unchanged',
    (_name, fixture) => {
      expect(roundTrip(protocol, fixture)).toStrictEqual(fixture.message);
    },
  );
});

describe('core fixtures', () => {
  const fixtures = loadFixtures<{ kind: 'event' | 'op'; value: unknown }>('core');

  it.each(fixtures.map((f) => [f.name, f.data] as const))(
    '%s parses and re-emits unchanged',
    (_name, fixture) => {
      const schema = fixture.kind === 'event' ? core.EventSchema : core.SubmissionSchema;
      expect(schema.parse(fixture.value)).toStrictEqual(fixture.value);
    },
  );

  it('covers every event type', () => {
    const covered = new Set(
      fixtures
        .filter((f) => f.data.kind === 'event')
        .map((f) => (f.data.value as { msg: { type: string } }).msg.type),
    );
    expect([...core.EVENT_MSG_TYPES].sort()).toStrictEqual([...covered].sort());
  });

  it('matches the seed test serialization of task_complete', () => {
    // seed 004: {"msg": {"last_agent_message": "Done 1", "type": "task_complete"}}
    const event = core.EventMsgSchema.parse({
      last_agent_message: 'Done 1',
      type: 'task_complete',
    });
    expect(event).toStrictEqual({ type: 'task_complete', last_agent_message: 'Done 1' });
  });
});

describe('schemas reject bad payloads, naming the field', () => {
  it('turn/start without input', () => {
    const result = v2.TurnStartParamsSchema.safeParse({ threadId: 'x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toStrictEqual(['input']);
  });

  it('thread/start with a numeric cwd', () => {
    const result = v2.ThreadStartParamsSchema.safeParse({ cwd: 123 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toStrictEqual(['cwd']);
  });

  it('process/start with empty argv', () => {
    const result = exec.ExecParamsSchema.safeParse({
      processId: 'p',
      argv: [],
      cwd: '/',
      env: {},
      tty: false,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('argv must not be empty');
  });

  it('process/write with invalid base64', () => {
    expect(exec.WriteParamsSchema.safeParse({ processId: 'p', chunk: 'not base64!' }).success).toBe(
      false,
    );
  });

  it('an unknown event type', () => {
    expect(core.EventMsgSchema.safeParse({ type: 'no_such_event' }).success).toBe(false);
  });
});
