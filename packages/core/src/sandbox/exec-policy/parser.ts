import { type Call, parseCalls, type Value } from './call-syntax.js';
import { isExecPolicyDecision } from './decision.js';
import { ExecPolicyError, type SourceLocation } from './errors.js';
import {
  executableLookupKey,
  executablePathLookupKey,
  hostExecutablePath,
  isBareExecutableName,
} from './executable-name.js';
import type { HostExecutable, NetworkRule, PatternToken, PrefixRule, Rule } from './rule.js';
import { splitShellWords } from './shell-words.js';
import { tokenize } from './tokenizer.js';

/**
 * Parses a rules file: a sequence of top-level calls `prefix_rule(...)`, `host_executable(...)`
 * (and the original's `network_rule(...)`) with keyword arguments whose values are strings and
 * lists. Comments, both quote styles (and their triple-quoted forms) with Starlark escapes,
 * trailing commas and `;` between calls are accepted; variables, expressions, positional
 * arguments and other functions are not.
 *
 * Every argument is checked (decision, non-empty pattern and alternatives, examples, absolute
 * host paths). The `match` / `not_match` examples are only parsed here: checking them needs the
 * `host_executable` entries of every file loaded before, so {@link ExecPolicy} does it.
 *
 * @param file names the text in errors, which start with `file:line:column:`.
 * @throws ExecPolicyError `parse` for text outside the subset, `invalid_rule` for a bad argument.
 */
export function parseRules(text: string, file: string): Rule[] {
  return parseCalls(tokenize(text, file)).map(buildRule);
}

function buildRule(call: Call): Rule {
  switch (call.name) {
    case 'prefix_rule':
      return buildPrefixRule(call);
    case 'host_executable':
      return buildHostExecutable(call);
    case 'network_rule':
      return buildNetworkRule(call);
  }
}

/** The keyword arguments of one call, read by type; unknown keywords are refused up front. */
class Arguments {
  constructor(
    private readonly call: Call,
    allowed: readonly string[],
  ) {
    for (const [keyword, { at }] of call.arguments) {
      if (!allowed.includes(keyword))
        throw ExecPolicyError.at(
          'invalid_rule',
          at,
          `${call.name} got an unexpected keyword argument '${keyword}' (expected one of ${allowed.join(', ')})`,
        );
    }
  }

  string(keyword: string): { value: string; at: SourceLocation } | undefined {
    const value = this.call.arguments.get(keyword)?.value;
    if (value === undefined || value.kind === 'string') return value;
    throw invalidRule(value.at, `'${keyword}' must be a string, got a list`);
  }

  list(keyword: string): { items: readonly Value[]; at: SourceLocation } | undefined {
    const value = this.call.arguments.get(keyword)?.value;
    if (value === undefined || value.kind === 'list') return value;
    throw invalidRule(value.at, `'${keyword}' must be a list, got a string`);
  }

  required<T>(keyword: string, value: T | undefined): T {
    if (value !== undefined) return value;
    throw invalidRule(
      this.call.at,
      `${this.call.name} is missing the required argument '${keyword}'`,
    );
  }
}

const invalidRule = (at: SourceLocation, message: string) =>
  ExecPolicyError.at('invalid_rule', at, message);

function buildPrefixRule(call: Call): PrefixRule {
  const args = new Arguments(call, ['pattern', 'decision', 'justification', 'match', 'not_match']);
  const pattern = args.required('pattern', args.list('pattern'));
  if (pattern.items.length === 0) throw invalidRule(pattern.at, 'pattern cannot be empty');
  const decision = args.string('decision');
  if (decision !== undefined && !isExecPolicyDecision(decision.value))
    throw invalidRule(
      decision.at,
      `invalid decision ${JSON.stringify(decision.value)}: expected "allow", "prompt" or "forbidden"`,
    );
  const justification = readJustification(args);
  return {
    kind: 'prefix_rule',
    pattern: pattern.items.map(patternToken),
    decision: decision === undefined ? 'allow' : (decision.value as PrefixRule['decision']),
    ...(justification !== undefined && { justification }),
    match: (args.list('match')?.items ?? []).map(example),
    notMatch: (args.list('not_match')?.items ?? []).map(example),
    location: call.at,
  };
}

