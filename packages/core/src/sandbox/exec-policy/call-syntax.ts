import { ExecPolicyError, type SourceLocation } from './errors.js';
import { describeToken, type Token } from './tokenizer.js';

/** A string or list literal, where it starts. */
export type Value =
  | { readonly kind: 'string'; readonly value: string; readonly at: SourceLocation }
  | { readonly kind: 'list'; readonly items: readonly Value[]; readonly at: SourceLocation };

/** One top-level call with its keyword arguments, as written. */
export interface Call {
  readonly name: RuleFunction;
  readonly at: SourceLocation;
  /** By keyword, in the order written; `at` is where the keyword is. */
  readonly arguments: ReadonlyMap<string, { readonly value: Value; readonly at: SourceLocation }>;
}

const RULE_FUNCTIONS = ['prefix_rule', 'host_executable', 'network_rule'] as const;
/** The functions a rules file may call. */
export type RuleFunction = (typeof RULE_FUNCTIONS)[number];
const EXPECTED_CALL = 'a call to prefix_rule(...) or host_executable(...)';

const isRuleFunction = (name: string): name is RuleFunction =>
  (RULE_FUNCTIONS as readonly string[]).includes(name);

/**
 * The top-level calls of a tokenized rules file: `name(keyword=value, ...)` separated by line
 * ends or `;`, values being strings and (nested) lists. Arguments are not judged here.
 * @throws ExecPolicyError `parse` naming the offending token's file, line and column.
 */
export function parseCalls(tokens: readonly Token[]): Call[] {
  return new CallParser(tokens).parseFile();
}

/** Recursive descent over the tokens. */
class CallParser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseFile(): Call[] {
    const calls: Call[] = [];
    let atLineStart = true;
    for (;;) {
      const token = this.peek();
      if (token.kind === 'end') return calls;
      if (token.kind === 'newline') {
        this.position++;
        atLineStart = true;
        continue;
      }
      if (atLineStart && token.at.column !== 1)
        throw this.syntaxError(
          token,
          `unexpected indentation: expected ${EXPECTED_CALL} at column 1`,
        );
      calls.push(this.parseCall());
      const after = this.next();
      if (isPunctuation(after, ';')) atLineStart = false;
      else if (after.kind === 'newline' || after.kind === 'end') {
        atLineStart = true;
        if (after.kind === 'end') return calls;
      } else throw this.syntaxError(after, 'expected the end of the line after a call');
    }
  }

  private parseCall(): Call {
    const callee = this.next();
    if (callee.kind !== 'identifier') throw this.syntaxError(callee, `expected ${EXPECTED_CALL}`);
    const open = this.next();
    if (isPunctuation(open, '='))
      throw ExecPolicyError.at(
        'parse',
        callee.at,
        `variables are not supported: expected ${EXPECTED_CALL}, found an assignment to '${callee.text}'`,
      );
    if (!isPunctuation(open, '('))
      throw this.syntaxError(open, `expected '(' after '${callee.text}'`);
    if (!isRuleFunction(callee.text))
      throw ExecPolicyError.at(
        'parse',
        callee.at,
        `unknown function '${callee.text}': expected prefix_rule or host_executable`,
      );
    return { name: callee.text, at: callee.at, arguments: this.parseArguments(callee.text) };
  }

  /** The keyword arguments after `(`, through the closing `)`. */
  private parseArguments(callee: string): Call['arguments'] {
    const parsed = new Map<string, { value: Value; at: SourceLocation }>();
    for (;;) {
      const keyword = this.next();
      if (isPunctuation(keyword, ')')) return parsed;
      if (keyword.kind !== 'identifier' || !isPunctuation(this.peek(), '=')) {
        const positional =
          keyword.kind === 'string' ||
          keyword.kind === 'number' ||
          keyword.kind === 'identifier' ||
          isPunctuation(keyword, '[');
        throw positional
          ? ExecPolicyError.at(
              'parse',
              keyword.at,
              `positional arguments are not supported: ${callee} takes keyword arguments (name=value), found ${describeToken(keyword)}`,
            )
          : this.syntaxError(keyword, "expected a keyword argument (name=value) or ')'");
      }
      this.position++;
      if (parsed.has(keyword.text))
        throw ExecPolicyError.at(
          'parse',
          keyword.at,
          `duplicate keyword argument '${keyword.text}' in ${callee}`,
        );
      parsed.set(keyword.text, { value: this.parseValue(), at: keyword.at });
      const after = this.next();
      if (isPunctuation(after, ')')) return parsed;
      if (!isPunctuation(after, ','))
        throw this.syntaxError(after, `expected ',' or ')' after the value of '${keyword.text}'`);
    }
  }

  private parseValue(): Value {
    const token = this.next();
    if (token.kind === 'string') return { kind: 'string', value: token.value, at: token.at };
    if (!isPunctuation(token, '[')) {
      const hint = token.kind === 'identifier' ? ' (variables are not supported)' : '';
      throw this.syntaxError(token, `expected a string or a list${hint}`);
    }
    const items: Value[] = [];
    for (;;) {
      if (isPunctuation(this.peek(), ']')) {
        this.position++;
        return { kind: 'list', items, at: token.at };
      }
      items.push(this.parseValue());
      const after = this.next();
      if (isPunctuation(after, ']')) return { kind: 'list', items, at: token.at };
      if (!isPunctuation(after, ','))
        throw this.syntaxError(after, "expected ',' or ']' in a list");
    }
  }

  private peek(): Token {
    return this.tokens[this.position] ?? (this.tokens.at(-1) as Token);
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.position++;
    return token;
  }

  private syntaxError(found: Token, expected: string): ExecPolicyError {
    return ExecPolicyError.at('parse', found.at, `${expected}, found ${describeToken(found)}`);
  }
}

const isPunctuation = (token: Token, text: string) =>
  token.kind === 'punctuation' && token.text === text;
