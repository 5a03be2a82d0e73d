import { resolve } from 'node:path';
import { sandboxPolicyOf, shellEnvironment } from '@codex/core';
import type { ExecServerClient } from '@codex/exec-server/client';
import { internalError, JsonRpcError, type v2 } from '@codex/protocol';
import type { ClientSession } from '../client-session.js';
import { refuse } from '../errors.js';
import type { AppServer } from '../server.js';
import { coreSandboxPolicy } from './sandbox-policy.js';

/** Output kept (or streamed) per stream when the request sets no cap. */
export const DEFAULT_OUTPUT_BYTES_CAP = 1024 * 1024;
/** How long a command may run when the request sets no timeout. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
/** The exit code of a command stopped by its timeout, as the original reports it. */
export const TIMEOUT_EXIT_CODE = 124;

type OutputStream = v2.CommandExecOutputStream;

/** A `command/exec` process of one client. */
interface RunningCommand {
  /** The exec-server's id: unique across clients. */
  readonly internalId: string;
  readonly tty: boolean;
  readonly streamStdin: boolean;
  /** Settles once the process started (follow-ups sent before then wait for it). */
  readonly started: Promise<boolean>;
}

/** Keeps the head of one output stream, up to a cap. */
class CappedStream {
  private kept = 0;
  private reached = false;
  private readonly parts: Buffer[] = [];

  constructor(private readonly cap: number) {}

  /** The part of `chunk` within the cap, and whether this chunk hit the cap (once). */
  take(chunk: Buffer): { readonly bytes: Buffer; readonly capReached: boolean } | null {
    if (this.reached) return null;
    const room = this.cap - this.kept;
    const bytes = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.kept += bytes.length;
    const capReached = bytes.length < chunk.length;
    if (capReached) this.reached = true;
    return { bytes, capReached };
  }

  collect(bytes: Buffer): void {
    this.parts.push(bytes);
  }

  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

/**
 * `command/exec` for one app server: runs argv vectors through the server's exec-server client,
 * under the config's (or the request's) sandbox policy. Processes belong to the client that
 * started them: only it can write to, resize or terminate them, and they are terminated when it
 * disconnects.
 */
export class CommandExecManager {
  private readonly running = new Map<ClientSession, Map<string, RunningCommand>>();
  private nextId = 0;

  constructor(private readonly server: AppServer) {}

  private get exec(): ExecServerClient {
    return this.server.execServer();
  }

