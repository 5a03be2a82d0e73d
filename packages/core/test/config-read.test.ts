import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '../src/index.js';

interface RecordedCase {
  readonly name: string;
  readonly configToml: string | null;
  readonly systemToml: string | null;
  readonly cliOverrides: readonly string[];
  readonly response: { config: Record<string, unknown>; origins: unknown; layers: unknown[] };
}

/** What the released original answered to `config/read` (see the fixture's `source`). */
const recorded = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'original', 'config-read.json'), 'utf8'),
) as { cases: RecordedCase[] };

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'codex-config-read-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('readConfig answers config/read as the original does', () => {
  it.each(recorded.cases.map((c) => [c.name, c] as const))('%s', async (_name, recordedCase) => {
    if (recordedCase.configToml !== null)
      writeFileSync(join(home, 'config.toml'), recordedCase.configToml);
    const system = join(home, 'system-config.toml');
    if (recordedCase.systemToml !== null) writeFileSync(system, recordedCase.systemToml);
    const answer = await readConfig({
      codexHome: home,
      env: {},
      systemConfigFile: system,
      cliOverrides: recordedCase.cliOverrides,
      includeLayers: true,
    });
    // Paths as the original's: its CODEX_HOME placeholder, its system file.
    const normalised = JSON.parse(
      JSON.stringify(answer)
        .replaceAll(system, '/etc/codex/config.toml')
        .replaceAll(home, '$CODEX_HOME'),
    ) as RecordedCase['response'];
    const expected = structuredClone(recordedCase.response);
    // `features` defaults name the original's own feature flags; the rest must match exactly.
    delete expected.config.features;
    delete normalised.config.features;
    expect(normalised.layers).toEqual(expected.layers);
    expect(normalised.origins).toEqual(expected.origins);
    expect(normalised.config).toEqual(expected.config);
    expect(Object.keys(normalised.config)).toHaveLength(106);
  });

  it('leaves layers out unless asked for; unknown keys show in origins, not in config', async () => {
    writeFileSync(join(home, 'config.toml'), 'zz_unknown = 1\nmodel = "m"\n');
    const answer = await readConfig({ codexHome: home, env: {}, systemConfigFile: null });
    expect('layers' in answer).toBe(false);
    expect(Object.keys(answer.origins).sort()).toEqual(['model', 'zz_unknown']);
    expect(answer.config.model).toBe('m');
    expect('zz_unknown' in answer.config).toBe(false);
  });
});

describe('layer versions are the original’s (sha256 of canonical JSON)', () => {
  // Versions the original reported for these files (recorded with config/read).
  it.each([
    ['', 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'],
    [
      '# only a comment\n',
      'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    ],
    [
      'model = "gpt-test"\n',
      'sha256:24c684c4580f26817e1b77cf196712e2bfb17dcbfbe3bae8ca45052d06654028',
    ],
    [
      'model="gpt-test"   # same value, different bytes\n',
      'sha256:24c684c4580f26817e1b77cf196712e2bfb17dcbfbe3bae8ca45052d06654028',
    ],
    [
      'zz_unknown_top = 1\nmodel = "m1"\n[tui]\nzz_nested = 2\n[features]\nzz_feature = true\n',
      'sha256:6241dbaa0aa9d0a3a31fa21d6cb20be5ef119b821fef21f7c2cf2d2d1f824938',
    ],
    [
      'developer_instructions = "héllo ✓ \\u00e9 \\"q\\" / \\\\ \\n tab\\t"\n',
      'sha256:243269557292e640ec99bbb0ae2329ba085bd605d3106f4ed456ca4c2240c857',
    ],
    [
      'model_context_window = 1234567\nmodel_post_turn_compact_threshold_percent = 50\n[mcp_servers.m]\ncommand="x"\nstartup_timeout_sec = 1.5\ntool_timeout_sec = 10.0\n',
      'sha256:9393945a380db3755d6096473e891548c67b34e1f2f8b2f7b44086e2a0f2ccf5',
    ],
    [
      'notify = ["b","a"]\n[[skills.config]]\nenabled = true\nname = "z"\n[[skills.config]]\nenabled=false\nname="a"\n',
      'sha256:1c213426e84c93c07f04c2fa9d409f4d9404e92947891b26601afa7d6d87419a',
    ],
    [
      '[desktop]\nwhen = 1979-05-27T07:32:00Z\nd = 1979-05-27\nlt = 07:32:00\nldt = 1979-05-27T07:32:00.5\n',
      'sha256:61ba145366262f544063b9b14337c49bc4d8b9f574be7c6207fe0e7e541989ae',
    ],
  ])('%j', async (text, version) => {
    writeFileSync(join(home, 'config.toml'), text);
    const answer = await readConfig({
      codexHome: home,
      env: {},
      systemConfigFile: null,
      includeLayers: true,
    });
    expect(answer.layers?.[0]?.version).toBe(version);
  });
});
