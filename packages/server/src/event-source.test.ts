import { createServer } from 'node:http';
import { EVENT_TYPES } from '@claude-gateway/core';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { toNodeListener } from './node.js';
import { createFixture, type Fixture } from './test/fixture.js';
import { Api, listen, type TestServer } from './test/http.js';

interface Received {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

/** Reads a run with a real EventSource until it closes itself (the server's 204). */
function follow(source: EventSource): Promise<Received[]> {
  const received: Received[] = [];
  return new Promise((resolve, reject) => {
    const take = (type: string, event: MessageEvent<string>): void => {
      received.push({
        seq: Number(event.lastEventId),
        type,
        data: JSON.parse(event.data) as Record<string, unknown>,
      });
    };
    // `error` is both a gateway event and the EventSource's failure signal.
    for (const type of EVENT_TYPES)
      if (type !== 'error') source.addEventListener(type, (e) => take(type, e));
    source.addEventListener('error', (event) => {
      if (typeof (event as Partial<MessageEvent<string>>).data === 'string') {
        take('error', event as unknown as MessageEvent<string>);
        return;
      }
      // After the terminal event the server closes the stream; the reconnect
      // (with Last-Event-ID = the last seq) is answered 204, which closes it.
      if (source.readyState === source.CLOSED) resolve(received);
      else if (received.length === 0) reject(new Error('the event source failed'));
    });
  });
}

describe('a real EventSource', () => {
  let fixture: Fixture | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    await fixture?.close();
  });

  async function start(): Promise<Api> {
    fixture = await createFixture({ handler: { sse: { retryMs: 20 } } });
    server = await listen(createServer(toNodeListener(fixture.handler)));
    return new Api(`${server.url}/api`);
  }

  it('reads a run to its end with ?access_token=, then stops on the 204', async () => {
    const api = await start();
    const { session_id, token } = await api.createSession();
    const runId = await api.startRun(session_id, 'hello from EventSource');
    const source = new EventSource(`${api.base}/runs/${runId}/events?access_token=${token}`);
    try {
      const received = await follow(source);
      expect(received[0]?.type).toBe('run_start');
      expect(received.at(-1)?.type).toBe('stream_complete');
      expect(received.map((r) => r.seq)).toEqual(received.map((_, i) => i + 1));
      const text = received
        .filter((r) => r.type === 'text_delta')
        .map((r) => String(r.data.text))
        .join('');
      expect(text).toBe('echo: hello from EventSource');
    } finally {
      source.close();
    }
  });

  it('sends the token in a header through a custom fetch', async () => {
    const api = await start();
    const { session_id, token } = await api.createSession();
    const runId = await api.startRun(session_id, 'header auth');
    const source = new EventSource(`${api.base}/runs/${runId}/events`, {
      fetch: (url, init) =>
        fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } }),
    });
    try {
      const received = await follow(source);
      expect(received.at(-1)?.type).toBe('stream_complete');
    } finally {
      source.close();
    }
  });
});
