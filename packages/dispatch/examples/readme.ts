import { rm } from 'node:fs/promises';
import { createAgentRunner, createEventLog } from '@claude-gateway/core';
import { createApprovalBroker, createToolDispatcher, defineTool } from '@claude-gateway/dispatch';

const deleteFile = defineTool<{ path: string }>({
  name: 'delete_file',
  description: 'Deletes a file',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  needsApproval: true, // every call waits for a person
  handler: async ({ path }) => {
    await rm(path, { force: true });
    return { deleted: path };
  },
});

const approvals = createApprovalBroker({ timeoutMs: 120_000 });
const tools = createToolDispatcher({ tools: [deleteFile], approvals }); // sources: [mcpManager]
const runner = createAgentRunner({
  apiKey: process.env.ANTHROPIC_API_KEY,
  baseURL: process.env.ANTHROPIC_BASE_URL,
  model: 'claude-sonnet-4-6',
  tools,
});

// POST /api/sessions/:id/runs — the browser follows `log` over SSE.
export function startRun(sessionId: string, message: string) {
  const log = createEventLog({ meta: { sessionId } });
  const done = runner.run({ messages: [{ role: 'user', content: message }], log });
  return { log, done };
}

// POST /api/runs/:id/approvals — the nonce comes from the tool_approval_request event.
export function decide(
  sessionId: string,
  runId: string,
  body: { tool_use_id: string; nonce: string; approved: boolean; allow_tool_type?: boolean },
) {
  return approvals.decide({
    toolUseId: body.tool_use_id,
    nonce: body.nonce,
    approved: body.approved,
    allowToolType: body.allow_tool_type,
    sessionId, // a call of another session answers not_found
    runId, // ... and so does a call of another run
  });
}
