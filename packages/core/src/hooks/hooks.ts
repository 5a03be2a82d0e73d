import { resolve } from 'node:path';
import { defaultLogger, type Logger } from '@codex/common';
import { type CommandRunResult, runHookCommand } from './command.js';
import { type DiscoveredHook, type Discovery, discoverHooks, isRunnable } from './discovery.js';
import { type HandlerDecision, interpretRun } from './output.js';
import {
  HOOK_EVENTS,
  type HookEventName,
  type HookListing,
  type HookOutcome,
  type HookRunSummary,
} from './types.js';

/** Options of {@link Hooks.load}. */
export interface HooksLoadOptions {
  /** The Codex home directory: the user's hooks (`hooks.json`, config.toml) are read there. */
  readonly codexHome: string;
  /** The thread's working directory: project hooks are found from it, and hooks run in it. */
  readonly cwd: string;
  /** The merged user config.toml: `[hooks]`, `[hooks.state."<key>"]`, `[projects]`. */
  readonly toml: Readonly<Record<string, unknown>>;
  /** The hooks' environment (plus `CODEX_HOME`). Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where problems with hooks go. Default `defaultLogger`. */
  readonly logger?: Logger;
}

/** Per-call settings of {@link Hooks.run}. */
export interface HookRunContext {
  /** Aborting kills every running handler of the call; their runs end `failed`. */
  readonly signal?: AbortSignal;
  /** The tool call id, appended to run ids (`pre-tool-use:0:<path>:<callId>`). */
  readonly callId?: string | null;
  /**
   * More names the matcher is tested against besides `tool_name` (the original matches
   * `apply_patch` hooks on `Write` and `Edit` too). stdin still carries only `tool_name`.
   */
  readonly matcherAliases?: readonly string[];
  onStarted?(run: HookRunSummary): void;
  onCompleted?(run: HookRunSummary): void;
}

const NO_OUTCOME: HookOutcome = Object.freeze({
  blocked: null,
  additionalContext: Object.freeze([]),
  stop: null,
  systemMessages: Object.freeze([]),
});

/** One handler's run: its decision, and when it finished among its siblings. */
interface Finished {
  readonly decision: HandlerDecision;
  readonly completionOrder: number;
}

/**
 * The hooks of one thread: discovered once by {@link Hooks.load}, then run at each lifecycle
 * point. Only enabled hooks whose definition the user trusted (`[hooks.state."<key>"]
 * trusted_hash`) ever run.
 */
export class Hooks {
  private readonly runnable: readonly DiscoveredHook[];
  private readonly events: ReadonlySet<HookEventName>;
  private readonly background = new Set<Promise<void>>();

  private constructor(
    private readonly discovery: Discovery,
    private readonly cwd: string,
    private readonly env: Readonly<Record<string, string>>,
    private readonly logger: Logger,
  ) {
    this.runnable = discovery.hooks.filter(isRunnable);
    this.events = new Set(this.runnable.map((hook) => hook.event));
  }

