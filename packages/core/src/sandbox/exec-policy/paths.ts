import { join } from 'node:path';

/** `$CODEX_HOME/rules`, whose `*.rules` files hold the user's exec-policy rules. */
export function rulesFolder(codexHome: string): string {
  return join(codexHome, 'rules');
}

/** `$CODEX_HOME/rules/default.rules`, where "always allow" answers are appended. */
export function defaultRulesFile(codexHome: string): string {
  return join(rulesFolder(codexHome), 'default.rules');
}