function readJustification(args: Arguments): string | undefined {
  const justification = args.string('justification');
  if (justification !== undefined && justification.value.trim() === '')
    throw invalidRule(justification.at, 'justification cannot be empty');
  return justification?.value;
}

function patternToken(value: Value): PatternToken {
  if (value.kind === 'string') return value.value;
  const alternatives = value.items.map((item) => {
    if (item.kind === 'string') return item.value;
    throw invalidRule(item.at, 'pattern alternative must be a string, got a list');
  });
  if (alternatives.length === 0)
    throw invalidRule(value.at, 'pattern alternatives cannot be empty');
  return alternatives.length === 1 ? (alternatives[0] as string) : alternatives;
}

/** A `match` / `not_match` example: a string split like a shell would, or a list of tokens. */
function example(value: Value): string[] {
  if (value.kind === 'string') {
    const words = splitShellWords(value.value);
    if (words === null)
      throw invalidRule(
        value.at,
        `example ${JSON.stringify(value.value)} has invalid shell syntax (an unterminated quote or a trailing backslash)`,
      );
    if (words.length === 0) throw invalidRule(value.at, 'example cannot be an empty string');
    return words;
  }
  const tokens = value.items.map((item) => {
    if (item.kind === 'string') return item.value;
    throw invalidRule(item.at, 'example tokens must be strings, got a list');
  });
  if (tokens.length === 0) throw invalidRule(value.at, 'example cannot be an empty list');
  return tokens;
}

function buildHostExecutable(call: Call): HostExecutable {
  const args = new Arguments(call, ['name', 'paths']);
  const name = args.required('name', args.string('name'));
  if (!isBareExecutableName(name.value))
    throw invalidRule(
      name.at,
      `host_executable name must be a bare executable name (got ${JSON.stringify(name.value)})`,
    );
  const paths: string[] = [];
  for (const item of args.required('paths', args.list('paths')).items) {
    if (item.kind !== 'string')
      throw invalidRule(item.at, 'host_executable paths must be strings, got a list');
    const path = hostExecutablePath(item.value);
    if (path === null)
      throw invalidRule(
        item.at,
        `host_executable paths must be absolute or use \`~/...\` home-relative syntax (got ${JSON.stringify(item.value)})`,
      );
    if (executablePathLookupKey(path) !== executableLookupKey(name.value))
      throw invalidRule(
        item.at,
        `host_executable path \`${item.value}\` must have basename \`${name.value}\``,
      );
    if (!paths.includes(path)) paths.push(path);
  }
  return { kind: 'host_executable', name: name.value, paths, location: call.at };
}

/** Protocol spellings the original accepts, by the protocol they mean. */
const NETWORK_PROTOCOLS: Readonly<Record<string, NetworkRule['protocol']>> = {
  http: 'http',
  https: 'https',
  https_connect: 'https',
  'http-connect': 'https',
  socks5_tcp: 'socks5_tcp',
  socks5_udp: 'socks5_udp',
};

function buildNetworkRule(call: Call): NetworkRule {
  const args = new Arguments(call, ['host', 'protocol', 'decision', 'justification']);
  const host = args.required('host', args.string('host'));
  const normalizedHost = host.value.trim().toLowerCase();
  if (normalizedHost === '') throw invalidRule(host.at, 'network_rule host cannot be empty');
  const protocol = args.required('protocol', args.string('protocol'));
  const knownProtocol = Object.hasOwn(NETWORK_PROTOCOLS, protocol.value)
    ? NETWORK_PROTOCOLS[protocol.value]
    : undefined;
  if (knownProtocol === undefined)
    throw invalidRule(
      protocol.at,
      `network_rule protocol must be one of http, https, socks5_tcp, socks5_udp (got ${JSON.stringify(protocol.value)})`,
    );
  const decision = args.required('decision', args.string('decision'));
  const decisionValue = decision.value === 'deny' ? 'forbidden' : decision.value;
  if (!isExecPolicyDecision(decisionValue))
    throw invalidRule(
      decision.at,
      `invalid decision ${JSON.stringify(decision.value)}: expected "allow", "deny", "prompt" or "forbidden"`,
    );
  const justification = readJustification(args);
  return {
    kind: 'network_rule',
    host: normalizedHost,
    protocol: knownProtocol,
    decision: decisionValue,
    ...(justification !== undefined && { justification }),
    location: call.at,
  };
}
