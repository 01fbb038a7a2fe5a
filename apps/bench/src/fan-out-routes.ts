// One run followed by many SSE readers: the readers connect to an open log
// first, then the run starts and streams into it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMemoryEventStore, type AgentRunner, type EventLog } from '@claude-gateway/core';
import { writeSSE } from '@claude-gateway/sse-adapters/node';

export type Json = (res: ServerResponse, body: unknown) => void;
export type Routes = (
  req: IncomingMessage,
  res: ServerResponse,
  action: string,
  params: URLSearchParams,
  json: Json,
) => Promise<void>;

export function createFanOutRoutes(runner: AgentRunner): Routes {
  const events = createMemoryEventStore();
  const logs = new Map<string, { log: EventLog; readers: number }>();
  let next = 0;
  return async (req, res, action, params, json) => {
    const id = params.get('id') ?? '';
    if (action === 'open') {
      const runId = `fan-${++next}`;
      logs.set(runId, { log: await events.create(runId), readers: 0 });
      return json(res, { id: runId });
    }
    const entry = logs.get(id);
    if (!entry) return void res.writeHead(404).end();
    if (action === 'events') {
      entry.readers++;
      return writeSSE(req, res, entry.log);
    }
    if (action === 'readers') return json(res, { readers: entry.readers });
    if (action === 'start') {
      const prompt = `text ${params.get('n')}`;
      await runner.run({ messages: [{ role: 'user', content: prompt }], log: entry.log });
      logs.delete(id);
      return json(res, { ok: true });
    }
    res.writeHead(404).end();
  };
}
