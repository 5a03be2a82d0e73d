export { RemoteCodex, type RemoteCodexOptions } from './remote-codex.js';