  /** Runs one command to its exit; output is streamed or buffered as the params ask. */
  async run(session: ClientSession, params: v2.CommandExecParams): Promise<v2.CommandExecResponse> {
    validate(params);
    const tty = params.tty ?? false;
    const streamStdin = tty || (params.streamStdin ?? false);
    const streamOutput = tty || (params.streamStdoutStderr ?? false);
    const mine = this.commandsOf(session);
    const key = params.processId ?? `internal-${this.nextId}`;
    if (mine.has(key)) throw refuse(`duplicate active command/exec process id: ${key}`);
    const internalId = `command-exec-${session.id}-${this.nextId++}`;
    let markStarted!: (started: boolean) => void;
    const command: RunningCommand = {
      internalId,
      tty,
      streamStdin,
      started: new Promise((resolve) => {
        markStarted = resolve;
      }),
    };
    // Registered before anything is awaited, so a write or terminate sent right after the
    // request finds the process.
    mine.set(key, command);
    const processId = params.processId ?? null;
    const cap = params.disableOutputCap
      ? Number.POSITIVE_INFINITY
      : (params.outputBytesCap ?? DEFAULT_OUTPUT_BYTES_CAP);
    const streams: Record<OutputStream, CappedStream> = {
      stdout: new CappedStream(cap),
      stderr: new CappedStream(cap),
    };
    const unsubscribe = this.exec.onOutput((event) => {
      if (event.processId !== internalId) return;
      const stream: OutputStream = event.stream === 'stderr' ? 'stderr' : 'stdout';
      const taken = streams[stream].take(event.chunk);
      if (!taken) return;
      if (streamOutput && processId !== null) {
        session.notify('command/exec/outputDelta', {
          processId,
          stream,
          deltaBase64: taken.bytes.toString('base64'),
          capReached: taken.capReached,
        });
      } else {
        streams[stream].collect(taken.bytes);
      }
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    try {
      const { argv, env, cwd } = await this.prepare(params);
      await this.exec
        .exec({
          processId: internalId,
          argv,
          cwd,
          env,
          tty,
          size: params.size ?? null,
          openStdin: streamStdin && !tty,
        })
        .catch((error: unknown) => {
          if (JsonRpcError.isInstance(error)) throw error;
          throw internalError(`failed to start the command: ${(error as Error).message}`);
        });
      markStarted(true);
      const timeoutMs = params.disableTimeout
        ? null
        : (params.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
      if (timeoutMs !== null) {
        timer = setTimeout(() => {
          timedOut = true;
          this.kill(internalId);
        }, timeoutMs);
      }
      const exitCode = await this.exec.wait(internalId);
      return {
        exitCode: timedOut ? TIMEOUT_EXIT_CODE : exitCode,
        stdout: streams.stdout.text(),
        stderr: streams.stderr.text(),
      };
    } finally {
      markStarted(false);
      clearTimeout(timer);
      unsubscribe();
      if (mine.get(key) === command) mine.delete(key);
    }
  }

  /** `command/exec/write`: stdin bytes, then optionally end of input. */
  async write(session: ClientSession, params: v2.CommandExecWriteParams): Promise<void> {
    const command = await this.find(session, params.processId);
    if (!command.streamStdin) {
      throw refuse(`stdin is not streamed for process id ${params.processId}; set \`streamStdin\``);
    }
    if (params.deltaBase64) {
      await this.exec.write(command.internalId, Buffer.from(params.deltaBase64, 'base64'));
    }
    if (params.closeStdin) {
      // A terminal has no stdin to close: end of input is ^D.
      if (command.tty) await this.exec.write(command.internalId, '\x04');
      else await this.exec.closeStdin(command.internalId);
    }
  }

  /** `command/exec/terminate`. */
  async terminate(session: ClientSession, processId: string): Promise<void> {
    await this.exec.terminate((await this.find(session, processId)).internalId);
  }

  /** `command/exec/resize`. */
  async resize(session: ClientSession, params: v2.CommandExecResizeParams): Promise<void> {
    const command = await this.find(session, params.processId);
    if (!command.tty) throw refuse(`process id ${params.processId} has no PTY (\`tty: true\`)`);
    if (params.size.rows < 1 || params.size.cols < 1) {
      throw refuse('`size` must have at least one row and one column');
    }
    await this.exec.resize(command.internalId, params.size);
  }

  /** The client's running process `processId`, once it has started. */
  private async find(session: ClientSession, processId: string): Promise<RunningCommand> {
    const command = this.running.get(session)?.get(processId);
    if (!command || !(await command.started)) {
      throw refuse(`no active command/exec for process id ${processId}`);
    }
    return command;
  }

  private commandsOf(session: ClientSession): Map<string, RunningCommand> {
    let mine = this.running.get(session);
    if (!mine) {
      const commands = new Map<string, RunningCommand>();
      mine = commands;
      this.running.set(session, commands);
      session.connection.onClose(() => {
        this.running.delete(session);
        for (const command of commands.values()) {
          void command.started.then((started) => {
            if (started) this.kill(command.internalId);
          });
        }
      });
    }
    return mine;
  }

  private kill(internalId: string): void {
    this.exec.terminate(internalId).catch((error: unknown) => {
      this.server.logger.warn(`could not terminate command/exec process ${internalId}`, error);
    });
  }

  /** The argv, environment and cwd to start: the sandbox's wrapping applied. */
  private async prepare(params: v2.CommandExecParams) {
    const config = this.server.config;
    const cwd = resolve(config.cwd, params.cwd ?? '.');
    const policy = params.sandboxPolicy
      ? coreSandboxPolicy(params.sandboxPolicy)
      : sandboxPolicyOf(config);
    const env = shellEnvironment(
      this.server.options.env ?? process.env,
      config.shellEnvironmentPolicy,
    );
    for (const [name, value] of Object.entries(params.env ?? {})) {
      if (value === null) delete env[name];
      else env[name] = value;
    }
    const sandbox = await this.server.sandbox();
    let wrap: ReturnType<typeof sandbox.wrapperFor>;
    try {
      wrap = sandbox.wrapperFor(policy, cwd);
    } catch (error) {
      // Running unconfined what the policy confines is not ours to decide.
      throw refuse(`the command cannot be sandboxed: ${(error as Error).message}`);
    }
    if (!wrap) return { argv: [...params.command], env, cwd };
    const wrapped = await wrap({ argv: params.command, env });
    return { argv: [...wrapped.argv], env: { ...wrapped.env }, cwd };
  }
}

/** The original's refusals of inconsistent params. */
function validate(params: v2.CommandExecParams): void {
  if (params.command.length === 0) throw refuse('command must not be empty');
  const needsId = params.tty || params.streamStdin || params.streamStdoutStderr;
  if (needsId && !params.processId) {
    throw refuse('`processId` is required with `tty`, `streamStdin` or `streamStdoutStderr`');
  }
  if (params.size && !params.tty) throw refuse('`size` is only valid when `tty` is true');
  if (params.size && (params.size.rows < 1 || params.size.cols < 1)) {
    throw refuse('`size` must have at least one row and one column');
  }
  if (params.disableOutputCap && params.outputBytesCap != null) {
    throw refuse('`disableOutputCap` cannot be combined with `outputBytesCap`');
  }
  if (params.disableTimeout && params.timeoutMs != null) {
    throw refuse('`disableTimeout` cannot be combined with `timeoutMs`');
  }
  if (params.sandboxPolicy && params.permissionProfile) {
    throw refuse('`sandboxPolicy` cannot be combined with `permissionProfile`');
  }
  if (params.permissionProfile) {
    throw refuse('permission profiles are not supported; pass `sandboxPolicy` instead');
  }
  if (params.timeoutMs != null && params.timeoutMs < 0) throw refuse('`timeoutMs` must be >= 0');
}

const managers = new WeakMap<AppServer, CommandExecManager>();

/** The `command/exec` manager of `server` (created on first use). */
export function commandExecManager(server: AppServer): CommandExecManager {
  let manager = managers.get(server);
  if (!manager) {
    manager = new CommandExecManager(server);
    managers.set(server, manager);
  }
  return manager;
}
