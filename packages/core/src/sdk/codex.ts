import { defaultLogger, type Logger, LogThrottle } from '@codex/common';
import type { ExecServerClient } from '@codex/exec-server/client';
import type { core } from '@codex/protocol';
import type { ModelClient } from '../client/model-client.js';
import type { JsonSchema } from '../client/types.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { Subscription } from '../threads/event-hub.js';
import { type ThreadConfigRequest, ThreadHost } from '../threads/host.js';
import type { ThreadStartOptions } from '../threads/manager.js';
import type { Thread } from '../threads/thread.js';
import { commandDecision, fileChangeDecision } from '../wire/approvals.js';
import { ThreadEventTranslator, type TranslatedMessage } from '../wire/translate.js';
import { CodexRunError } from './errors.js';
import {
  approvalResult,
  CodexThread,
  type ThreadTransport,
  type ThreadWireMessage,
} from './thread.js';
import type {
  ApprovalAnswer,
  ApprovalHandler,
  CodexApi,
  CodexInputItem,
  CodexThreadOptions,
} from './types.js';

/** Options of {@link Codex}. */
export interface CodexOptions {
  /** Where config, credentials and threads live. Default `$CODEX_HOME`, else `~/.codex`. */
  readonly codexHome?: string;
  /** `key=value` config overrides (as `codex -c`), applied to every thread. */
  readonly cliOverrides?: readonly string[];
  /** A config profile every thread starts from. */
  readonly profile?: string;
  /** Decides approval requests of every thread (a thread's own `onApproval` wins). */
  readonly onApproval?: ApprovalHandler;
  /** Written into new rollouts' `session_meta.originator`. Default `codex_sdk_ts`. */
  readonly originator?: string;
  /** The environment config and commands see. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the client and its threads log. Default the shared default logger. */
  readonly logger?: Logger;
  /** Default: a model client per thread, from its config and credentials. */
  readonly modelClient?: ModelClient;
  /** Where commands run. Default: an exec-server in this process. */
  readonly execServer?: ExecServerClient;
  /** Default: the machine's sandbox, probed once. */
  readonly sandbox?: Sandbox;
  /** How long an interrupted turn may take to end before its run ends without it. Default 30 s. */
  readonly interruptTimeoutMs?: number;
}

const DEFAULT_ORIGINATOR = 'codex_sdk_ts';

/**
 * A thread's SDK settings as the thread host takes them (the same names as the app-server's
 * `thread/start` params).
 */
export function threadConfigRequest(options: CodexThreadOptions): ThreadConfigRequest {
  return {
    cwd: options.cwd ?? null,
    model: options.model ?? null,
    modelProvider: options.modelProvider ?? null,
    approvalPolicy: options.approvalPolicy ?? null,
    sandbox: options.sandbox ?? null,
    config: options.config ?? null,
    baseInstructions: options.baseInstructions ?? null,
    developerInstructions: options.developerInstructions ?? null,
  };
}

/**
 * The agent in this process: threads run here, with their commands in an exec-server this
 * client owns (or the one given). Nothing to spawn; a turn costs what the model takes.
 *
 * ```ts
 * const codex = new Codex();
 * const thread = await codex.startThread({ cwd: '/path/to/repo', sandbox: 'workspace-write' });
 * const { finalResponse, usage } = await thread.run('Fix the failing test');
 * await codex.close();
 * ```
 */
export class Codex implements CodexApi {
  private host: Promise<ThreadHost> | null = null;
  private readonly threads = new Set<CodexThread>();
  private closing: Promise<void> | null = null;
  private readonly logger: Logger;

  constructor(private readonly options: CodexOptions = {}) {
    this.logger = options.logger ?? defaultLogger;
  }

  /** Starts a new thread. */
  async startThread(options: CodexThreadOptions = {}): Promise<CodexThread> {
    const host = await this.threadHost();
    const config = await host.threadConfig(threadConfigRequest(options));
    const thread = await host
      .threads(this.options.originator ?? DEFAULT_ORIGINATOR)
      .startThread({ ...this.startOptions(options), config });
    return this.wrap(thread, options);
  }

  /** Loads a stored thread by id; its next turn continues the conversation. */
  async resumeThread(threadId: string, options: CodexThreadOptions = {}): Promise<CodexThread> {
    const host = await this.threadHost();
    const config = await host.threadConfig(threadConfigRequest(options));
    const thread = await host
      .threads(this.options.originator ?? DEFAULT_ORIGINATOR)
      .resumeThread({ threadId }, { ...this.startOptions(options), config });
    return this.wrap(thread, options);
  }

  /** Copies a stored thread into a new one that continues from its whole history. */
  async forkThread(threadId: string, options: CodexThreadOptions = {}): Promise<CodexThread> {
    const host = await this.threadHost();
    const config = await host.threadConfig(threadConfigRequest(options));
    const thread = await host
      .threads(this.options.originator ?? DEFAULT_ORIGINATOR)
      .forkThread({ threadId }, { ...this.startOptions(options), config });
    return this.wrap(thread, options);
  }

