import { z } from 'zod';
import { EventMsgSchema, TurnAbortedEventSchema } from '../core/events.js';
import {
  AskForApprovalSchema,
  ReasoningEffortSchema,
  ReasoningSummarySchema,
  SandboxModeSchema,
  SandboxPolicySchema,
} from '../core/policy.js';

/** A conversation id (a UUID string). */
export const ConversationIdSchema = z.string();
/** A conversation id (a UUID string). */
export type ConversationId = z.infer<typeof ConversationIdSchema>;

/** One piece of user input on the v1 wire: tagged by `type`, payload under `data`. */
export const InputItemSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), data: z.object({ text: z.string() }) }),
  z.object({ type: z.literal('image'), data: z.object({ imageUrl: z.string() }) }),
  z.object({ type: z.literal('localImage'), data: z.object({ path: z.string() }) }),
]);
/** One piece of user input on the v1 wire. */
export type InputItem = z.infer<typeof InputItemSchema>;

/** `newConversation` params: overrides for the new session's config. */
export const NewConversationParamsSchema = z.object({
  /** Model to use, overriding config. */
  model: z.string().nullable().optional(),
  /** Config profile to select. */
  profile: z.string().nullable().optional(),
  /** Working directory; relative paths resolve against the server's cwd. */
  cwd: z.string().nullable().optional(),
  approvalPolicy: AskForApprovalSchema.nullable().optional(),
  sandbox: SandboxModeSchema.nullable().optional(),
  /** Arbitrary `config.toml` overrides as a JSON object of dotted keys. */
  config: z.record(z.string(), z.unknown()).nullable().optional(),
  baseInstructions: z.string().nullable().optional(),
  includePlanTool: z.boolean().nullable().optional(),
  includeApplyPatchTool: z.boolean().nullable().optional(),
});
/** `newConversation` params. */
export type NewConversationParams = z.infer<typeof NewConversationParamsSchema>;

/** `newConversation` result. */
export const NewConversationResponseSchema = z.object({
  conversationId: ConversationIdSchema,
  model: z.string(),
});
/** `newConversation` result. */
export type NewConversationResponse = z.infer<typeof NewConversationResponseSchema>;

/** `sendUserMessage` params: input for a turn with the session's settings. */
export const SendUserMessageParamsSchema = z.object({
  conversationId: ConversationIdSchema,
  items: z.array(InputItemSchema),
});
/** `sendUserMessage` params. */
export type SendUserMessageParams = z.infer<typeof SendUserMessageParamsSchema>;

/** An empty result object. */
export const EmptyResponseSchema = z.object({});
/** An empty result object. */
export type EmptyResponse = z.infer<typeof EmptyResponseSchema>;

/** `sendUserTurn` params: input plus the settings for this and later turns. */
export const SendUserTurnParamsSchema = z.object({
  conversationId: ConversationIdSchema,
  items: z.array(InputItemSchema),
  cwd: z.string(),
  approvalPolicy: AskForApprovalSchema,
  sandboxPolicy: SandboxPolicySchema,
  model: z.string(),
  effort: ReasoningEffortSchema.nullable().optional(),
  summary: ReasoningSummarySchema,
});
/** `sendUserTurn` params. */
export type SendUserTurnParams = z.infer<typeof SendUserTurnParamsSchema>;

/** `interruptConversation` params. */
export const InterruptConversationParamsSchema = z.object({ conversationId: ConversationIdSchema });
/** `interruptConversation` params. */
export type InterruptConversationParams = z.infer<typeof InterruptConversationParamsSchema>;

/** `interruptConversation` result, sent once the turn reports `turn_aborted`. */
export const InterruptConversationResponseSchema = z.object({
  abortReason: TurnAbortedEventSchema.shape.reason,
});
/** `interruptConversation` result. */
export type InterruptConversationResponse = z.infer<typeof InterruptConversationResponseSchema>;

/** `addConversationListener` params. */
export const AddConversationListenerParamsSchema = z.object({
  conversationId: ConversationIdSchema,
});
/** `addConversationListener` params. */
export type AddConversationListenerParams = z.infer<typeof AddConversationListenerParamsSchema>;

/** `addConversationListener` result: the subscription to remove later. */
export const AddConversationSubscriptionResponseSchema = z.object({ subscriptionId: z.string() });
/** `addConversationListener` result. */
export type AddConversationSubscriptionResponse = z.infer<
  typeof AddConversationSubscriptionResponseSchema
>;

/** `removeConversationListener` params. */
export const RemoveConversationListenerParamsSchema = z.object({ subscriptionId: z.string() });
/** `removeConversationListener` params. */
export type RemoveConversationListenerParams = z.infer<
  typeof RemoveConversationListenerParamsSchema
>;

/** `gitDiffToRemote` params. */
export const GitDiffToRemoteParamsSchema = z.object({ cwd: z.string() });
/** `gitDiffToRemote` params. */
export type GitDiffToRemoteParams = z.infer<typeof GitDiffToRemoteParamsSchema>;

/** `gitDiffToRemote` result: the remote base commit and the diff against it. */
export const GitDiffToRemoteResponseSchema = z.object({ sha: z.string(), diff: z.string() });
/** `gitDiffToRemote` result. */
export type GitDiffToRemoteResponse = z.infer<typeof GitDiffToRemoteResponseSchema>;

/**
 * Params of a `codex/event/<type>` notification: the core event as serialized, plus the
 * conversation it belongs to.
 */
export const CodexEventNotificationParamsSchema = z.object({
  id: z.string(),
  msg: EventMsgSchema,
  conversationId: ConversationIdSchema,
});
/** Params of a `codex/event/<type>` notification. */
export type CodexEventNotificationParams = z.infer<typeof CodexEventNotificationParamsSchema>;
