import { describe, expectTypeOf, it } from 'vitest';
import type { Context } from 'hono';
import type { RequestHandler } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { EventLog } from '@claude-gateway/core';
import { createSSEStream, parseLastEventId, sseResponse } from './index.js';
import { writeSSE, type NodeRequest, type NodeResponse } from './node.js';
import { sseHandler } from './express.js';
import { streamEvents, type HonoContextLike } from './hono.js';

describe('public types', () => {
  it('root functions are web standard', () => {
    expectTypeOf(createSSEStream).returns.toEqualTypeOf<ReadableStream<Uint8Array>>();
    expectTypeOf(sseResponse).returns.toEqualTypeOf<Response>();
    expectTypeOf(parseLastEventId).parameter(0).toEqualTypeOf<Request>();
    expectTypeOf(parseLastEventId).returns.toEqualTypeOf<number | undefined>();
  });

  it('writeSSE takes HTTP/1 and HTTP/2 Node objects', () => {
    expectTypeOf<IncomingMessage>().toExtend<NodeRequest>();
    expectTypeOf<Http2ServerRequest>().toExtend<NodeRequest>();
    expectTypeOf<ServerResponse>().toExtend<NodeResponse>();
    expectTypeOf<Http2ServerResponse>().toExtend<NodeResponse>();
    expectTypeOf(writeSSE).returns.toEqualTypeOf<Promise<void>>();
  });

  it('sseHandler is an Express RequestHandler', () => {
    const handler = sseHandler((req) => {
      expectTypeOf(req.params).toBeObject();
      return undefined as EventLog | undefined;
    });
    expectTypeOf(handler).toEqualTypeOf<RequestHandler>();
  });

  it('streamEvents accepts any Hono Context', () => {
    expectTypeOf<Context>().toExtend<HonoContextLike>();
    expectTypeOf<{ req: Record<string, never> }>().not.toExtend<HonoContextLike>();
    expectTypeOf<Context<{ Bindings: { KEY: string } }, '/runs/:id'>>().toExtend<HonoContextLike>();
    expectTypeOf(streamEvents).returns.toEqualTypeOf<Response>();
  });
});
