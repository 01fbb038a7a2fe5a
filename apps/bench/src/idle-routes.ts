// Sessions idle on an approval: the run manager starts a run per session, the
// model calls a gated tool, and the run waits for a person while its SSE
// reader stays connected. `release` approves every pending call.
import { createAgentRunner, createMemoryEventStore, createRunManager } from '@claude-gateway/core';
import { createApprovalBroker, createToolDispatcher, defineTool } from '@claude-gateway/dispatch';
import { writeSSE } from '@claude-gateway/sse-adapters/node';
import type { Routes } from './fan-out-routes.js';
import { MODEL } from './text-routes.js';

export function createIdleRoutes(mockUrl: string): Routes {
  const approvals = createApprovalBroker({ timeoutMs: 30 * 60_000 });
  const runner = createAgentRunner({
    apiKey: 'bench',
    baseURL: mockUrl,
    model: MODEL,
    tools: createToolDispatcher({
      approvals,
      tools: [
        defineTool({
          name: 'approve_me',
          description: 'Needs a person to approve it.',
          inputSchema: { type: 'object', properties: {} },
          needsApproval: true,
          handler: () => ({ done: true }),
        }),
      ],
    }),
  });
  const events = createMemoryEventStore();
  const runs = createRunManager({ runner, events, maxActiveRuns: 100_000 });
  let pending: { runId: string; sessionId: string }[] = [];

  return async (req, res, action, params, json) => {
    if (action === 'start') {
      const { sessionId } = await runs.createSession();
      const { runId } = await runs.startRun(sessionId, { message: 'wait' });
      pending.push({ runId, sessionId });
      return json(res, { runId });
    }
    if (action === 'events') {
      const log = await runs.openLog(params.get('id') ?? '');
      if (!log) return void res.writeHead(404).end();
      return writeSSE(req, res, log);
    }
    if (action === 'release') {
      const all = pending;
      pending = [];
      for (const { runId, sessionId } of all) {
        const log = await runs.openLog(runId);
        if (!log) continue;
        for await (const { event } of log.read()) {
          if (event.type !== 'tool_approval_request') continue;
          await approvals.decide({
            toolUseId: event.tool_use_id,
            nonce: event.nonce,
            approved: true,
            sessionId,
          });
          break;
        }
      }
      return json(res, { released: all.length });
    }
    if (action === 'active') return json(res, { active: runs.activeRuns });
    res.writeHead(404).end();
  };
}
