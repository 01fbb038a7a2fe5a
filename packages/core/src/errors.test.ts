import { describe, expect, it } from 'vitest';
import {
  GatewayError,
  errorDetail,
  errorMessage,
  isRunErrorCode,
  isToolErrorCode,
} from './errors.js';
import { isTerminalEvent } from './events.js';

describe('GatewayError', () => {
  it('carries a code, a cause, and serialises without a stack', () => {
    const cause = new Error('inner');
    const error = new GatewayError('invalid_options', 'bad option', { cause });
    expect(error.code).toBe('invalid_options');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('GatewayError');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'invalid_options',
      message: 'bad option',
    });
  });

  it('isInstance recognises an error from another copy of the package', () => {
    // Another copy of the class has its own prototype but the same global brand.
    const brand = Symbol.for('@claude-gateway/core.GatewayError');
    const foreign = Object.assign(new Error('x'), { code: 'internal', [brand]: true });
    expect(GatewayError.isInstance(foreign)).toBe(true);
    expect(GatewayError.isInstance(new Error('plain'))).toBe(false);
    expect(GatewayError.isInstance({ code: 'internal' })).toBe(false);
    expect(GatewayError.isInstance(null)).toBe(false);
  });

  it('classifies codes', () => {
    expect(isRunErrorCode('cancelled')).toBe(true);
    expect(isRunErrorCode('tool_error')).toBe(false);
    expect(isToolErrorCode('tool_error')).toBe(true);
    expect(isToolErrorCode('max_turns')).toBe(false);
  });

  it('errorMessage never includes a stack', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('text')).toBe('text');
  });

  it('errorMessage never echoes a thrown non-Error value; errorDetail (for logs) does', () => {
    const thrown = { config: { headers: { authorization: 'Bearer sk-secret' } } };
    expect(errorMessage(thrown)).toBe('a non-Error value was thrown (object)');
    expect(errorMessage(null)).toBe('a non-Error value was thrown (null)');
    expect(errorMessage(42)).toBe('a non-Error value was thrown (number)');
    expect(errorDetail(thrown)).toBe(JSON.stringify(thrown));
    expect(errorDetail(new Error('boom'))).toBe('boom');
    expect(errorDetail(Object.assign(Object.create(null) as object, { a: 1 }))).toBe('{"a":1}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errorDetail(cyclic)).toBe('[object Object]');
  });
});

describe('isTerminalEvent', () => {
  it('is true only for stream_complete and error', () => {
    expect(isTerminalEvent({ type: 'error' })).toBe(true);
    expect(isTerminalEvent({ type: 'stream_complete' })).toBe(true);
    expect(isTerminalEvent({ type: 'text_delta' })).toBe(false);
    expect(isTerminalEvent({ type: 'tool_result' })).toBe(false);
  });
});

describe('EVENT_TYPES', () => {
  it('lists each event type once', async () => {
    const { EVENT_TYPES } = await import('./events.js');
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    expect(EVENT_TYPES).toContain('stream_complete');
    expect(EVENT_TYPES).toContain('events_dropped');
  });
});
