import type { LogEntry, ToolApprovalRequestEvent } from '@claude-gateway/core';
import { describe, expectTypeOf, it } from 'vitest';
import {
  createGatewayClient,
  GatewayClientError,
  type ClientRun,
  type ClientSession,
  type RunJson,
  type SessionJson,
  type StreamState,
} from './index.js';

describe('public types', () => {
  it('accepts the global fetch and a narrower one', () => {
    createGatewayClient({ baseUrl: '/api', fetch: globalThis.fetch });
    createGatewayClient({ baseUrl: '/api', fetch: (url: string) => fetch(url) });
  });

  it('types sessions, runs and their answers', () => {
    const session = createGatewayClient({ baseUrl: '/api' }).session('s', 't');
    expectTypeOf(session).toEqualTypeOf<ClientSession>();
    expectTypeOf(session.get()).resolves.toEqualTypeOf<SessionJson>();
    expectTypeOf(session.send('hi')).resolves.toEqualTypeOf<ClientRun>();
    expectTypeOf(session.run('r').get()).resolves.toEqualTypeOf<RunJson>();
    expectTypeOf(session.chat('hi')).toEqualTypeOf<AsyncIterable<LogEntry>>();
  });

  it('yields LogEntry whose event narrows on type, and approves the request event', async () => {
    const run = createGatewayClient({ baseUrl: '/api' }).session('s').run('r');
    for await (const entry of run.events({
      onStateChange: (s) => expectTypeOf(s).toEqualTypeOf<StreamState>(),
    })) {
      expectTypeOf(entry).toEqualTypeOf<LogEntry>();
      if (entry.event.type === 'tool_approval_request') {
        expectTypeOf(entry.event).toEqualTypeOf<ToolApprovalRequestEvent>();
        await run.approve(entry.event, { allowToolType: true });
        await run.deny({ tool_use_id: entry.event.tool_use_id, nonce: entry.event.nonce });
      }
    }
    // @ts-expect-error the nonce is required
    await run.approve({ tool_use_id: 'x' });
  });

  it('narrows errors with isInstance', () => {
    const error: unknown = new Error('x');
    if (GatewayClientError.isInstance(error)) {
      expectTypeOf(error.code).toEqualTypeOf<string>();
      expectTypeOf(error.status).toEqualTypeOf<number | undefined>();
    }
  });
});
