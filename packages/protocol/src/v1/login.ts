import { z } from 'zod';

/** How the user is authenticated. */
export const AuthModeSchema = z.enum(['apikey', 'chatgpt']);
/** How the user is authenticated. */
export type AuthMode = z.infer<typeof AuthModeSchema>;

/** `loginChatGpt` result: open `authUrl` in a browser; completion arrives as a notification. */
export const LoginChatGptResponseSchema = z.object({ loginId: z.string(), authUrl: z.string() });
/** `loginChatGpt` result. */
export type LoginChatGptResponse = z.infer<typeof LoginChatGptResponseSchema>;

/** `cancelLoginChatGpt` params. */
export const CancelLoginChatGptParamsSchema = z.object({ loginId: z.string() });
/** `cancelLoginChatGpt` params. */
export type CancelLoginChatGptParams = z.infer<typeof CancelLoginChatGptParamsSchema>;

/** `getAuthStatus` result. `authMethod` is null when not logged in (or the token is empty). */
export const GetAuthStatusResponseSchema = z.object({
  authMethod: AuthModeSchema.nullable().optional(),
  preferredAuthMethod: AuthModeSchema,
});
/** `getAuthStatus` result. */
export type GetAuthStatusResponse = z.infer<typeof GetAuthStatusResponseSchema>;

/** `loginChatGptComplete` notification: the login attempt ended (10-minute timeout). */
export const LoginChatGptCompleteNotificationSchema = z.object({
  loginId: z.string(),
  success: z.boolean(),
  error: z.string().nullable().optional(),
});
/** `loginChatGptComplete` notification. */
export type LoginChatGptCompleteNotification = z.infer<
  typeof LoginChatGptCompleteNotificationSchema
>;

/** `authStatusChange` notification: the auth method now in force (null after logout). */
export const AuthStatusChangeNotificationSchema = z.object({
  authMethod: AuthModeSchema.nullable().optional(),
});
/** `authStatusChange` notification. */
export type AuthStatusChangeNotification = z.infer<typeof AuthStatusChangeNotificationSchema>;
