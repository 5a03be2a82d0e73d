import type { AppServer } from '../server.js';
import { commandExecManager } from '../tools/command-exec.js';
import { fuzzyFileSearch } from '../tools/fuzzy-file-search.js';
import type { HandlerTable } from './types.js';

/** Searches running under a cancellation token, per server: a new one cancels the old. */
const searches = new WeakMap<AppServer, Map<string, AbortController>>();

function searchesOf(server: AppServer): Map<string, AbortController> {
  let map = searches.get(server);
  if (!map) {
    map = new Map();
    searches.set(server, map);
  }
  return map;
}

/** `command/exec` and its follow-ups, and `fuzzyFileSearch`. */
export const toolHandlers: HandlerTable = {
  'command/exec': (params, { server, session }) => commandExecManager(server).run(session, params),

  'command/exec/write': async (params, { server, session }) => {
    await commandExecManager(server).write(session, params);
    return {};
  },

  'command/exec/terminate': async (params, { server, session }) => {
    await commandExecManager(server).terminate(session, params.processId);
    return {};
  },

  'command/exec/resize': async (params, { server, session }) => {
    await commandExecManager(server).resize(session, params);
    return {};
  },

  fuzzyFileSearch: async (params, { server, signal }) => {
    const token = params.cancellationToken ?? null;
    const running = searchesOf(server);
    const controller = new AbortController();
    if (token !== null) {
      running.get(token)?.abort();
      running.set(token, controller);
    }
    const stop = () => controller.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      return { files: await fuzzyFileSearch(params.query, params.roots, controller.signal) };
    } finally {
      signal.removeEventListener('abort', stop);
      if (token !== null && running.get(token) === controller) running.delete(token);
    }
  },
};
