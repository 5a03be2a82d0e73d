import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/**
 * Loads a built entry in a fresh Node and lists every module file it loaded (CommonJS through
 * require.cache; ESM through a resolve hook), then runs an in-process client with pipes.
 */
function modulesLoadedBy(entry: 'client.cjs' | 'client.js'): string[] {
  const script =
    entry === 'client.cjs'
      ? `
const { ExecServerClient } = require(${JSON.stringify(`${dist}client.cjs`)});
const client = ExecServerClient.connectInProcess();
client.communicate({ processId: 'p', argv: ['true'], cwd: '/', env: {}, tty: false })
  .then(() => client.close())
  .then(() => console.log(JSON.stringify(Object.keys(require.cache))));`
      : `
import { register } from 'node:module';
const seen = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => seen.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(\`
  let port;
  export function initialize(data) { port = data.port; }
  export async function resolve(specifier, context, next) {
    const resolved = await next(specifier, context);
    port.postMessage(resolved.url);
    return resolved;
  }\`), { data: { port: port2 }, transferList: [port2] });
const { ExecServerClient } = await import(${JSON.stringify(`${dist}client.js`)});
const client = ExecServerClient.connectInProcess();
await client.communicate({ processId: 'p', argv: ['true'], cwd: '/', env: {}, tty: false });
await client.close();
await new Promise((resolve) => setTimeout(resolve, 50));
console.log(JSON.stringify(seen));`;
  const output = execFileSync(
    process.execPath,
    entry === 'client.cjs' ? ['-e', script] : ['--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  return JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('@codex/exec-server/client', () => {
  it.each(['client.cjs', 'client.js'] as const)(
    'loads neither node-pty nor the CLI (%s), even running an in-process client',
    (entry) => {
      const loaded = modulesLoadedBy(entry);
      expect(
        loaded.some((file) => file.includes('@codex/jsonrpc') || file.includes('jsonrpc')),
      ).toBe(true);
      expect(loaded.filter((file) => /node-pty|pty\.node/.test(file))).toStrictEqual([]);
      expect(loaded.filter((file) => /\/(cli|bin)\.(c?js)$/.test(file))).toStrictEqual([]);
      // Nor the CLI bundled into a shared chunk: no loaded file of this package holds its usage.
      const ours = loaded
        .map((file) => (file.startsWith('file://') ? fileURLToPath(file) : file))
        .filter((file) => file.startsWith(dist));
      expect(ours.length).toBeGreaterThan(0);
      expect(
        ours.filter((file) => readFileSync(file, 'utf8').includes('Usage: codex-exec-server')),
      ).toStrictEqual([]);
    },
  );
});
