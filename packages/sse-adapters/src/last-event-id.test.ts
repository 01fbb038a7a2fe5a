import { describe, expect, it } from 'vitest';
import { GatewayError } from '@claude-gateway/core';
import { parseLastEventId, parseLastEventIdValue } from './last-event-id.js';

function request(url: string, lastEventId?: string): Request {
  const headers = new Headers();
  if (lastEventId !== undefined) headers.set('last-event-id', lastEventId);
  return new Request(`http://localhost${url}`, { headers });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return GatewayError.isInstance(error) ? error.code : 'not a GatewayError';
  }
  return undefined;
}

describe('parseLastEventId', () => {
  it('reads the header', () => {
    expect(parseLastEventId(request('/events', '17'))).toBe(17);
    expect(parseLastEventId(request('/events', '0'))).toBe(0);
  });

  it('falls back to ?lastEventId= when there is no header', () => {
    expect(parseLastEventId(request('/events?lastEventId=5'))).toBe(5);
  });

  it('lets the header win over the query', () => {
    expect(parseLastEventId(request('/events?lastEventId=5', '9'))).toBe(9);
    // The header wins even when the query would be invalid.
    expect(parseLastEventId(request('/events?lastEventId=abc', '9'))).toBe(9);
  });

  it('is undefined when neither is present or the value is empty', () => {
    expect(parseLastEventId(request('/events'))).toBeUndefined();
    expect(parseLastEventId(request('/events?lastEventId='))).toBeUndefined();
    expect(parseLastEventId(request('/events?lastEventId=4', ''))).toBe(4);
  });

  it('rejects anything that is not a non-negative integer', () => {
    for (const bad of ['-1', '1.5', 'abc', '1e3', '0x10', '12abc', '99999999999999999999']) {
      expect(codeOf(() => parseLastEventId(request('/events', bad)))).toBe('invalid_last_event_id');
      expect(
        codeOf(() => parseLastEventId(request(`/events?lastEventId=${encodeURIComponent(bad)}`))),
      ).toBe('invalid_last_event_id');
    }
  });

  it('parses raw values the same way', () => {
    expect(parseLastEventIdValue(' 12 ')).toBe(12);
    expect(parseLastEventIdValue(null)).toBeUndefined();
    expect(codeOf(() => parseLastEventIdValue('+1'))).toBe('invalid_last_event_id');
  });
});
