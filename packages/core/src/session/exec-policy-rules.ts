import type { Logger } from '@codex/common';
import type { RuleDecision } from '../sandbox/assessment.js';
import { parseShellScript } from '../sandbox/bash-parser.js';
import { appendAllowRule, ExecPolicy } from '../sandbox/exec-policy/index.js';
import { shellScriptOf } from '../sandbox/safe-command.js';

/** What the session's tools ask of the user's exec-policy rules. */
export interface ExecPolicyRules {
  /** The strictest rule decision for a command (a shell script: over each of its commands). */
  decide(argv: readonly string[]): RuleDecision;
  /** The prefix to offer as "always allow": the script's first command, when it is plain. */
  proposeFor(argv: readonly string[]): string[] | null;
  /** Appends an allow rule to `rules/default.rules` and applies it from now on. */
  allow(prefix: readonly string[]): Promise<void>;
}

/** The commands an argv runs: a `bash -lc` script's commands, or the argv itself. */
function commandsOf(argv: readonly string[]): string[][] | null {
  const script = shellScriptOf(argv);
  if (script === null) return [[...argv]];
  try {
    return parseShellScript(script);
  } catch {
    return null;
  }
}

/**
 * The rules in `$CODEX_HOME/rules`, loaded at session start (a broken file fails the start
 * with its file and line). A script that is not plain commands gets no rule decision, so the
 * policy's other checks (and the sandbox) decide it.
 */
export async function loadExecPolicyRules(
  codexHome: string,
  logger: Logger,
): Promise<ExecPolicyRules> {
  let policy = await ExecPolicy.load(codexHome);
  return {
    decide(argv) {
      const commands = commandsOf(argv);
      if (!commands || commands.length === 0) return null;
      return policy.evaluateCommands(commands).decision;
    },
    proposeFor(argv) {
      const first = commandsOf(argv)?.[0];
      return first && first.length > 0 ? first : null;
    },
    async allow(prefix) {
      await appendAllowRule(codexHome, prefix);
      try {
        policy = await ExecPolicy.load(codexHome);
      } catch (error) {
        logger.warn(
          'the rules no longer load after adding an allow rule; keeping the previous rules',
          error,
        );
      }
    },
  };
}
