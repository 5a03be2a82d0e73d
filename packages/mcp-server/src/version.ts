/** The version of this package, reported as `serverInfo.version`. */
export const MCP_SERVER_VERSION = '0.1.0';
