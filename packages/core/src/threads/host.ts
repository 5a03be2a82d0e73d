import { defaultLogger, type Logger } from '@codex/common';
import { ExecServerClient } from '@codex/exec-server/client';
import { AuthManager } from '../auth/manager.js';
import type { ModelClient } from '../client/model-client.js';
import {
  type Config,
  type ConfigOverrides,
  type LoadedConfig,
  loadConfig,
} from '../config/load.js';
import type { ApprovalPolicy, SandboxMode } from '../config/schema.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { ThreadManager } from './manager.js';

/** Options of {@link ThreadHost.create}. */
export interface ThreadHostOptions {
  /** Default `$CODEX_HOME`, else `~/.codex`. */
  readonly codexHome?: string;
  /** `-c key=value` overrides, applied to every thread's config. */
  readonly cliOverrides?: readonly string[];
  /** `--profile`: the default profile of every thread. */
  readonly profile?: string;
  /** Refuse unknown config keys instead of warning. */
  readonly strictConfig?: boolean;
  /** Environment for `CODEX_HOME`, the config and providers' variables. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the host and its threads log. Default `defaultLogger`. */
  readonly logger?: Logger;
  /** Default: a model client per thread, from its config. */
  readonly modelClient?: ModelClient;
  /** Default: an in-process exec-server the host owns. */
  readonly execServer?: ExecServerClient;
  /** Default: the machine's, probed once. */
  readonly sandbox?: Sandbox;
  /** Unload a thread nobody follows after this long. Default 30 minutes. */
  readonly idleUnloadMs?: number;
  /** The OAuth issuer of ChatGPT logins and token refreshes. Default `https://auth.openai.com`. */
  readonly issuer?: string;
}

/** Per-thread settings a client asks for when it starts, resumes or forks a thread. */
export interface ThreadConfigRequest {
  /** A config profile; default the host's. */
  readonly profile?: string | null;
  /** The thread's working directory. */
  readonly cwd?: string | null;
  /** The model. */
  readonly model?: string | null;
  /** The provider's key in `model_providers`. */
  readonly modelProvider?: string | null;
  /** When the agent asks before acting. */
  readonly approvalPolicy?: ApprovalPolicy | null;
  /** What commands may touch. */
  readonly sandbox?: SandboxMode | null;
  /** Raw snake_case settings, applied over every layer. */
  readonly config?: Readonly<Record<string, unknown>> | null;
  /** Replaces the model's base instructions. */
  readonly baseInstructions?: string | null;
  /** Extra developer-role instructions. */
  readonly developerInstructions?: string | null;
}

/**
 * What a server needs to run threads for its clients: the config loaded once, the credentials,
 * one exec-server, the machine's sandbox (probed once for the server's own commands; the
 * manager probes once for its threads unless given one), and a {@link ThreadManager} over them. The app-server
 * and the MCP server are both built on it, so a thread behaves the same whichever serves it.
 */
export class ThreadHost {
  /** Where the host and its threads log. */
  readonly logger: Logger;
  /** The credentials every thread's model client uses. */
  readonly auth: AuthManager;
  private manager: ThreadManager | null = null;
  private execClient: ExecServerClient | null = null;
  private sandboxProbe: Promise<Sandbox> | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    /** The settings the host was created with. */
    readonly options: ThreadHostOptions,

    /** The config as loaded at start-up (each thread loads its own, with its overrides). */
    readonly loaded: LoadedConfig,
  ) {
    this.logger = options.logger ?? defaultLogger;
    this.auth = AuthManager.fromConfig(loaded.config, {
      env: options.env,
      issuer: options.issuer,
      logger: this.logger,
    });
  }

  /** Loads the config (failing on an invalid one). */
  static async create(options: ThreadHostOptions = {}): Promise<ThreadHost> {
    const loaded = await loadConfig({
      codexHome: options.codexHome,
      cliOverrides: options.cliOverrides,
      overrides: options.profile ? { profile: options.profile } : undefined,
      strict: options.strictConfig,
      env: options.env,
    });
    return new ThreadHost(options, loaded);
  }

  /** The effective config at start-up (the merged layers of {@link loaded}). */
  get config(): Config {
    return this.loaded.config;
  }

  /** The Codex home directory. */
  get codexHome(): string {
    return this.loaded.config.codexHome;
  }

  /**
   * The thread manager. It is created on first use, and `originator` (written into new
   * rollouts and sent with model requests) is only read then.
   */
  threads(originator?: string | null): ThreadManager {
    if (this.closing) throw new Error('the thread host is shutting down');
    this.manager ??= new ThreadManager({
      config: this.config,
      modelClient: this.options.modelClient,
      auth: this.auth,
      execServer: this.execServer(),
      sandbox: this.options.sandbox,
      idleUnloadMs: this.options.idleUnloadMs,
      env: this.options.env,
      logger: this.logger,
      originator: originator ?? undefined,
    });
    return this.manager;
  }

  /** The thread manager if one was created. */
  get existingThreads(): ThreadManager | null {
    return this.manager;
  }

  /** The exec-server client every thread shares (in-process unless one was given). */
  execServer(): ExecServerClient {
    this.execClient ??=
      this.options.execServer ?? ExecServerClient.connectInProcess({ logger: this.logger });
    return this.execClient;
  }

  /** The machine's sandbox, probed once. */
  sandbox(): Promise<Sandbox> {
    this.sandboxProbe ??= this.options.sandbox
      ? Promise.resolve(this.options.sandbox)
      : Sandbox.probe(this.options.env ?? process.env);
    return this.sandboxProbe;
  }

  /** Loads one thread's config: the host's layers plus the request's overrides. */
  async threadConfig(request: ThreadConfigRequest = {}): Promise<Config> {
    const profile = request.profile ?? this.options.profile;
    const overrides: ConfigOverrides = {
      ...(profile ? { profile } : {}),
      ...(request.cwd ? { cwd: request.cwd } : {}),
      ...(request.model ? { model: request.model } : {}),
      ...(request.modelProvider ? { modelProvider: request.modelProvider } : {}),
      ...(request.approvalPolicy ? { approvalPolicy: request.approvalPolicy } : {}),
      ...(request.sandbox ? { sandboxMode: request.sandbox } : {}),
      ...(request.baseInstructions ? { baseInstructions: request.baseInstructions } : {}),
      ...(request.developerInstructions
        ? { developerInstructions: request.developerInstructions }
        : {}),
      ...(request.config ? { config: request.config } : {}),
    };
    const { config } = await loadConfig({
      codexHome: this.codexHome,
      cliOverrides: this.options.cliOverrides,
      overrides,
      strict: this.options.strictConfig,
      env: this.options.env,
    });
    return config;
  }

  /**
   * Unloads every thread (rollouts flushed); no thread starts after it. The caller interrupts
   * running turns first if it wants them recorded as interrupted.
   */
  unloadAll(): Promise<void> {
    this.closing ??= this.manager?.shutdown() ?? Promise.resolve();
    return this.closing;
  }

  /** {@link unloadAll}, then ends the exec-server the host owns (and its processes). */
  async close(): Promise<void> {
    try {
      await this.unloadAll();
    } finally {
      if (this.execClient && !this.options.execServer) await this.execClient.close();
    }
  }
}
