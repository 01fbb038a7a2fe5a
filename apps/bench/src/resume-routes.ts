// Resume from near the end of a closed log: the handler time of each request
// (from the request to the response's `finish`) is recorded on the server, so
// the client's own latency does not count.
import { createEventLog, type MemoryEventLog } from '@claude-gateway/core';
import { writeSSE } from '@claude-gateway/sse-adapters/node';
import type { Routes } from './fan-out-routes.js';

export function createResumeRoutes(): Routes {
  const logs = new Map<string, MemoryEventLog>();
  // Handler times by log id.
  const times = new Map<string, number[]>();
  return async (req, res, action, params, json) => {
    if (action === 'setup') {
      const size = Number(params.get('size'));
      const log = createEventLog({ id: `resume-${size}`, maxEntries: size });
      for (let i = 1; i < size; i++) void log.append({ type: 'text_delta', text: `t${i % 1000} ` });
      await log.append({
        type: 'stream_complete',
        stop_reason: 'end_turn',
        usage: {
          input_tokens: 1,
          output_tokens: size,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
        cost_usd: 0,
        turns: 1,
      });
      logs.set(log.id, log);
      return json(res, { id: log.id });
    }
    if (action === 'read') {
      const log = logs.get(params.get('id') ?? '');
      if (!log) return void res.writeHead(404).end();
      const start = performance.now();
      const mine = times.get(log.id) ?? [];
      times.set(log.id, mine);
      res.once('finish', () => mine.push(performance.now() - start));
      return writeSSE(req, res, log);
    }
    if (action === 'times') {
      const id = params.get('id') ?? '';
      const out = times.get(id) ?? [];
      times.delete(id);
      return json(res, { times: out });
    }
    if (action === 'drop') {
      logs.clear();
      times.clear();
      return json(res, { ok: true });
    }
    res.writeHead(404).end();
  };
}