  /**
   * Discovers the hooks of a thread (see `discoverHooks`). Never throws: problems with the
   * files become warnings and errors of the {@link listing}, each logged once here.
   */
  static async load(options: HooksLoadOptions): Promise<Hooks> {
    const logger = options.logger ?? defaultLogger;
    const cwd = resolve(options.cwd);
    let discovery: Discovery;
    try {
      discovery = await discoverHooks(options);
    } catch (error) {
      // discoverHooks reports file problems itself; this is a bug, not a bad file.
      logger.error('hooks could not be discovered', error);
      discovery = {
        hooks: [],
        listing: { cwd, hooks: [], warnings: ['hooks could not be discovered'], errors: [] },
      };
    }
    for (const warning of discovery.listing.warnings) logger.warn(`hooks: ${warning}`);
    for (const error of discovery.listing.errors)
      logger.warn(`hooks: ${error.path}: ${error.message}`);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.env ?? process.env))
      if (value !== undefined) env[name] = value;
    env.CODEX_HOME = resolve(options.codexHome);
    return new Hooks(discovery, cwd, env, logger);
  }

  /** `hooks/list` for this thread's cwd (a copy: callers may change it). */
  listing(): HookListing {
    return structuredClone(this.discovery.listing);
  }

  /** Whether any trusted, enabled hook is registered for `event`. */
  has(event: HookEventName): boolean {
    return this.events.has(event);
  }

  /**
   * Runs every trusted, enabled handler of `event` whose matcher accepts the input (`tool_name`
   * for tool events, `source` for SessionStart), all at once, each within its timeout. `input`
   * is the snake_case stdin object; `hook_event_name` is set to `event`. Never rejects.
   */
  async run(
    event: HookEventName,
    input: Record<string, unknown>,
    context: HookRunContext = {},
  ): Promise<HookOutcome> {
    const selected = this.select(event, input, context.matcherAliases ?? []);
    if (selected.length === 0) return NO_OUTCOME;
    let stdin: string;
    try {
      stdin = JSON.stringify({ ...input, hook_event_name: event });
    } catch (error) {
      const reason = `failed to serialize ${event} hook input: ${messageOf(error)}`;
      this.logger.error(reason);
      const failed: CommandRunResult = {
        startedAt: unixSeconds(),
        completedAt: unixSeconds(),
        durationMs: 0,
        exitCode: null,
        stdout: '',
        stderr: '',
        error: reason,
      };
      for (const hook of selected.filter((candidate) => !candidate.async))
        this.notify(
          context.onCompleted,
          this.summary(hook, context, failed, interpretRun(event, failed)),
        );
      return NO_OUTCOME;
    }

    const sync = selected.filter((hook) => !hook.async);
    for (const hook of selected) if (hook.async) this.runInBackground(hook, stdin);
    let completed = 0;
    const finished = await Promise.all(
      sync.map(async (hook): Promise<Finished> => {
        this.notify(context.onStarted, this.summary(hook, context, null, null));
        const result = await runHookCommand({
          command: hook.command,
          cwd: this.cwd,
          env: this.env,
          stdin,
          timeoutSec: hook.timeoutSec,
          signal: context.signal,
          logger: this.logger,
        });
        const decision = interpretRun(event, result);
        this.notify(context.onCompleted, this.summary(hook, context, result, decision));
        return { decision, completionOrder: completed++ };
      }),
    );
    return merge(event, finished);
  }

  private select(
    event: HookEventName,
    input: Record<string, unknown>,
    aliases: readonly string[],
  ): DiscoveredHook[] {
    if (!this.events.has(event)) return [];
    const field = HOOK_EVENTS[event].matcherField;
    const value = field === null ? undefined : input[field];
    const names = typeof value === 'string' ? [value] : [];
    if (field === 'tool_name') names.push(...aliases);
    return this.runnable.filter((hook) => hook.event === event && hook.matcher.matches(names));
  }

  /**
   * `async: true` handlers run detached from the turn, as in the original; their output would be
   * delivered on a later turn there, which this engine does not do: it is logged and dropped.
   */
  private runInBackground(hook: DiscoveredHook, stdin: string): void {
    const run = runHookCommand({
      command: hook.command,
      cwd: this.cwd,
      env: this.env,
      stdin,
      timeoutSec: hook.timeoutSec,
      logger: this.logger,
    }).then((result) => {
      this.logger.debug(
        `async hook ${hook.key} ended: ${result.error ?? `exit code ${result.exitCode}`}`,
      );
    });
    this.background.add(run);
    void run.finally(() => this.background.delete(run));
  }

  private summary(
    hook: DiscoveredHook,
    context: HookRunContext,
    result: CommandRunResult | null,
    decision: HandlerDecision | null,
  ): HookRunSummary {
    const info = HOOK_EVENTS[hook.event];
    const callId = context.callId ?? null;
    return {
      id: `${info.kebab}:${hook.displayOrder}:${hook.sourcePath}${callId === null ? '' : `:${callId}`}`,
      eventName: info.wire,
      handlerType: 'command',
      executionMode: hook.async ? 'async' : 'sync',
      scope: info.scope,
      sourcePath: hook.sourcePath,
      source: hook.source,
      displayOrder: hook.displayOrder,
      status: decision?.status ?? 'running',
      statusMessage: hook.statusMessage,
      startedAt: result?.startedAt ?? unixSeconds(),
      completedAt: result?.completedAt ?? null,
      durationMs: result?.durationMs ?? null,
      entries: decision === null ? [] : [...decision.entries],
    };
  }

  private notify(listener: ((run: HookRunSummary) => void) | undefined, run: HookRunSummary) {
    if (listener === undefined) return;
    try {
      listener(run);
    } catch (error) {
      this.logger.error(`hook run listener failed for ${run.id}`, error);
    }
  }
}

/**
 * Merges the decisions of an event's handlers (in handler order) as the original does: the
 * first PreToolUse or UserPromptSubmit block reason wins; Stop and PostToolUse reasons are all
 * kept; a Stop hook asking to stop outranks one asking to go on.
 */
function merge(event: HookEventName, finished: readonly Finished[]): HookOutcome {
  const decisions = finished.map((entry) => entry.decision);
  const stop = decisions.find((decision) => decision.stop !== null)?.stop ?? null;
  const reasons = decisions.flatMap((decision) =>
    decision.block === null ? [] : [decision.block],
  );
  let blocked: string | null;
  if (event === 'PreToolUse' || event === 'UserPromptSubmit') blocked = reasons[0] ?? null;
  else if (event === 'Stop' && stop !== null) blocked = null;
  else blocked = reasons.length === 0 ? null : reasons.join('\n\n');
  const latestInput = [...finished]
    .filter((entry) => entry.decision.updatedInput !== null)
    .sort((a, b) => b.completionOrder - a.completionOrder)[0]?.decision.updatedInput;
  return {
    blocked,
    additionalContext: decisions.flatMap((decision) => decision.additionalContext),
    ...(blocked === null && latestInput ? { updatedInput: latestInput } : {}),
    stop,
    systemMessages: decisions.flatMap((decision) =>
      decision.systemMessage === null ? [] : [decision.systemMessage],
    ),
  };
}

const unixSeconds = () => Math.floor(Date.now() / 1000);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