  /** Closes every thread (running turns fail with `closed`) and the exec-server it owns. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.threads].map((thread) => thread.close()));
      if (this.host) await (await this.host).close();
    })();
    return this.closing;
  }

  private threadHost(): Promise<ThreadHost> {
    if (this.closing)
      return Promise.reject(new CodexRunError('closed', 'this Codex client is closed'));
    this.host ??= ThreadHost.create({
      codexHome: this.options.codexHome,
      cliOverrides: this.options.cliOverrides,
      profile: this.options.profile,
      env: this.options.env,
      logger: this.options.logger,
      modelClient: this.options.modelClient,
      execServer: this.options.execServer,
      sandbox: this.options.sandbox,
    });
    return this.host;
  }

  private startOptions(options: CodexThreadOptions): ThreadStartOptions {
    return {
      ephemeral: options.ephemeral,
      hostTools: options.hostTools,
      source: 'exec',
    };
  }

  private wrap(thread: Thread, options: CodexThreadOptions): CodexThread {
    const transport = new LocalThreadTransport(thread, this.logger, () =>
      this.threads.delete(wrapped),
    );
    const wrapped = new CodexThread(transport, {
      onApproval: options.onApproval ?? this.options.onApproval,
      logger: this.logger,
      interruptTimeoutMs: this.options.interruptTimeoutMs,
    });
    this.threads.add(wrapped);
    return wrapped;
  }
}

/**
 * A core {@link Thread} as the SDK consumes it: its events through the v2 translator (the
 * items an app-server client would see), approvals answered with core ops.
 */
class LocalThreadTransport implements ThreadTransport {
  private readonly translator: ThreadEventTranslator;
  private subscription: Subscription | null = null;
  private readonly lagLog: LogThrottle;

  constructor(
    private readonly thread: Thread,
    private readonly logger: Logger,
    private readonly onClosed: () => void,
  ) {
    this.translator = new ThreadEventTranslator({ threadId: thread.id });
    this.lagLog = new LogThrottle(logger);
  }

  get threadId(): string {
    return this.thread.id;
  }

  open(sink: (message: ThreadWireMessage) => void): void {
    const subscription = this.thread.subscribe();
    this.subscription = subscription;
    (async () => {
      for await (const item of subscription) {
        if (item.kind === 'lagged') {
          this.lagLog.warn(
            'lag',
            `thread ${this.thread.id}: the SDK fell behind and missed ${item.missed} events`,
          );
          continue;
        }
        for (const message of this.translator.translate(item.event)) this.route(message, sink);
      }
      sink({ kind: 'closed', reason: 'the thread was unloaded' });
    })().catch((error: unknown) => {
      this.logger.error(`thread ${this.thread.id}: the SDK stopped reading its events`, error);
      sink({ kind: 'closed', reason: 'its events could not be read' });
    });
  }

  async startTurn(
    input: readonly CodexInputItem[],
    outputSchema: JsonSchema | null,
  ): Promise<string> {
    this.thread.submit({
      type: 'user_input',
      items: input.map(coreInputItem),
      final_output_json_schema: outputSchema,
    });
    const turnId = this.thread.session.activeTurnId;
    if (turnId === null)
      throw new CodexRunError('closed', `thread ${this.thread.id} did not start the turn`);
    return turnId;
  }

  async interrupt(): Promise<void> {
    this.thread.submit({ type: 'interrupt' });
  }

  async close(): Promise<void> {
    this.subscription?.close();
    this.onClosed();
    await this.thread.unload();
  }

  private route(message: TranslatedMessage, sink: (message: ThreadWireMessage) => void): void {
    switch (message.kind) {
      case 'notification':
        sink(message);
        return;
      case 'approval': {
        const request =
          message.method === 'item/commandExecution/requestApproval'
            ? { type: 'commandExecution' as const, params: message.params }
            : { type: 'fileChange' as const, params: message.params };
        sink({
          kind: 'approval',
          request,
          respond: this.once(message.callId, (answer) => {
            this.thread.submit(
              request.type === 'commandExecution'
                ? {
                    type: 'exec_approval',
                    id: message.callId,
                    decision: commandDecision(approvalResult(request.type, answer).decision),
                  }
                : {
                    type: 'patch_approval',
                    id: message.callId,
                    decision: fileChangeDecision(approvalResult(request.type, answer).decision),
                  },
            );
          }),
        });
        return;
      }
      case 'elicitation':
        sink({
          kind: 'approval',
          request: { type: 'mcpElicitation', params: message.params },
          respond: this.once(message.key, (answer) => {
            const result = approvalResult('mcpElicitation', answer);
            this.thread.submit({
              type: 'resolve_elicitation',
              server_name: message.serverName,
              request_id: message.requestId,
              decision: result.action,
              ...(result.content === undefined ? {} : { content: result.content }),
              ...(result._meta === undefined ? {} : { meta: result._meta }),
            });
          }),
        });
        return;
      case 'toolCall':
        // Host tools run in this process (`hostTools`); client-run tools are never registered.
        this.thread.submit({
          type: 'dynamic_tool_response',
          id: message.callId,
          response: {
            content_items: [{ type: 'inputText', text: `no handler for ${message.params.tool}` }],
            success: false,
          },
        });
        return;
    }
  }

  /** An answer function that submits once, then tells the translator the request is settled. */
  private once(
    key: string,
    submit: (answer: ApprovalAnswer) => void,
  ): (answer: ApprovalAnswer) => void {
    let done = false;
    return (answer) => {
      if (done) return;
      done = true;
      try {
        submit(answer);
      } catch (error) {
        this.logger.warn(`thread ${this.thread.id}: could not deliver an approval answer`, error);
      }
      this.translator.approvalAnswered(key);
    };
  }
}

/** SDK input as core's. */
function coreInputItem(item: CodexInputItem): core.InputItem {
  switch (item.type) {
    case 'text':
      return { type: 'text', text: item.text };
    case 'image':
      return { type: 'image', image_url: item.url };
    case 'localImage':
      return { type: 'local_image', path: item.path };
  }
}
