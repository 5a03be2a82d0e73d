import { resolve } from 'node:path';
import type { core } from '@codex/protocol';
import type { ResponseItem } from '../client/types.js';
import type { Config } from '../config/load.js';
import { writableRoots } from '../sandbox/assessment.js';
import { imageDataUrl } from '../tools/image-data.js';
import { BASE_INSTRUCTIONS } from './instructions.js';
import type { TurnSettings } from './turn-context.js';

/** Told to the model in the next turn after an interrupt (the original's tag, our wording). */
export const TURN_ABORTED_MESSAGE =
  '<turn_aborted>\nThe user interrupted the previous turn on purpose. Commands that were still running were terminated. If any tools/commands were aborted, they may have partially executed.\n</turn_aborted>';

const message = (role: 'developer' | 'user', text: string): ResponseItem => ({
  type: 'message',
  role,
  content: [{ type: 'input_text', text }],
});

/** A user message holding `text`. */
export const userInputItem = (text: string): ResponseItem => message('user', text);

/** A developer message holding `text` (context hooks add). */
export const developerItem = (text: string): ResponseItem => message('developer', text);

/**
 * The user message for a piece of input: text as `input_text`, images as `input_image`
 * (local files read and sent as data URLs). A local image that cannot be read becomes a note
 * in the message rather than failing the turn.
 */
export async function userInputItemOf(items: readonly core.InputItem[]): Promise<ResponseItem> {
  const content: Array<
    { type: 'input_text'; text: string } | { type: 'input_image'; image_url: string }
  > = [];
  for (const item of items) {
    switch (item.type) {
      case 'text':
        content.push({ type: 'input_text', text: item.text });
        break;
      case 'image':
        content.push({ type: 'input_image', image_url: item.image_url });
        break;
      case 'local_image':
        try {
          content.push({ type: 'input_image', image_url: await imageDataUrl(item.path) });
        } catch (error) {
          content.push({
            type: 'input_text',
            text: `[image ${item.path} could not be attached: ${(error as Error).message}]`,
          });
        }
        break;
    }
  }
  return { type: 'message', role: 'user', content };
}

const SANDBOX_LINE: Record<core.SandboxPolicy['mode'], string> = {
  'danger-full-access':
    '`sandbox_mode` is `danger-full-access`: No filesystem sandboxing - all commands are permitted.',
  'read-only': '`sandbox_mode` is `read-only`: The sandbox only permits reading files.',
  'external-sandbox':
    '`sandbox_mode` is `external-sandbox`: Commands run in a sandbox the host provides; the agent does not add one.',
  'workspace-write':
    '`sandbox_mode` is `workspace-write`: The sandbox permits reading files, and editing files in `cwd` and `writable_roots`. Editing files in other directories requires approval.',
};

const NEVER_LINE =
  'Approval policy is currently never. Do not provide the `sandbox_permissions` for any reason, commands will be rejected.';
const UNTRUSTED_LINE =
  ' `approval_policy` is `unless-trusted`: The harness will require user approval before running commands unless an explicit exec policy rule allows them.';

/** How to ask for approval (our wording of the original's "Escalation Requests" section). */
const ESCALATION_SECTION = `# Escalation Requests

Commands run outside the sandbox only when the user approves them. To ask, call \`exec_command\` with \`sandbox_permissions\` set to \`"require_escalated"\` and a short question for the user in \`justification\` (for example "Do you want to install this project's dependencies?"). You may suggest a \`prefix_rule\` (such as ["npm", "run", "dev"]) that would cover similar commands later; never suggest one for destructive commands such as rm, for interpreters such as ["python3"], or for a command that uses a heredoc.

Ask when a command needs to write outside the writable roots, needs the network, opens a GUI application, or failed because of the sandbox and matters to the task; ask before a destructive action (such as \`rm\` or \`git reset\`) the user did not request. Do not message the user before asking; do not try to get around an approval with other tools.`;

const networkLine = (policy: core.SandboxPolicy) =>
  policy.mode === 'danger-full-access' ||
  (policy.mode === 'workspace-write' && policy.network_access === true) ||
  (policy.mode === 'external-sandbox' && policy.network_access === true)
    ? 'Network access is enabled.'
    : 'Network access is restricted.';

