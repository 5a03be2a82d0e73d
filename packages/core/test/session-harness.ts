import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, silentLogger } from '@codex/common';
import type { core } from '@codex/protocol';
import { createTempCodexHome, MockResponsesServer } from '@codex/test-support';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { Hooks } from '../src/hooks/index.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { type ExecServerOption, Session, type SessionOptions } from '../src/session/session.js';

/** Reads a session's events in the background so tests can wait for them. */
export class EventLog {
  readonly events: core.Event[] = [];
  private waiters: Array<() => void> = [];
  readonly done: Promise<void>;

  constructor(session: Session) {
    this.done = (async () => {
      for await (const event of session.events()) {
        this.events.push(event);
        for (const wake of this.waiters.splice(0)) wake();
      }
    })();
  }

  /** The event messages so far. */
  get msgs(): core.EventMsg[] {
    return this.events.map((event) => event.msg);
  }

  /** Event types so far, in order. */
  get types(): string[] {
    return this.msgs.map((msg) => msg.type);
  }

  of<T extends core.EventMsgType>(type: T): core.EventMsgOf<T>[] {
    return this.msgs.filter((msg): msg is core.EventMsgOf<T> => msg.type === type);
  }

  /** Resolves with the `nth` (1-based) event of `type` once it arrives. */
  async waitFor<T extends core.EventMsgType>(
    type: T,
    nth = 1,
    timeoutMs = 15_000,
  ): Promise<core.EventMsgOf<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.of(type)[nth - 1];
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${type} #${nth} within ${timeoutMs} ms; saw: ${this.types.join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

export interface HarnessOptions {
  readonly model?: string;
  readonly approvalPolicy?: 'untrusted' | 'on-failure' | 'on-request' | 'never';
  readonly sandboxMode?: 'read-only' | 'workspace-write' | 'danger-full-access';
  readonly extraToml?: string;
  /** `-c key=value` overrides (top-level keys: extraToml lands after the provider table). */
  readonly cliOverrides?: readonly string[];
  readonly approvalTimeoutMs?: number;
  readonly logger?: Logger;
  readonly execServer?: ExecServerOption;
  readonly maxPendingEventBytes?: number;
  readonly sandbox?: Sandbox;
  /** Written to `$CODEX_HOME/rules/default.rules` before the session starts. */
  readonly rules?: string;
  /** Written to `$CODEX_HOME/hooks.json` (`{hooks: …}`), every hook trusted unless `trustHooks` is false. */
  readonly hooksJson?: unknown;
  readonly trustHooks?: boolean;
  /** Do not start reading events (the test reads them itself, or not at all). */
  readonly manualEvents?: boolean;
  /** More session options (host tools, client tools…). */
  readonly session?: Partial<SessionOptions>;
}

export interface Harness {
  readonly session: Session;
  /** Absent with `manualEvents`. */
  readonly log: EventLog;
  /** The session's working directory (a fresh temp folder). */
  readonly cwd: string;
  /** The session's CODEX_HOME. */
  readonly home: string;
  dispose(): Promise<void>;
}

/** A session against the mock model, in a temp CODEX_HOME and a temp working directory. */
export async function startSession(
  mock: MockResponsesServer,
  options: HarnessOptions = {},
): Promise<Harness> {
  const home = createTempCodexHome({
    providerBaseUrl: mock.url,
    model: options.model,
    approvalPolicy: options.approvalPolicy,
    sandboxMode: options.sandboxMode,
    extraToml: options.extraToml,
  });
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'codex-work-')));
  if (options.rules !== undefined) {
    mkdirSync(join(home.path, 'rules'));
    writeFileSync(join(home.path, 'rules', 'default.rules'), options.rules);
  }
  const env = {
    PATH: process.env.PATH,
    HOME: home.path,
    SHELL: '/bin/bash',
    MOCK_API_KEY: 'dummy',
  };
  if (options.hooksJson !== undefined) {
    writeFileSync(join(home.path, 'hooks.json'), JSON.stringify(options.hooksJson));
    if (options.trustHooks !== false) {
      const listing = (await Hooks.load({ codexHome: home.path, cwd, toml: {} })).listing();
      const trust = listing.hooks
        .map(
          (hook) =>
            `[hooks.state.${JSON.stringify(hook.key)}]\ntrusted_hash = "${hook.currentHash}"\n`,
        )
        .join('');
      appendFileSync(join(home.path, 'config.toml'), `\n${trust}`);
    }
  }
  const { config } = await loadConfig({
    codexHome: home.path,
    systemConfigFile: null,
    env,
    overrides: { cwd },
    cliOverrides: options.cliOverrides,
  });
  const session = await Session.start({
    config,
    env,
    logger: options.logger ?? silentLogger,
    approvalTimeoutMs: options.approvalTimeoutMs,
    execServer: options.execServer,
    maxPendingEventBytes: options.maxPendingEventBytes,
    sandbox: options.sandbox,
    ...options.session,
  });
  const log = options.manualEvents ? undefined : new EventLog(session);
  return {
    session,
    log: log as EventLog,
    cwd,
    home: home.path,
    async dispose() {
      const shut = session.shutdown();
      if (log) await log.done;
      else while (await session.nextEvent());
      await shut;
      home.dispose();
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/** The `input` items of the `n`th (0-based) request the mock received. */
export function requestInput(mock: MockResponsesServer, n: number): Array<Record<string, unknown>> {
  const body = mock.requests[n]?.body as { input?: Array<Record<string, unknown>> } | undefined;
  if (!body?.input) throw new Error(`the mock has no request #${n}`);
  return body.input;
}

/** The output the `n`th request carried for `callId`. */
export function toolOutput(mock: MockResponsesServer, n: number, callId: string): unknown {
  const item = requestInput(mock, n).find(
    (entry) =>
      (entry.type === 'function_call_output' || entry.type === 'custom_tool_call_output') &&
      entry.call_id === callId,
  );
  if (!item) throw new Error(`request #${n} carries no output for ${callId}`);
  return item.output;
}

/** A test file's mock model, and the session the running test started (disposed after it). */
export interface MockSessions {
  /** Started before the file's tests; reset after each. */
  mock: MockResponsesServer;
  /** Set by a test (`ctx.harness = await startSession(ctx.mock)`); disposed after it. */
  harness: Harness | undefined;
}

/** Registers the hooks that start one mock model per file and clean up after each test. */
export function useMockSessions(): MockSessions {
  const ctx = { harness: undefined } as MockSessions;
  beforeAll(async () => {
    ctx.mock = await MockResponsesServer.start();
  });
  afterAll(async () => {
    await ctx.mock.close();
  });
  afterEach(async () => {
    await ctx.harness?.dispose();
    ctx.harness = undefined;
    ctx.mock.reset();
  });
  return ctx;
}
