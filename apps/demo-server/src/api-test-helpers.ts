// Test-only (not exported from the package): a few typed calls of the demo's
// HTTP API with plain fetch, and an SSE reader for a run's events. Shared by
// the API tests of both demo apps.
import type { GatewayEvent, LogEntry } from '@claude-gateway/core';

/** A session as `POST /api/sessions` answers it. */
export interface TestSession {
  session_id: string;
  token: string;
}

async function ok<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  if (response.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${response.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}

/** `fetch` that fails the test with the body when the status is not the expected one. */
export async function getJson<T>(url: string, init: RequestInit = {}, status = 200): Promise<T> {
  return ok<T>(await fetch(url, init), status);
}

/** `POST` of a JSON body with a bearer token. */
export async function postJson<T>(
  url: string,
  body: unknown,
  token?: string,
  status = 200,
): Promise<T> {
  return getJson<T>(
    url,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token !== undefined && { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    },
    status,
  );
}

/** Creates a session. */
export function createSession(baseUrl: string): Promise<TestSession> {
  return postJson<TestSession>(`${baseUrl}/api/sessions`, {}, undefined, 201);
}

/** Starts a run in the session; resolves with its id. */
export async function startRun(
  baseUrl: string,
  session: TestSession,
  message: string,
): Promise<string> {
  const { run_id } = await postJson<{ run_id: string }>(
    `${baseUrl}/api/sessions/${session.session_id}/runs`,
    { message },
    session.token,
    202,
  );
  return run_id;
}

/** Parses one SSE message (`id:`, `event:`, `data:` lines) into a log entry, or `undefined` for a heartbeat or comment. */
function parseMessage(block: string): LogEntry | undefined {
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('id:')) id = line.slice(3).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (id === undefined || data.length === 0) return undefined;
  // The payload is the event itself; the seq comes from `id:`.
  const event = JSON.parse(data.join('\n')) as GatewayEvent;
  return { seq: Number(id), timestamp: 0, event };
}

/** Options of {@link readRun}. */
export interface ReadRunOptions {
  /** Sent as `Last-Event-ID`: the stream resumes after this seq. @default none (from the start) */
  lastEventId?: number;
  /**
   * Called for each entry as it arrives (it may post an approval meanwhile).
   * Answering `'cut'` drops the connection at once, as a network cut would.
   */
  onEntry?: (entry: LogEntry) => void | 'cut' | Promise<void | 'cut'>;
}

/**
 * Reads `GET /api/runs/:id/events` until the server ends the stream (after
 * the terminal event) or `onEntry` cuts it. Resolves with every entry read.
 */
export async function readRun(
  baseUrl: string,
  session: TestSession,
  runId: string,
  options: ReadRunOptions = {},
): Promise<LogEntry[]> {
  const cut = new AbortController();
  const response = await fetch(`${baseUrl}/api/runs/${runId}/events`, {
    headers: {
      authorization: `Bearer ${session.token}`,
      accept: 'text/event-stream',
      ...(options.lastEventId !== undefined && { 'last-event-id': String(options.lastEventId) }),
    },
    signal: cut.signal,
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`events: HTTP ${response.status}: ${await response.text()}`);
  }
  const entries: LogEntry[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const entry = parseMessage(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (!entry) continue;
      entries.push(entry);
      if ((await options.onEntry?.(entry)) === 'cut') {
        cut.abort();
        await reader.cancel().catch(() => undefined);
        return entries;
      }
    }
  }
  return entries;
}

/**
 * Reads `GET /api/runs/:id/events` until the server ends the stream (after
 * the terminal event), calling `onEntry` for each entry as it arrives (it
 * may post an approval meanwhile). Resolves with every entry.
 */
export function followRun(
  baseUrl: string,
  session: TestSession,
  runId: string,
  onEntry: (entry: LogEntry) => void | Promise<void> = () => {},
): Promise<LogEntry[]> {
  return readRun(baseUrl, session, runId, { onEntry });
}

/** The events of one type among `entries`. */
export function eventsOf<T extends GatewayEvent['type']>(
  entries: LogEntry[],
  type: T,
): Extract<GatewayEvent, { type: T }>[] {
  return entries
    .map((e) => e.event)
    .filter((e): e is Extract<GatewayEvent, { type: T }> => e.type === type);
}
