import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

/**
 * The vitest settings every package shares. Workspace packages resolve to their sources, so a
 * package's tests need no build of its dependencies. Each run also writes
 * `.vitest-results.json`, which `scripts/test-summary.mjs` totals for CI.
 */
export const sharedVitestConfig = defineConfig({
  resolve: {
    alias: [
      { find: /^@codex\/common$/, replacement: `${packages}common/src/index.ts` },
      { find: /^@codex\/common\/files$/, replacement: `${packages}common/src/files.ts` },
      { find: /^@codex\/protocol$/, replacement: `${packages}protocol/src/index.ts` },
      { find: /^@codex\/jsonrpc$/, replacement: `${packages}jsonrpc/src/index.ts` },
      {
        find: /^@codex\/jsonrpc\/(stdio|websocket|server)$/,
        replacement: `${packages}jsonrpc/src/$1.ts`,
      },
      { find: /^@codex\/auth$/, replacement: `${packages}auth/src/index.ts` },
      { find: /^@codex\/core$/, replacement: `${packages}core/src/index.ts` },
      { find: /^@codex\/core\/wire$/, replacement: `${packages}core/src/wire/index.ts` },
      { find: /^@codex\/app-server$/, replacement: `${packages}app-server/src/index.ts` },
      { find: /^@codex\/login$/, replacement: `${packages}login/src/index.ts` },
      { find: /^@codex\/exec-server$/, replacement: `${packages}exec-server/src/index.ts` },
      {
        find: /^@codex\/exec-server\/client$/,
        replacement: `${packages}exec-server/src/client-index.ts`,
      },
      { find: /^@codex\/test-support$/, replacement: `${packages}test-support/src/index.ts` },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
  },
});
