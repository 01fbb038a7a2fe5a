import { describe, expect, it } from 'vitest';
import { createEventLog } from '@claude-gateway/core';
import { sseResponse } from './sse-response.js';
import { COMPLETE, appendMany, delta, parseSSE, readUntil } from './test-utils.js';

describe('sseResponse', () => {
  it('answers 200 with the SSE headers and the stream', async () => {
    const log = createEventLog();
    await log.append(delta(1));
    await log.append(COMPLETE);
    const response = sseResponse(log, { headers: { 'access-control-allow-origin': '*' } });
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toEqual({
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'access-control-allow-origin': '*',
    });
    expect(parseSSE(await response.text()).map((m) => m.id)).toEqual([undefined, '1', '2']);
  });

  it('leaves out the connection header when asked (HTTP/2)', () => {
    const response = sseResponse(createEventLog(), { connectionHeader: false });
    expect(response.headers.has('connection')).toBe(false);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    void response.body?.cancel();
  });

  it('resumes from the request: header first, then the query', async () => {
    const log = createEventLog();
    await appendMany(log, 4);
    await log.close();
    const byHeader = sseResponse(log, {
      request: new Request('http://x/e?lastEventId=1', { headers: { 'last-event-id': '3' } }),
    });
    expect(parseSSE(await byHeader.text()).map((m) => m.id)).toEqual([undefined, '4', '5']);
    const byQuery = sseResponse(log, { request: new Request('http://x/e?lastEventId=1') });
    expect(parseSSE(await byQuery.text()).map((m) => m.id)).toEqual([
      undefined,
      '2',
      '3',
      '4',
      '5',
    ]);
    // An explicit afterSeq wins over the request.
    const explicit = sseResponse(log, {
      afterSeq: 4,
      request: new Request('http://x/e?lastEventId=1'),
    });
    expect(parseSSE(await explicit.text()).map((m) => m.id)).toEqual([undefined, '5']);
  });

  it('answers 400 with a JSON error for a bad Last-Event-ID', async () => {
    const log = createEventLog();
    const response = sseResponse(log, {
      request: new Request('http://x/e', { headers: { 'last-event-id': 'nope' } }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({
      error: {
        code: 'invalid_last_event_id',
        message: 'Last-Event-ID must be a non-negative integer',
      },
    });
    expect(log.waitingReaders).toBe(0);
  });

  it('answers 204 when the log is closed and nothing is left after the position', async () => {
    const log = createEventLog();
    await log.append(COMPLETE);
    const response = sseResponse(log, { afterSeq: 1 });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('stops the reader when the request signal aborts', async () => {
    const log = createEventLog();
    const controller = new AbortController();
    const request = new Request('http://x/e', { signal: controller.signal });
    const response = sseResponse(log, { request, heartbeatMs: 0 });
    const reader = response.body!.getReader();
    const first = await readUntil(reader, (text) => text.includes('retry:'));
    expect(first).toBe('retry: 1000\n\n');
    const pending = reader.read();
    await expect.poll(() => log.waitingReaders).toBe(1);
    controller.abort();
    expect((await pending).done).toBe(true);
    expect(log.waitingReaders).toBe(0);
    expect(log.closed).toBe(false);
  });
});
