import { asRecord, asString, type JsonObject, parseJsonObject } from '../../json.js';

/** One parsed rollout line: `{timestamp, ordinal?, type, payload}`. */
export interface RolloutRecord {
  timestamp: string | null;
  ordinal: number | null;
  type: string;
  payload: JsonObject;
}

/** Parses a rollout line; null for blank, torn or non-record lines (skipped, never fatal). */
export function parseRolloutRecord(text: string): RolloutRecord | null {
  const record = parseJsonObject(text);
  if (record === null) return null;
  const type = asString(record.type);
  if (type === null) return null;
  return {
    timestamp: asString(record.timestamp),
    ordinal: typeof record.ordinal === 'number' ? record.ordinal : null,
    type,
    payload: asRecord(record.payload),
  };
}

// Our writer and the original both put `type` third, after `timestamp` and `ordinal`.
const LEADING_TYPE = /^\{"timestamp":"[^"]*",(?:"ordinal":\d+,)?"type":"([a-z_]+)"/;

/**
 * The record type of a line without parsing it, when the line starts the usual way; null
 * otherwise (the caller then parses). Lets a scan skip the JSON.parse of large model items.
 */
export function peekRecordType(text: string): string | null {
  return LEADING_TYPE.exec(text)?.[1] ?? null;
}

/** The prefix older clients put before the user's words in `user_message` events. */
const USER_MESSAGE_BEGIN = '## My request for Codex:';
/** The preview of a user message that carried only images. */
export const IMAGE_ONLY_PREVIEW = '[Image]';

// Harness-injected "user" messages: environment context, AGENTS.md, skills, shell-command
// notes, aborted-turn notes, sub-agent notifications. Matched as `<tag>…</tag>` around the text.
const CONTEXTUAL_TAGS = [
  'environment_context',
  'user_instructions',
  'skill',
  'user_shell_command',
  'turn_aborted',
  'subagents',
  'subagent_notification',
];
const AGENTS_MD_PREFIX = '# AGENTS.md instructions for ';

/** True when a user-role text is context the harness injected rather than the user's words. */
export function isContextualUserText(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed.startsWith(AGENTS_MD_PREFIX)) return true;
  const lower = trimmed.toLowerCase();
  return CONTEXTUAL_TAGS.some((tag) => lower.startsWith(`<${tag}>`) && lower.endsWith(`</${tag}>`));
}

const stripUserMessagePrefix = (text: string): string => {
  const index = text.indexOf(USER_MESSAGE_BEGIN);
  return (index === -1 ? text : text.slice(index + USER_MESSAGE_BEGIN.length)).trim();
};

/**
 * The text of a real user message carried by this record, or null when the record is not one.
 * Three shapes exist: `event_msg` `user_message` (older), `event_msg` `item_completed` with a
 * `UserMessage` item, and a `response_item` message with role `user` that is not injected
 * context. An image-only message gives `[Image]`.
 */
export function userMessageText(record: RolloutRecord): string | null {
  const { type, payload } = record;
  if (type === 'event_msg') {
    const eventType = asString(payload.type);
    if (eventType === 'user_message') {
      const text = stripUserMessagePrefix(asString(payload.message) ?? '');
      if (text !== '') return text;
      const images = Array.isArray(payload.images) ? payload.images.length : 0;
      const localImages = Array.isArray(payload.local_images) ? payload.local_images.length : 0;
      return images + localImages > 0 ? IMAGE_ONLY_PREVIEW : null;
    }
    if (eventType === 'item_completed') {
      const item = asRecord(payload.item);
      if (asString(item.type) !== 'UserMessage') return null;
      return contentText(item.content, ['text'], () => false);
    }
    return null;
  }
  if (type === 'response_item') {
    if (asString(payload.type) !== 'message' || asString(payload.role) !== 'user') return null;
    if (isHarnessAuthored(payload)) return null;
    return contentText(payload.content, ['input_text'], isContextualUserText);
  }
  return null;
}

/** Texts of `content` (of the given item types) joined, skipping `skip`ped ones; images count. */
function contentText(
  content: unknown,
  textTypes: readonly string[],
  skip: (text: string) => boolean,
): string | null {
  if (!Array.isArray(content)) return null;
  const texts: string[] = [];
  let images = 0;
  for (const part of content) {
    const item = asRecord(part);
    const itemType = asString(item.type) ?? '';
    const text = asString(item.text);
    if (textTypes.includes(itemType) && text !== null) {
      if (!skip(text)) texts.push(text);
    } else if (/image/i.test(itemType)) {
      images++;
    }
  }
  const joined = texts.join('\n').trim();
  if (joined !== '') return joined;
  return images > 0 ? IMAGE_ONLY_PREVIEW : null;
}

/**
 * Newer rollouts tag each content item with its kind (`user.text`, `environments.…`); a message
 * none of whose items is the user's own was written by the harness. Without the tags (older
 * files, or ours), the text test above decides.
 */
function isHarnessAuthored(payload: JsonObject): boolean {
  const metadata = asRecord(payload.internal_chat_message_metadata_passthrough);
  const kinds = metadata.content_item_kinds;
  const content = payload.content;
  if (!Array.isArray(kinds) || kinds.length === 0 || !Array.isArray(content)) return false;
  if (kinds.length !== content.length) return false;
  return !kinds.some((kind) => {
    const name = typeof kind === 'string' ? kind : '';
    return name.startsWith('user.') || name === '' || name === 'unknown' || name.includes('image');
  });
}
