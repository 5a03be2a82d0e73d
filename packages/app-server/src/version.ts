/** The version this package reports as `cliVersion` and in its user agent. */
export const APP_SERVER_VERSION = '0.1.0';
