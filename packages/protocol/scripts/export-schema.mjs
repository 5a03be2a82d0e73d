#!/usr/bin/env node
// Writes one JSON Schema document per protocol into ./schema (or the folder given as the
// first argument), built from the package's zod tables via zod's JSON Schema export.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { core, exec, protocolJsonSchema, v1, v2 } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.argv[2] ?? join(here, '..', 'schema'));
mkdirSync(outDir, { recursive: true });

const documents = {
  'app-server-v2': protocolJsonSchema('CodexAppServerProtocolV2', v2, {
    clientRequests: v2.clientRequestsV2,
    clientNotifications: v2.clientNotificationsV2,
    serverNotifications: v2.serverNotificationsV2,
    serverRequests: v2.serverRequestsV2,
  }),
  'app-server-v1': protocolJsonSchema(
    'CodexAppServerProtocolV1',
    { ...core, ...v1 },
    {
      clientRequests: v1.clientRequestsV1,
      serverNotifications: v1.serverNotificationsV1,
      serverRequests: v1.serverRequestsV1,
    },
  ),
  'exec-server-v0': protocolJsonSchema('CodexExecServerProtocolV0', exec, {
    requests: exec.execRequests,
    clientNotifications: exec.execClientNotifications,
    serverNotifications: exec.execServerNotifications,
  }),
  core: protocolJsonSchema('CodexCoreProtocol', core, {}),
};

for (const [name, doc] of Object.entries(documents)) {
  const path = join(outDir, `${name}.schema.json`);
  writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
  const methods = Object.values(doc.methods).reduce((n, table) => n + Object.keys(table).length, 0);
  console.log(`${path}: ${Object.keys(doc.definitions).length} definitions, ${methods} methods`);
}
