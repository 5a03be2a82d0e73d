import { describe, expect, it } from 'vitest';
import {
  callableMcpTools,
  flatName,
  MAX_CALLABLE_NAME_LENGTH,
  sanitizeToolName,
} from '../src/mcp/names.js';
import { AUDIO_OMITTED, mcpCallFailure, mcpCallOutput } from '../src/mcp/output.js';
import { toolParameters } from '../src/mcp/schema.js';

const LONG_SERVER = 'a_really_long_server_name_for_testing_limits_abcdefghijklmnopqrstuvwxyz';
const LONG_TOOL =
  'a_very_long_tool_name_that_definitely_exceeds_the_sixty_four_character_limit_of_openai';

describe('MCP tool names as the model sees them', () => {
  it('sanitizes to [A-Za-z0-9_], hyphens included; an empty name is `_`', () => {
    expect(sanitizeToolName('weird.name-with spaces/ok')).toBe('weird_name_with_spaces_ok');
    expect(sanitizeToolName('')).toBe('_');
  });

  it('namespaces per server (servers by raw name), tools sorted, each keeping its raw names', () => {
    const tools = callableMcpTools(
      new Map([
        ['srv.one', ['weird.name-with spaces/ok', 'echo', 'echo']],
        ['srv-two', ['zeta', 'alpha']],
      ]),
    );
    // `srv-two` sorts before `srv.one` ('-' < '.'); the duplicate `echo` is offered once.
    expect(tools).toStrictEqual([
      { server: 'srv-two', tool: 'alpha', namespace: 'mcp__srv_two', name: 'alpha' },
      { server: 'srv-two', tool: 'zeta', namespace: 'mcp__srv_two', name: 'zeta' },
      { server: 'srv.one', tool: 'echo', namespace: 'mcp__srv_one', name: 'echo' },
      {
        server: 'srv.one',
        tool: 'weird.name-with spaces/ok',
        namespace: 'mcp__srv_one',
        name: 'weird_name_with_spaces_ok',
      },
    ]);
    expect(tools.map(flatName)).toContain('mcp__srv_one__echo');
  });

  it("cuts a name past the limit with the original's hash (checked against the original)", () => {
    const [short] = callableMcpTools(new Map([['srv_one', [LONG_TOOL]]]));
    expect(short?.name).toBe(LONG_TOOL);
    const [cut] = callableMcpTools(new Map([[LONG_SERVER, [LONG_TOOL]]]));
    expect(cut?.namespace).toBe(`mcp__${LONG_SERVER}`);
    expect(cut?.name).toBe('a_very_long_tool_name_that_definitely_92b462c06d59');
    expect((cut?.namespace.length ?? 0) + 2 + (cut?.name.length ?? 0)).toBe(
      MAX_CALLABLE_NAME_LENGTH,
    );
  });

  it('names that collide once sanitized get a hash each; every flat name is unique', () => {
    const tools = callableMcpTools(
      new Map([
        ['a-b', ['x.y', 'x_y']],
        ['a_b', ['x']],
      ]),
    );
    const flat = tools.map(flatName);
    expect(new Set(flat).size).toBe(flat.length);
    expect(new Set(tools.map((t) => t.namespace)).size).toBe(2);
    for (const tool of tools) expect(tool.namespace).toMatch(/^mcp__a_b_[0-9a-f]{12}$/);
    const [first, second] = tools.filter((t) => t.server === 'a-b');
    expect(first?.name).toMatch(/^x_y_[0-9a-f]{12}$/);
    expect(second?.name).toMatch(/^x_y_[0-9a-f]{12}$/);
    expect(first?.name).not.toBe(second?.name);
  });
});

describe('MCP input schemas as function parameters', () => {
  it('fills what the Responses API needs and keeps the rest', () => {
    expect(toolParameters({})).toStrictEqual({ type: 'object', properties: {} });
    expect(toolParameters(undefined)).toStrictEqual({ type: 'object', properties: {} });
    expect(
      toolParameters({
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: {
          list: { type: 'array' },
          kind: { const: 'k' },
          color: { enum: ['red', 'blue'] },
          vague: { description: 'no type here' },
          either: { anyOf: [{ type: 'string' }, { type: 'null' }] },
          nested: { type: 'object' },
          maybe: { type: ['string', 'null'] },
        },
        required: ['list'],
        additionalProperties: false,
      }),
    ).toStrictEqual({
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'string' } },
        kind: { type: 'string', enum: ['k'] },
        color: { type: 'string', enum: ['red', 'blue'] },
        vague: {},
        either: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        nested: { type: 'object', properties: {} },
        maybe: { type: ['string', 'null'] },
      },
      required: ['list'],
      additionalProperties: false,
    });
  });
});

describe('MCP results as the model reads them', () => {
  it('content blocks follow a wall-time header; structured content replaces them', () => {
    expect(
      mcpCallOutput(
        {
          content: [
            { type: 'text', text: 'hello' },
            { type: 'image', data: 'AAAA', mimeType: 'image/png' },
            { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' },
            { type: 'resource_link', uri: 'file:///x', name: 'x' },
          ],
          isError: true,
        },
        0.0047,
      ),
    ).toStrictEqual([
      { type: 'input_text', text: 'Wall time: 0.0047 seconds\nOutput:' },
      { type: 'input_text', text: 'hello' },
      { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'high' },
      { type: 'input_text', text: AUDIO_OMITTED },
      { type: 'input_text', text: '{"type":"resource_link","uri":"file:///x","name":"x"}' },
    ]);
    expect(
      mcpCallOutput(
        { content: [{ type: 'text', text: 'TEXT-VERSION' }], structuredContent: { a: 1 } },
        0.1066,
      ),
    ).toBe('Wall time: 0.1066 seconds\nOutput:\n{"a":1}');
    expect(
      mcpCallFailure('test', 'slow', 'timed out awaiting tools/call after 3s', 3.001),
    ).toStrictEqual([
      { type: 'input_text', text: 'Wall time: 3.0010 seconds\nOutput:' },
      {
        type: 'input_text',
        text: 'tool call error: tool call failed for `test/slow`\n\nCaused by:\n    timed out awaiting tools/call after 3s',
      },
    ]);
  });
});
