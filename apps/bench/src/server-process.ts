// Child process: the server under measurement. The orchestrator reads its CPU
// time (`process.cpuUsage()`) and heap through `/cpu` before and after each
// round, so only server-side work is counted: the scripted API and the HTTP
// clients run in other processes.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MAX_ENTRIES, type GatewayEvent, type LogEntry } from '@claude-gateway/core';
import { createFanOutRoutes } from './fan-out-routes.js';
import { createIdleRoutes } from './idle-routes.js';
import { createResumeRoutes } from './resume-routes.js';
import { createStreamingHandlers } from './text-routes.js';

const mockUrl = process.argv[2];
if (!mockUrl) throw new Error('usage: server-process <mock url>');

const gc = (globalThis as { gc?: () => void }).gc;
const handlers = createStreamingHandlers(mockUrl);
const fanOut = createFanOutRoutes(handlers.runner(false));
const idle = createIdleRoutes(mockUrl);
const resume = createResumeRoutes();

function json(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
  res.end(text);
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://bench');
  const q = (name: string): string => url.searchParams.get(name) ?? '';
  const [, head, arg] = url.pathname.split('/');
  switch (head) {
    case 'cpu': {
      const cpu = process.cpuUsage();
      return json(res, { cpuUs: cpu.user + cpu.system, heap: process.memoryUsage().heapUsed });
    }
    case 'gc': {
      gc?.();
      gc?.();
      return json(res, { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss });
    }
    case 'entries-size': {
      // The floor of scenario 8: what the retained entries alone weigh.
      gc?.();
      const before = process.memoryUsage().heapUsed;
      const entries: LogEntry[] = [];
      for (let i = 1; i <= DEFAULT_MAX_ENTRIES; i++) {
        const event: GatewayEvent = { type: 'text_delta', text: `t${i % 1000} ` };
        entries.push({ seq: i, timestamp: Date.now(), event });
      }
      gc?.();
      const bytes = process.memoryUsage().heapUsed - before;
      return json(res, { bytes, entries: entries.length });
    }
    case 'stream': {
      const tools = q('kind') === 'tools';
      const prompt = tools ? `tools ${q('n')}` : `text ${q('n')}`;
      const stack = q('stack');
      if (stack === 'gateway') return handlers.gateway(res, req, prompt, tools);
      if (stack === 'floor') return handlers.floor(res, prompt, tools);
      return handlers.peer(res, prompt, tools);
    }
    case 'fanout':
      return fanOut(req, res, arg ?? '', url.searchParams, json);
    case 'idle':
      return idle(req, res, arg ?? '', url.searchParams, json);
    case 'resume':
      return resume(req, res, arg ?? '', url.searchParams, json);
    default:
      res.writeHead(404).end();
  }
}

const server = createServer((req, res) => {
  route(req, res).catch((error: unknown) => {
    console.error('bench server:', error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on('disconnect', () => process.exit(0));