/** The `<permissions instructions>` developer message for a sandbox and approval policy. */
export function permissionsInstructions(settings: TurnSettings): string {
  const { sandboxPolicy, approvalPolicy, cwd } = settings;
  const lines = [
    '<permissions instructions>',
    `Filesystem sandboxing defines which files can be read or written. ${SANDBOX_LINE[sandboxPolicy.mode]} ${networkLine(sandboxPolicy)}`,
  ];
  if (approvalPolicy === 'never') lines.push(NEVER_LINE);
  else if (approvalPolicy === 'untrusted') lines.push(UNTRUSTED_LINE);
  else lines.push(ESCALATION_SECTION);
  if (sandboxPolicy.mode === 'workspace-write') {
    const roots = writableRoots({ ...sandboxPolicy, exclude_tmpdir_env_var: true }, cwd).sort();
    lines.push(` The writable roots are ${roots.map((root) => `\`${root}\``).join(', ')}.`);
  }
  lines.push('</permissions instructions>');
  return lines.join('\n');
}

const xmlEscape = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The `<filesystem>` element: the workspace roots and the permission profile. */
function filesystemElement(settings: TurnSettings): string {
  const { sandboxPolicy, cwd } = settings;
  const roots = `<workspace_roots><root>${xmlEscape(cwd)}</root></workspace_roots>`;
  if (sandboxPolicy.mode === 'danger-full-access' || sandboxPolicy.mode === 'external-sandbox')
    return `<filesystem>${roots}<permission_profile type="disabled"><file_system type="unrestricted" /></permission_profile></filesystem>`;
  const entries = ['<entry access="read"><special>:root</special></entry>'];
  if (sandboxPolicy.mode === 'workspace-write') {
    const path = (access: string, value: string) =>
      `<entry access="${access}"><path>${xmlEscape(value)}</path></entry>`;
    entries.push(path('write', cwd));
    for (const root of sandboxPolicy.writable_roots ?? [])
      entries.push(path('write', resolve(cwd, root)));
    if (!sandboxPolicy.exclude_slash_tmp)
      entries.push('<entry access="write"><special>:slash_tmp</special></entry>');
    if (!sandboxPolicy.exclude_tmpdir_env_var)
      entries.push('<entry access="write"><special>:tmpdir</special></entry>');
    for (const name of ['.git', '.agents', '.codex'])
      entries.push(path('read', resolve(cwd, name)));
  }
  return `<filesystem>${roots}<permission_profile type="managed"><file_system type="restricted">${entries.join('')}</file_system></permission_profile></filesystem>`;
}

/** The `<environment_context>` user message. */
export function environmentContext(
  settings: TurnSettings,
  env: Readonly<Record<string, string | undefined>>,
  now: Date = new Date(),
): string {
  const shell = (env.SHELL ?? '/bin/bash').split('/').pop() || 'bash';
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'Etc/UTC';
  const date = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
  return [
    '<environment_context>',
    `  <cwd>${xmlEscape(settings.cwd)}</cwd>`,
    `  <shell>${shell}</shell>`,
    `  <current_date>${date}</current_date>`,
    `  <timezone>${timezone}</timezone>`,
    `  ${filesystemElement(settings)}`,
    '</environment_context>',
  ].join('\n');
}

/** The AGENTS.md user message. */
export const agentsMdMessage = (cwd: string, instructions: string) =>
  `# AGENTS.md instructions for ${cwd}\n\n<INSTRUCTIONS>\n${instructions}\n</INSTRUCTIONS>`;

/** Whether the context messages must be sent again for `next`. */
export function contextChanged(previous: TurnSettings, next: TurnSettings): boolean {
  return (
    previous.cwd !== next.cwd ||
    JSON.stringify(previous.approvalPolicy) !== JSON.stringify(next.approvalPolicy) ||
    JSON.stringify(previous.sandboxPolicy) !== JSON.stringify(next.sandboxPolicy)
  );
}

/**
 * The messages that open the conversation, shaped as the original sends them: the base
 * instructions (developer); the developer instructions and permissions (one developer message,
 * one part each); AGENTS.md and the environment context (one user message). When the settings
 * change later, the permissions and the environment context are sent again.
 */
export function contextMessages(options: {
  readonly settings: TurnSettings;
  readonly previous: TurnSettings | null;
  readonly config: Config;
  readonly userInstructions: string | null;
  readonly env: Readonly<Record<string, string | undefined>>;
}): ResponseItem[] {
  const { settings, config } = options;
  const parts = (texts: string[]) => texts.map((text) => ({ type: 'input_text' as const, text }));
  const items: ResponseItem[] = [];
  const developer: string[] = [];
  if (options.previous === null) {
    items.push(message('developer', config.baseInstructions ?? BASE_INSTRUCTIONS));
    if (config.developerInstructions) developer.push(config.developerInstructions);
  }
  developer.push(permissionsInstructions(settings));
  items.push({ type: 'message', role: 'developer', content: parts(developer) });
  const user: string[] = [];
  if (options.userInstructions) user.push(agentsMdMessage(settings.cwd, options.userInstructions));
  user.push(environmentContext(settings, options.env));
  items.push({ type: 'message', role: 'user', content: parts(user) });
  return items;
}

/** Whether an item is a permissions or environment-context message (resent when settings change). */
export function isSettingsMessage(item: ResponseItem): boolean {
  if (item.type !== 'message') return false;
  return item.content.some(
    (part) =>
      part?.type === 'input_text' &&
      (part.text.startsWith('<permissions instructions>') ||
        part.text.startsWith('<environment_context>')),
  );
}
