// Runs one storage operation in a separate process, against the built package.
//   node child.mjs '<json command>'   → prints one JSON line with the outcome
import * as auth from '../dist/index.js';

const command = JSON.parse(process.argv[2]);
const warnings = [];
const logger = { warn: (message) => warnings.push(message), debug: () => {} };
const options = { logger, lockStaleMs: command.lockStaleMs };

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
      return await auth.logout(command.codexHome, command.mode, options);
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
