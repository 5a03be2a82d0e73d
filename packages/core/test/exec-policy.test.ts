import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendAllowRule,
  ExecPolicy,
  ExecPolicyError,
  formatAllowRule,
  parseRules,
  toCheckOutput,
} from '../src/sandbox/exec-policy/index.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'codex-execpolicy-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const rulesDir = () => join(home, 'rules');
const writeRules = (name: string, text: string) => {
  mkdirSync(rulesDir(), { recursive: true });
  writeFileSync(join(rulesDir(), name), text);
  return join(rulesDir(), name);
};
const defaultRules = () => join(rulesDir(), 'default.rules');

/** The ExecPolicyError `run` throws (fails the test when it throws nothing or something else). */
function failure(run: () => unknown): ExecPolicyError {
  try {
    run();
  } catch (error) {
    if (ExecPolicyError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an ExecPolicyError');
}

async function asyncFailure(promise: Promise<unknown>): Promise<ExecPolicyError> {
  try {
    await promise;
  } catch (error) {
    if (ExecPolicyError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an ExecPolicyError');
}

const policy = (text: string) => ExecPolicy.fromText(text, 'test.rules');
const decide = (text: string, argv: string[]) => policy(text).evaluate(argv).decision;

describe('parseRules', () => {
  it('reads every construct of the subset', () => {
    const text = [
      '# a comment line',
      'prefix_rule(',
      "    pattern = ['git', [\"pull\", 'fetch']],  # trailing comment",
      '    decision = "prompt",',
      '    justification = """network access""",',
      '    match = [["git", "pull"], "git fetch \'origin main\'"],',
      '    not_match = ["git push",],',
      ')',
      '',
      'prefix_rule(pattern=["ls"]); prefix_rule(pattern=[["cat"]], decision="forbidden",)',
    ].join('\n');
    expect(parseRules(text, 'x.rules')).toEqual([
      {
        kind: 'prefix_rule',
        pattern: ['git', ['pull', 'fetch']],
        decision: 'prompt',
        justification: 'network access',
        match: [
          ['git', 'pull'],
          ['git', 'fetch', 'origin main'],
        ],
        notMatch: [['git', 'push']],
        location: { file: 'x.rules', line: 2, column: 1 },
      },
      {
        kind: 'prefix_rule',
        pattern: ['ls'],
        decision: 'allow',
        match: [],
        notMatch: [],
        location: { file: 'x.rules', line: 10, column: 1 },
      },
      {
        kind: 'prefix_rule',
        pattern: ['cat'],
        decision: 'forbidden',
        match: [],
        notMatch: [],
        location: { file: 'x.rules', line: 10, column: 30 },
      },
    ]);
  });

  it('decodes Starlark escapes and keeps triple-quoted newlines', () => {
    const text = String.raw`prefix_rule(pattern=["a\"b", 'c\'d', "\\", "\x41\101\u00e9\U0001F600", "t\tn\n"], justification='''two
lines''')`;
    const [rule] = parseRules(text, 'x.rules');
    expect(rule).toMatchObject({
      pattern: ['a"b', "c'd", '\\', 'AAé😀', 't\tn\n'],
      justification: 'two\nlines',
    });
  });

  it('splits string examples like shlex', () => {
    const [rule] = parseRules(
      String.raw`prefix_rule(pattern=["echo"], match=["echo 'a b' \"c \\\" d\" e\\ f # comment", "echo \"\\q\""])`,
      'x.rules',
    );
    expect(rule).toMatchObject({
      match: [
        ['echo', 'a b', 'c " d', 'e f'],
        ['echo', '\\q'],
      ],
    });
  });

  it.each([
    ['an unterminated string', 'prefix_rule(pattern=["git)', '1:22', 'unterminated string'],
    [
      'a missing comma',
      'prefix_rule(pattern=["a"] decision="allow")',
      '1:27',
      "expected ',' or ')' after the value of 'pattern', found 'decision'",
    ],
    [
      'an error on a later line',
      '# header\n\nprefix_rule(\n  pattern=["a"],\n  decision=("allow"),\n)',
      '5:12',
      "expected a string or a list, found '('",
    ],
    [
      'an unknown function',
      'load("other.rules")',
      '1:1',
      "unknown function 'load': expected prefix_rule or host_executable",
    ],
    [
      'a positional argument',
      'prefix_rule(["git"])',
      '1:13',
      'positional arguments are not supported: prefix_rule takes keyword arguments',
    ],
    ['a variable', 'GIT = "git"', '1:1', 'variables are not supported'],
    [
      'a variable as a value',
      'prefix_rule(pattern=GIT)',
      '1:21',
      "expected a string or a list (variables are not supported), found 'GIT'",
    ],
    [
      'an expression',
      'prefix_rule(pattern=["a" + "b"])',
      '1:26',
      "expected ',' or ']' in a list, found '+'",
    ],
    ['a number', 'prefix_rule(pattern=[1])', '1:22', 'found the number 1'],
    ['an invalid escape', 'prefix_rule(pattern=["a\\qb"])', '1:24', 'invalid escape sequence \\q'],
    ['an indented call', '  prefix_rule(pattern=["a"])', '1:3', 'unexpected indentation'],
    [
      'two calls on one line',
      'prefix_rule(pattern=["a"]) prefix_rule(pattern=["b"])',
      '1:28',
      "expected the end of the line after a call, found 'prefix_rule'",
    ],
    [
      'a duplicate keyword',
      'prefix_rule(pattern=["a"], pattern=["b"])',
      '1:28',
      "duplicate keyword argument 'pattern'",
    ],
    [
      'an unclosed call',
      'prefix_rule(pattern=["a"]\n',
      '2:1',
      "expected ',' or ')' after the value of 'pattern', found the end of the file",
    ],
    ['a bare name', 'prefix_rule', '1:12', "expected '(' after 'prefix_rule'"],
  ])('refuses %s with file:line:column', (_name, text, position, message) => {
    const error = failure(() => parseRules(text, 'dir/bad.rules'));
    expect(error.code).toBe('parse');
    expect(error.message).toContain(`dir/bad.rules:${position}: `);
    expect(error.message).toContain(message);
    expect(error.file).toBe('dir/bad.rules');
    expect(`${error.line}:${error.column}`).toBe(position);
  });

  it.each([
    [
      'a bad decision',
      'prefix_rule(pattern=["a"], decision="maybe")',
      '1:37',
      'invalid decision "maybe": expected "allow", "prompt" or "forbidden"',
    ],
    [
      'a decision that is a list',
      'prefix_rule(pattern=["a"], decision=["allow"])',
      '1:37',
      "'decision' must be a string",
    ],
    ['an empty pattern', 'prefix_rule(pattern=[])', '1:21', 'pattern cannot be empty'],
    [
      'empty alternatives',
      'prefix_rule(pattern=["a", []])',
      '1:27',
      'pattern alternatives cannot be empty',
    ],
    [
      'nested alternatives',
      'prefix_rule(pattern=["a", ["b", ["c"]]])',
      '1:33',
      'pattern alternative must be a string',
    ],
    [
      'an unknown keyword',
      'prefix_rule(pattern=["a"], decisoin="allow")',
      '1:28',
      "prefix_rule got an unexpected keyword argument 'decisoin'",
    ],
    [
      'a missing pattern',
      '\nprefix_rule(decision="allow")',
      '2:1',
      "prefix_rule is missing the required argument 'pattern'",
    ],
    [
      'a blank justification',
      'prefix_rule(pattern=["a"], justification="  ")',
      '1:42',
      'justification cannot be empty',
    ],
    [
      'an example with an open quote',
      'prefix_rule(pattern=["a"], match=["a \'b"])',
      '1:35',
      'has invalid shell syntax',
    ],
    [
      'an empty example',
      'prefix_rule(pattern=["a"], match=[" "])',
      '1:35',
      'example cannot be an empty string',
    ],
    [
      'an empty example list',
      'prefix_rule(pattern=["a"], not_match=[[]])',
      '1:39',
      'example cannot be an empty list',
    ],
  ])('refuses %s as an invalid rule', (_name, text, position, message) => {
    const error = failure(() => parseRules(text, 'bad.rules'));
    expect(error.code).toBe('invalid_rule');
    expect(error.message).toContain(`bad.rules:${position}: `);
    expect(error.message).toContain(message);
  });

  it('keeps host_executable entries, deduplicated, with ~/ expanded', () => {
    const rules = parseRules(
      'host_executable(name="git", paths=["/usr/bin/git", "/opt/homebrew/bin/git", "/usr/bin/git"])\n' +
        'host_executable(name = "az", paths = ["~/.openai/bin/az"])\n' +
        'host_executable(name="rg", paths=[])',
      'h.rules',
    );
    expect(rules).toEqual([
      {
        kind: 'host_executable',
        name: 'git',
        paths: ['/usr/bin/git', '/opt/homebrew/bin/git'],
        location: { file: 'h.rules', line: 1, column: 1 },
      },
      {
        kind: 'host_executable',
        name: 'az',
        paths: [join(homedir(), '.openai/bin/az')],
        location: { file: 'h.rules', line: 2, column: 1 },
      },
      {
        kind: 'host_executable',
        name: 'rg',
        paths: [],
        location: { file: 'h.rules', line: 3, column: 1 },
      },
    ]);
  });

  it.each([
    [
      'a relative path',
      'host_executable(name="git", paths=["git"])',
      'host_executable paths must be absolute',
    ],
    [
      'a path to another program',
      'host_executable(name="git", paths=["/usr/bin/rg"])',
      'must have basename `git`',
    ],
    [
      'a name with a directory',
      'host_executable(name="/usr/bin/git", paths=[])',
      'must be a bare executable name',
    ],
    [
      'a missing paths argument',
      'host_executable(name="git")',
      "missing the required argument 'paths'",
    ],
  ])('refuses a host_executable with %s', (_name, text, message) => {
    const error = failure(() => parseRules(text, 'h.rules'));
    expect(error.code).toBe('invalid_rule');
    expect(error.message).toMatch(/^h\.rules:1:\d+: /);
    expect(error.message).toContain(message);
  });

  it("accepts the original's network_rule lines, which decide no command", () => {
    const text =
      'network_rule(host="API.example.com", protocol="https", decision="deny", justification="no")\n' +
      'prefix_rule(pattern=["curl"], decision="prompt")';
    expect(parseRules(text, 'n.rules')[0]).toEqual({
      kind: 'network_rule',
      host: 'api.example.com',
      protocol: 'https',
      decision: 'forbidden',
      justification: 'no',
      location: { file: 'n.rules', line: 1, column: 1 },
    });
    expect(ExecPolicy.fromText(text, 'n.rules').evaluate(['curl', 'x']).decision).toBe('prompt');
    expect(
      failure(() =>
        parseRules('network_rule(host="a", protocol="ftp", decision="allow")', 'n.rules'),
      ).message,
    ).toContain('network_rule protocol must be one of');
  });
});

describe('ExecPolicy.evaluate', () => {
  it('matches prefixes token by token and reports the matched prefix and its rule', () => {
    const rules = 'prefix_rule(pattern=["git", "status"], justification="read-only")';
    expect(policy(rules).evaluate(['git', 'status', '--short'])).toEqual({
      decision: 'allow',
      matchedRules: [
        {
          pattern: ['git', 'status'],
          matchedPrefix: ['git', 'status'],
          decision: 'allow',
          justification: 'read-only',
          file: 'test.rules',
          line: 1,
        },
      ],
      unmatchedCommands: [],
    });
    expect(decide(rules, ['git'])).toBeNull();
    expect(decide(rules, ['git', 'stash'])).toBeNull();
    expect(decide(rules, ['sudo', 'git', 'status'])).toBeNull();
    expect(decide(rules, [])).toBeNull();
  });

  it('treats list elements as alternatives, without a cartesian expansion of the tail', () => {
    const rules =
      'prefix_rule(pattern=[["bash", "sh"], ["-c", "-l"]], decision="prompt")\n' +
      'prefix_rule(pattern=["npm", ["i", "install"], ["--no-save", "--legacy-peer-deps"]])';
    expect(decide(rules, ['bash', '-c', 'echo'])).toBe('prompt');
    expect(decide(rules, ['sh', '-l'])).toBe('prompt');
    expect(decide(rules, ['zsh', '-c'])).toBeNull();
    expect(decide(rules, ['sh', '-x'])).toBeNull();
    expect(
      policy(rules).evaluate(['npm', 'install', '--no-save', 'leftpad']).matchedRules[0]
        ?.matchedPrefix,
    ).toEqual(['npm', 'install', '--no-save']);
    expect(decide(rules, ['npm', 'i', 'leftpad'])).toBeNull();
  });

  it('takes the strictest decision of every matching rule (forbidden > prompt > allow)', () => {
    const rules =
      'prefix_rule(pattern=["git"], decision="prompt")\n' +
      'prefix_rule(pattern=["git", "commit"], decision="forbidden", justification="use jj")\n' +
      'prefix_rule(pattern=["git", "commit", "-m"], decision="allow")';
    const evaluation = policy(rules).evaluate(['git', 'commit', '-m', 'hi']);
    expect(evaluation.decision).toBe('forbidden');
    expect(evaluation.matchedRules.map((match) => [match.decision, match.line])).toEqual([
      ['prompt', 1],
      ['forbidden', 2],
      ['allow', 3],
    ]);
    expect(decide(rules, ['git', 'status'])).toBe('prompt');
  });

  it('resolves an absolute program path to rules for its name, as host_executable allows', () => {
    const open = 'prefix_rule(pattern=["git", "status"], decision="prompt")';
    expect(policy(open).evaluate(['/usr/bin/git', 'status']).matchedRules).toEqual([
      {
        pattern: ['git', 'status'],
        matchedPrefix: ['git', 'status'],
        decision: 'prompt',
        resolvedProgram: '/usr/bin/git',
        file: 'test.rules',
        line: 1,
      },
    ]);
    expect(
      policy(open).evaluate(['/usr/bin/git', 'status'], { resolveHostExecutables: false }).decision,
    ).toBeNull();

    const listed = `${open}\nhost_executable(name="git", paths=["/usr/bin/git"])`;
    expect(decide(listed, ['/usr/bin/git', 'status'])).toBe('prompt');
    expect(decide(listed, ['/opt/homebrew/bin/git', 'status'])).toBeNull();
    expect(
      decide(`${open}\nhost_executable(name="git", paths=[])`, ['/usr/bin/git', 'status']),
    ).toBeNull();
    expect(decide(listed, ['bin/git', 'status'])).toBeNull();
  });

  it('prefers rules naming the exact path over rules for the bare name', () => {
    const rules =
      'prefix_rule(pattern=["/usr/bin/git"], decision="allow")\n' +
      'prefix_rule(pattern=["git"], decision="forbidden")';
    const evaluation = policy(rules).evaluate(['/usr/bin/git', 'status']);
    expect(evaluation.decision).toBe('allow');
    expect(evaluation.matchedRules).toHaveLength(1);
  });

  it('lets a later host_executable for a name replace an earlier one', () => {
    const evaluation = ExecPolicy.fromSources([
      { file: 'a.rules', text: 'host_executable(name="git", paths=["/usr/bin/git"])' },
      {
        file: 'b.rules',
        text: 'host_executable(name="git", paths=["/opt/bin/git"])\nprefix_rule(pattern=["git"])',
      },
    ]);
    expect(evaluation.evaluate(['/opt/bin/git']).decision).toBe('allow');
    expect(evaluation.evaluate(['/usr/bin/git']).decision).toBeNull();
  });
});

describe('ExecPolicy.evaluateCommands', () => {
  const rules =
    'prefix_rule(pattern=["ls"])\nprefix_rule(pattern=["cat"])\n' +
    'prefix_rule(pattern=["curl"], decision="prompt")\nprefix_rule(pattern=["rm"], decision="forbidden")';

  it('allows only when every command is allowed by a rule', () => {
    expect(policy(rules).evaluateCommands([['ls'], ['cat', 'a']]).decision).toBe('allow');
    const partly = policy(rules).evaluateCommands([['ls'], ['python3', 'x.py'], ['cat']]);
    expect(partly.decision).toBeNull();
    expect(partly.unmatchedCommands).toEqual([['python3', 'x.py']]);
    expect(partly.matchedRules.map((match) => match.matchedPrefix)).toEqual([['ls'], ['cat']]);
  });

  it('takes the strictest decision over the commands', () => {
    expect(policy(rules).evaluateCommands([['ls'], ['curl', 'x'], ['python3']]).decision).toBe(
      'prompt',
    );
    expect(policy(rules).evaluateCommands([['curl'], ['rm', '-rf', '/'], ['ls']]).decision).toBe(
      'forbidden',
    );
    expect(policy(rules).evaluateCommands([]).decision).toBeNull();
  });

  it('lets a fallback decide the commands no rule matches', () => {
    const seen: (readonly string[])[] = [];
    const fallback = (argv: readonly string[]) => {
      seen.push(argv);
      return argv[0] === 'python3' ? ('prompt' as const) : ('allow' as const);
    };
    expect(policy(rules).evaluateCommands([['ls'], ['echo', 'hi']], { fallback }).decision).toBe(
      'allow',
    );
    expect(policy(rules).evaluateCommands([['ls'], ['python3']], { fallback }).decision).toBe(
      'prompt',
    );
    expect(seen).toEqual([['echo', 'hi'], ['python3']]);
    expect(ExecPolicy.empty().evaluate(['rm'], { fallback: () => 'forbidden' }).decision).toBe(
      'forbidden',
    );
  });
});

describe('match / not_match examples', () => {
  it('loads rules whose examples hold, including alternatives and host paths', () => {
    expect(() =>
      policy(
        'prefix_rule(pattern=[["bash", "sh"], "-c"], match=["sh -c ls", ["bash", "-c"], "/bin/sh -c x"], not_match=["zsh -c ls", "bash -lc ls"])',
      ),
    ).not.toThrow();
  });

  it('refuses a match example that does not match, naming the file and line', async () => {
    const file = writeRules(
      'team.rules',
      '# team rules\nprefix_rule(pattern=["ls"])\n\nprefix_rule(\n  pattern = ["git", "status"],\n  match = ["git status -s", ["git", "stat"], "git log"],\n)\n',
    );
    const error = await asyncFailure(ExecPolicy.load(home));
    expect(error.code).toBe('example_mismatch');
    expect(error.file).toBe(file);
    expect(error.line).toBe(4);
    expect(error.message).toBe(
      `${file}:4:1: every match example must match prefix_rule(pattern=["git", "status"]); these do not: \`git stat\`, \`git log\``,
    );
  });

  it('refuses a not_match example that matches', () => {
    const error = failure(() =>
      policy(
        'prefix_rule(pattern=["git"], decision="prompt")\nprefix_rule(pattern=["rm", ["-r", "-rf"]], not_match=["rm -f x", "rm -rf /"])',
      ),
    );
    expect(error.code).toBe('example_mismatch');
    expect(error.message).toBe(
      'test.rules:2:1: not_match example `rm -rf /` matches prefix_rule(pattern=["rm", ["-r", "-rf"]])',
    );
  });

  it('checks each example against its own rule only', () => {
    const error = failure(() =>
      policy(
        'prefix_rule(pattern=["git"])\nprefix_rule(pattern=["git", "push"], match=["git pull"])',
      ),
    );
    expect(error.message).toContain('test.rules:2:1: ');
  });

  it('checks examples under the host_executables of earlier files', () => {
    const earlier = {
      file: 'a.rules',
      text: 'host_executable(name="git", paths=["/opt/bin/git"])',
    };
    const later = {
      file: 'b.rules',
      text: 'prefix_rule(pattern=["git"], match=["/usr/bin/git status"])',
    };
    expect(() => ExecPolicy.fromSources([later])).not.toThrow();
    const error = failure(() => ExecPolicy.fromSources([earlier, later]));
    expect(error.message).toContain('b.rules:1:1: every match example');
  });
});

describe('ExecPolicy.load', () => {
  it('reads $CODEX_HOME/rules/*.rules sorted by name; the strictest match wins across files', async () => {
    writeRules('b-team.rules', 'prefix_rule(pattern=["git", "push"], decision="forbidden")');
    writeRules('a-user.rules', 'prefix_rule(pattern=["git"], decision="allow")');
    writeRules('notes.txt', 'this is not starlark');
    mkdirSync(join(rulesDir(), 'dir.rules'));
    const loaded = await ExecPolicy.load(home);
    const push = loaded.evaluate(['git', 'push', 'origin']);
    expect(push.decision).toBe('forbidden');
    expect(push.matchedRules.map((match) => match.file)).toEqual([
      join(rulesDir(), 'a-user.rules'),
      join(rulesDir(), 'b-team.rules'),
    ]);
    expect(loaded.evaluate(['git', 'pull']).decision).toBe('allow');
  });

  it('gives the empty policy when the rules folder is missing', async () => {
    const loaded = await ExecPolicy.load(join(home, 'nowhere'));
    expect(loaded.rules).toEqual([]);
    expect(loaded.evaluate(['rm', '-rf', '/']).decision).toBeNull();
  });

  it('reports a bad file with its path and line', async () => {
    writeRules('a.rules', 'prefix_rule(pattern=["ok"])');
    const file = writeRules('b.rules', '\n\nprefix_rule(pattern=["x"], decision="nope")');
    const error = await asyncFailure(ExecPolicy.load(home));
    expect(error.code).toBe('invalid_rule');
    expect(error.message.startsWith(`${file}:3:37: invalid decision "nope"`)).toBe(true);
  });

  it('reports unreadable rules as io errors', async () => {
    writeFileSync(rulesDir(), 'a file where the folder should be');
    expect((await asyncFailure(ExecPolicy.load(home))).code).toBe('io');
    const missing = join(home, 'missing.rules');
    const error = await asyncFailure(ExecPolicy.fromFiles([missing]));
    expect(error.code).toBe('io');
    expect(error.message).toContain(missing);
  });
});

describe('toCheckOutput', () => {
  it("prints the original's `codex execpolicy check` JSON", () => {
    const rules =
      'prefix_rule(pattern=["git"], decision="prompt", justification="ask first")\n' +
      'prefix_rule(pattern=["git", "status"])';
    expect(JSON.stringify(toCheckOutput(policy(rules).evaluate(['/usr/bin/git', 'status'])))).toBe(
      '{"matchedRules":[' +
        '{"prefixRuleMatch":{"matchedPrefix":["git"],"decision":"prompt","resolvedProgram":"/usr/bin/git","justification":"ask first"}},' +
        '{"prefixRuleMatch":{"matchedPrefix":["git","status"],"decision":"allow","resolvedProgram":"/usr/bin/git"}}' +
        '],"decision":"prompt"}',
    );
    expect(JSON.stringify(toCheckOutput(policy(rules).evaluate(['ls'])))).toBe(
      '{"matchedRules":[]}',
    );
  });
});

describe('appendAllowRule', () => {
  it("writes the original's line format to $CODEX_HOME/rules/default.rules (0600)", async () => {
    await appendAllowRule(home, ['echo', 'Hello, world!']);
    expect(readFileSync(defaultRules(), 'utf8')).toBe(
      'prefix_rule(pattern=["echo", "Hello, world!"], decision="allow")\n',
    );
    expect(statSync(defaultRules()).mode & 0o777).toBe(0o600);
    expect(formatAllowRule(['git', 'pull'])).toBe(
      'prefix_rule(pattern=["git", "pull"], decision="allow")',
    );
  });

  it('writes tokens that load back as the same command', async () => {
    const tokens = ['printf', 'a "quoted" \\ back\nslash\t', "it's", 'é😀'];
    await appendAllowRule(home, tokens);
    const loaded = await ExecPolicy.load(home);
    expect(loaded.evaluate(tokens).decision).toBe('allow');
    expect(loaded.evaluate(['printf', 'a "quoted" \\ back\nslash']).decision).toBeNull();
  });

  it('skips a rule already in the file and keeps what is there', async () => {
    writeRules('default.rules', '# mine\nprefix_rule(pattern=["ls"], decision="allow")');
    await appendAllowRule(home, ['python3']);
    await appendAllowRule(home, ['python3']);
    await appendAllowRule(home, ['ls']);
    expect(readFileSync(defaultRules(), 'utf8')).toBe(
      '# mine\nprefix_rule(pattern=["ls"], decision="allow")\nprefix_rule(pattern=["python3"], decision="allow")\n',
    );
  });

  it('never interleaves concurrent appends: each lands exactly once', async () => {
    const prefixes = Array.from({ length: 10 }, (_, index) => [
      'tool',
      `sub-${index}`,
      'x'.repeat(2000),
    ]);
    await Promise.all([
      ...prefixes.map((prefix) => appendAllowRule(home, prefix)),
      ...Array.from({ length: 5 }, () => appendAllowRule(home, ['same'])),
    ]);
    const lines = readFileSync(defaultRules(), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(11);
    expect(new Set(lines)).toEqual(new Set([...prefixes, ['same']].map(formatAllowRule)));
    const loaded = await ExecPolicy.load(home);
    expect(loaded.evaluateCommands([...prefixes, ['same']]).decision).toBe('allow');
  });

  it('refuses an empty prefix and writes nothing', async () => {
    const error = await asyncFailure(appendAllowRule(home, []));
    expect(error.code).toBe('invalid_rule');
    expect(() => statSync(defaultRules())).toThrow();
  });
});
