import { describe, expect, it } from 'vitest';
import { classifyMessage, invalidParams, JsonRpcError, JsonRpcErrorCode } from '../src/index.js';

describe('classifyMessage', () => {
  it('accepts messages with or without "jsonrpc"', () => {
    expect(classifyMessage({ id: 1, method: 'a' })).toMatchObject({ kind: 'request' });
    expect(classifyMessage({ jsonrpc: '2.0', id: 'x', method: 'a' })).toMatchObject({
      kind: 'request',
    });
    expect(classifyMessage({ method: 'a', params: {} })).toMatchObject({ kind: 'notification' });
    expect(classifyMessage({ id: 1, result: null })).toMatchObject({ kind: 'response' });
    expect(classifyMessage({ id: null, error: { code: -32700, message: 'x' } })).toMatchObject({
      kind: 'error',
    });
  });

  it('keeps the top-level emittedAtMs of server notifications', () => {
    const result = classifyMessage({ method: 'warning', params: {}, emittedAtMs: 5 });
    expect(result).toStrictEqual({
      kind: 'notification',
      message: { method: 'warning', params: {}, emittedAtMs: 5 },
    });
  });

  it('names what is wrong', () => {
    expect(classifyMessage([1, 2])).toMatchObject({
      problem: expect.stringContaining('array'),
      id: null,
    });
    expect(classifyMessage({ id: 1 })).toMatchObject({
      problem: expect.stringContaining('"method"'),
      id: 1,
    });
    expect(classifyMessage({ id: 1.5, method: 'a' })).toMatchObject({
      problem: expect.stringContaining('id'),
    });
    expect(classifyMessage({ jsonrpc: '1.0', id: 3, method: 'a' })).toMatchObject({
      problem: expect.stringContaining('jsonrpc'),
      id: 3,
    });
    expect(classifyMessage({ id: 2, error: { code: 'x' } })).toMatchObject({
      problem: expect.stringContaining('error.code'),
    });
  });
});

describe('JsonRpcError', () => {
  it('serializes without data when there is none', () => {
    expect(invalidParams('params.cwd: expected string').toJSON()).toStrictEqual({
      code: JsonRpcErrorCode.InvalidParams,
      message: 'params.cwd: expected string',
    });
    expect(new JsonRpcError(-1, 'm', { a: 1 }).toJSON()).toStrictEqual({
      code: -1,
      message: 'm',
      data: { a: 1 },
    });
  });

  it('is recognised across copies by its marker', () => {
    const error = new JsonRpcError(1, 'x');
    expect(JsonRpcError.isInstance(error)).toBe(true);
    expect(JsonRpcError.isInstance(new Error('x'))).toBe(false);
    expect(JsonRpcError.isInstance({ code: 1, message: 'x' })).toBe(false);
  });
});
