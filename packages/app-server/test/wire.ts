import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ValidateFunction } from 'ajv';
import { referenceAjv, referenceDefinition, referenceSchema } from './reference-schema.js';

const ajv = referenceAjv;
const reference = referenceSchema;
const definition = referenceDefinition;

/** Result definitions whose names do not follow `<Params name>` → `<…>Response`. */
const RESULT_NAMES: Record<string, string> = {
  'config/value/write': 'ConfigWriteResponse',
  'config/batchWrite': 'ConfigWriteResponse',
  'account/logout': 'LogoutAccountResponse',
  'account/rateLimits/read': 'GetAccountRateLimitsResponse',
  'account/bedrock/checkGovCloudRequirements': 'BedrockCheckGovCloudRequirementsResponse',
};

/** The reference's result definition of client request `method`, when it has one. */
function resultDefinition(method: string): ValidateFunction | undefined {
  const explicit = RESULT_NAMES[method];
  if (explicit) return definition(explicit);
  const union = (
    reference.definitions as Record<
      string,
      { oneOf: Array<{ properties: Record<string, { enum?: string[]; $ref?: string }> }> }
    >
  ).ClientRequest;
  const variant = union?.oneOf.find((entry) => entry.properties.method?.enum?.[0] === method);
  const params = variant?.properties.params?.$ref?.split('/').pop();
  if (!params) return undefined;
  const name = params.replace(/Params$/, 'Response');
  return (
    ajv.getSchema(`reference#/definitions/v2/${name}`) ??
    ajv.getSchema(`reference#/definitions/${name}`)
  );
}

/**
 * Checks one message the server sent against the reference schema: notifications against
 * `ServerNotification`, server requests against `ServerRequest`, responses against their
 * method's result definition (`sentMethods` maps our request ids to methods). Returns the
 * problem, or null. v1 methods (outside the reference) are skipped.
 */
export function schemaProblem(
  message: Record<string, unknown>,
  sentMethods: Map<unknown, string>,
): string | null {
  let validate: ValidateFunction | undefined;
  let candidate: unknown = message;
  if ('method' in message && 'id' in message) validate = definition('ServerRequest');
  else if ('method' in message) {
    if (String(message.method).startsWith('codex/event/')) return null;
    validate = definition('ServerNotification');
  } else if ('error' in message) validate = definition('JSONRPCError');
  else if ('result' in message) {
    const method = sentMethods.get(message.id);
    if (!method) return `a response to an id we never sent: ${JSON.stringify(message.id)}`;
    validate = resultDefinition(method);
    candidate = message.result;
    if (!validate) return null;
  }
  if (!validate) return 'not a JSON-RPC message';
  return validate(candidate)
    ? null
    : `${JSON.stringify(message).slice(0, 300)}: ${ajv.errorsText(validate.errors)}`;
}

/** A `codex-app-server` child spoken to line by line, every line kept and schema-checked. */
export class WireClient {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly problems: string[] = [];
  readonly sent = new Map<unknown, string>();
  readonly stderr: string[] = [];
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;
  private nextId = 0;

  constructor(readonly child: ChildProcess) {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const message = JSON.parse(line) as Record<string, unknown>;
      this.lines.push(message);
      const problem = schemaProblem(message, this.sent);
      if (problem) this.problems.push(problem);
      for (const wake of this.waiters.splice(0)) wake();
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) =>
      this.stderr.push(line),
    );
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static spawn(env: NodeJS.ProcessEnv, args: readonly string[] = []): WireClient {
    const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
    return new WireClient(
      spawn(process.execPath, [bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] }),
    );
  }

  /** Writes a raw line. */
  writeLine(text: string): void {
    this.child.stdin?.write(`${text}\n`);
  }

  /** Sends a request; returns its id. */
  request(method: string, params?: unknown, id: number | string = this.nextId++): number | string {
    this.sent.set(id, method);
    this.writeLine(JSON.stringify(params === undefined ? { method, id } : { method, id, params }));
    return id;
  }

  notify(method: string, params?: unknown): void {
    this.writeLine(JSON.stringify(params === undefined ? { method } : { method, params }));
  }

  /** Answers a server request. */
  respond(id: unknown, result: unknown): void {
    this.writeLine(JSON.stringify({ id, result }));
  }

  /** Resolves with the first message (from `from` on) that `match` accepts. */
  async waitFor(
    match: (message: Record<string, unknown>) => boolean,
    timeoutMs = 15_000,
    from = 0,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out; saw: ${this.lines.map(describe).join(' | ')}\nstderr: ${this.stderr.join('\n')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The response to request `id`. */
  response(id: unknown, timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.waitFor((message) => message.id === id && !('method' in message), timeoutMs);
  }

  /** One short label per message: `method`, `method(status)`, `result#id`, `error#id`. */
  sequence(): string[] {
    return this.lines.map(describe);
  }

  async close(): Promise<number | null> {
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

function describe(message: Record<string, unknown>): string {
  if ('method' in message) {
    const params = message.params as Record<string, unknown> | undefined;
    const status = params?.status as { type?: string; activeFlags?: string[] } | undefined;
    const type = (params?.item as { type?: string } | undefined)?.type;
    if (message.method === 'thread/status/changed' && status)
      return `${message.method}(${status.type}${status.activeFlags?.length ? `:${status.activeFlags.join(',')}` : ''})`;
    if (type) return `${message.method}(${type})`;
    return 'id' in message ? `request:${message.method}` : String(message.method);
  }
  return 'error' in message ? `error#${message.id}` : `result#${message.id}`;
}
