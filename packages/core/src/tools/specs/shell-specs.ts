// The shell tools as the original advertises them to the model (`codex-rs/tools/src/local_tool.rs`):
// names, descriptions and parameter schemas, properties in the original's (sorted) order.

import type { JsonSchema, ToolSpec } from '../../client/types.js';

/** Settings of {@link createExecCommandToolSpec}. */
export interface ExecCommandToolSpecOptions {
  /** Offer the `login` parameter (config `allow_login_shell`, default true). */
  readonly allowLoginShell?: boolean;
}

/** The `exec_command` tool (unified exec). */
export function createExecCommandToolSpec(options: ExecCommandToolSpecOptions = {}): ToolSpec {
  const properties: Record<string, JsonSchema> = {
    cmd: stringSchema('Shell command to execute.'),
    ...approvalParameters().justification,
    ...(options.allowLoginShell === false
      ? {}
      : {
          login: booleanSchema('Whether to run the shell with -l/-i semantics. Defaults to true.'),
        }),
    max_output_tokens: numberSchema(
      'Maximum number of tokens to return. Excess output will be truncated.',
    ),
    ...approvalParameters().rest,
    shell: stringSchema("Shell binary to launch. Defaults to the user's default shell."),
    tty: booleanSchema(
      'Whether to allocate a TTY for the command. Defaults to false (plain pipes); set to true to open a PTY and access TTY process.',
    ),
    workdir: stringSchema(
      'Optional working directory to run the command in; defaults to the turn cwd.',
    ),
    yield_time_ms: numberSchema('How long to wait (in milliseconds) for output before yielding.'),
  };
  return {
    type: 'function',
    name: 'exec_command',
    description:
      'Runs a command in a PTY, returning output or a session ID for ongoing interaction.',
    strict: false,
    parameters: objectSchema(properties, ['cmd']),
  };
}

/** The `write_stdin` tool (unified exec). */
export function createWriteStdinToolSpec(): ToolSpec {
  return {
    type: 'function',
    name: 'write_stdin',
    description: 'Writes characters to an existing unified exec session and returns recent output.',
    strict: false,
    parameters: objectSchema(
      {
        chars: stringSchema('Bytes to write to stdin (may be empty to poll).'),
        max_output_tokens: numberSchema(
          'Maximum number of tokens to return. Excess output will be truncated.',
        ),
        session_id: numberSchema('Identifier of the running unified exec session.'),
        yield_time_ms: numberSchema(
          'How long to wait (in milliseconds) for output before yielding.',
        ),
      },
      ['session_id'],
    ),
  };
}

/** The legacy `shell` tool (an argv with a timeout). */
export function createShellToolSpec(): ToolSpec {
  return {
    type: 'function',
    name: 'shell',
    description: `Runs a shell command and returns its output.
- The arguments to \`shell\` will be passed to execvp(). Most terminal commands should be prefixed with ["bash", "-lc"].
- Always set the \`workdir\` param when using the shell function. Do not use \`cd\` unless absolutely necessary.`,
    strict: false,
    parameters: objectSchema(
      {
        command: {
          type: 'array',
          items: { type: 'string' },
          description: 'The command to execute',
        },
        ...approvalParameters().justification,
        ...approvalParameters().rest,
        timeout_ms: numberSchema('The timeout for the command in milliseconds'),
        workdir: stringSchema('The working directory to execute the command in'),
      },
      ['command'],
    ),
  };
}

/**
 * `sandbox_permissions`, `justification` and `prefix_rule`, split where the sorted property
 * order places them. The multi-line descriptions keep the original's layout (its raw strings
 * carry the indentation and the backslashes).
 */
function approvalParameters(): {
  justification: Record<string, JsonSchema>;
  rest: Record<string, JsonSchema>;
} {
  return {
    justification: {
      justification: stringSchema(
        `Only set if sandbox_permissions is \\"require_escalated\\".
                    Request approval from the user to run this command outside the sandbox.
                    Phrased as a simple question that summarizes the purpose of the
                    command as it relates to the task at hand - e.g. 'Do you want to
                    fetch and pull the latest version of this git branch?'`,
      ),
    },
    rest: {
      prefix_rule: {
        type: 'array',
        items: { type: 'string' },
        description: `Only specify when sandbox_permissions is \`require_escalated\`.
                        Suggest a prefix command pattern that will allow you to fulfill similar requests from the user in the future.
                        Should be a short but reasonable prefix, e.g. [\\"git\\", \\"pull\\"] or [\\"uv\\", \\"run\\"] or [\\"pytest\\"].`,
      },
      sandbox_permissions: stringSchema(
        'Sandbox permissions for the command. Set to "require_escalated" to request running without sandbox restrictions; defaults to "use_default".',
      ),
    },
  };
}

function objectSchema(properties: Record<string, JsonSchema>, required: string[]): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

function stringSchema(description: string): JsonSchema {
  return { type: 'string', description };
}

function booleanSchema(description: string): JsonSchema {
  return { type: 'boolean', description };
}

function numberSchema(description: string): JsonSchema {
  return { type: 'number', description };
}
