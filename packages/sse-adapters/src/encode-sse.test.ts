import { describe, expect, it } from 'vitest';
import { GatewayError } from '@claude-gateway/core';
import { encodeEntry, encodeSSE } from './encode-sse.js';
import { HEARTBEAT_MESSAGE } from './constants.js';

describe('encodeSSE', () => {
  it('writes retry, id, event and data in that order, ended by a blank line', () => {
    expect(encodeSSE({ retry: 1000, id: 3, event: 'x', data: '{}' })).toBe(
      'retry: 1000\nid: 3\nevent: x\ndata: {}\n\n',
    );
    expect(encodeSSE({ retry: 250 })).toBe('retry: 250\n\n');
  });

  it('splits data on LF, CRLF and CR into one data line each', () => {
    expect(encodeSSE({ data: 'a\nb\r\nc\rd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
    expect(encodeSSE({ data: '' })).toBe('data: \n\n');
    expect(encodeSSE({ data: 'end\n' })).toBe('data: end\ndata: \n\n');
  });

  it('refuses line breaks in id and event, NUL in id, and a bad retry', () => {
    for (const bad of [
      { id: '1\n2' },
      { id: '1\r' },
      { id: 'a\0b' },
      { event: 'a\nb' },
      { retry: -1 },
      { retry: 1.5 },
    ]) {
      let caught: unknown;
      try {
        encodeSSE({ data: 'x', ...bad });
      } catch (error) {
        caught = error;
      }
      expect(GatewayError.isInstance(caught) && caught.code).toBe('invalid_options');
    }
  });

  it('encodes a heartbeat exactly as the constant, with no id line', () => {
    expect(encodeSSE({ event: 'heartbeat', data: '{}' })).toBe(HEARTBEAT_MESSAGE);
    expect(HEARTBEAT_MESSAGE).toBe('event: heartbeat\ndata: {}\n\n');
  });
});

describe('encodeEntry', () => {
  it('writes the seq as id, the type as event and the event JSON on one data line', () => {
    const event = { type: 'text_delta', text: 'two\nlines' } as const;
    expect(encodeEntry({ seq: 42, timestamp: 1, event })).toBe(
      `id: 42\nevent: text_delta\ndata: ${JSON.stringify(event)}\n\n`,
    );
    expect(encodeEntry({ seq: 42, timestamp: 1, event }).split('\n')).toHaveLength(5);
  });
});
