/** The version of this package, reported as `cliVersion` of the threads it starts. */
export const APP_SERVER_VERSION = '0.1.0';

/**
 * The released Codex whose app-server protocol this server speaks, reported in the user agent:
 * clients such as the Codex TUI compare it with their own and warn about an older server.
 */
export const PROTOCOL_COMPATIBLE_VERSION = '0.169.0';
