// Runs one storage operation in a separate process, against the built package.
//   node child.mjs '<json command>'   → prints one JSON line with the outcome
import * as auth from '../dist/index.js';

const command = JSON.parse(process.argv[2]);
const warnings = [];
const logger = {
  warn: (message) => warnings.push(message),
  error: (message) => warnings.push(message),
  debug: () => {},
};
const options = { logger, lockTimeoutMs: command.lockTimeoutMs };

async function run() {
  switch (command.op) {
    case 'save':
      await auth.createAuthStorage(command.codexHome, command.mode, options).save(command.auth);
      return null;
    case 'load':
      return await auth.createAuthStorage(command.codexHome, command.mode, options).load();
    case 'delete':
      return await auth.createAuthStorage(command.codexHome, command.mode, options).delete();
    case 'login-api-key':
      await auth.loginWithApiKey(command.codexHome, command.apiKey, command.mode, options);
      return await auth.loadAuthDotJson(command.codexHome, command.mode, options);
    case 'logout':
      return await auth.deleteAuth(command.codexHome, command.mode, options);
    case 'slow-rmw': {
      // One read-modify-write that adds `tag`, announcing itself and then dawdling `ms` inside
      // the commit lock (so that a test can pause it there).
      const storage = auth.createAuthStorage(command.codexHome, 'file', options);
      await storage.update(async (current) => {
        process.stdout.write('locked\n');
        await new Promise((resolve) => setTimeout(resolve, command.ms));
        return {
          ...(current ?? { openaiApiKey: null }),
          extra: { ...(current?.extra ?? {}), [command.tag]: true },
        };
      });
      return null;
    }
    case 'rmw': {
      // `cycles` read-modify-write cycles, each adding one distinct top-level field.
      const storage = auth.createAuthStorage(command.codexHome, 'file', options);
      for (let i = 0; i < command.cycles; i++) {
        await storage.update((current) => ({
          ...(current ?? { openaiApiKey: null }),
          extra: { ...(current?.extra ?? {}), [`${command.tag}_${i}`]: i },
        }));
      }
      return null;
    }
    case 'save-forever': {
      // Saves growing payloads until killed.
      const storage = auth.createAuthStorage(command.codexHome, 'file', options);
      process.stdout.write('started\n');
      for (let i = 0; ; i++) {
        await storage.save({
          openaiApiKey: `sk-${i}`,
          extra: { padding: 'x'.repeat(50_000 + (i % 7) * 1000) },
        });
      }
    }
    default:
      throw new Error(`unknown op ${command.op}`);
  }
}

run().then(
  (result) => {
    process.stdout.write(`${JSON.stringify({ ok: true, result, warnings })}\n`);
  },
  (error) => {
    process.stdout.write(
      `${JSON.stringify({ ok: false, code: error.code ?? null, message: String(error.message), warnings })}\n`,
    );
  },
);
