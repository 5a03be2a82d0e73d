import { runLoginCli } from './cli.js';

runLoginCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('codex-login: unexpected failure', error);
    process.exitCode = 1;
  },
);
