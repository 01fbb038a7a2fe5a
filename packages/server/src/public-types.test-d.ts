import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DecideAnswer } from '@claude-gateway/dispatch';
import type { RequestHandler } from 'express';
import type { Hono } from 'hono';
import { describe, expectTypeOf, it } from 'vitest';
import {
  DECIDE_STATUS,
  ERROR_STATUS,
  createGatewayHandler,
  type GatewayHandler,
  type HttpErrorCode,
} from './index.js';
import { gatewayRouter } from './express.js';
import { gatewayApp } from './hono.js';
import { toNodeListener } from './node.js';

describe('public types', () => {
  it('the handler is web standard', () => {
    expectTypeOf(createGatewayHandler).returns.toEqualTypeOf<GatewayHandler>();
    expectTypeOf<GatewayHandler>().toExtend<(request: Request) => Promise<Response>>();
  });

  it('the status tables are keyed by their codes', () => {
    expectTypeOf(DECIDE_STATUS).toEqualTypeOf<Readonly<Record<DecideAnswer, number>>>();
    expectTypeOf(ERROR_STATUS).toEqualTypeOf<Readonly<Record<HttpErrorCode, number>>>();
    expectTypeOf<'run_active'>().toExtend<HttpErrorCode>();
    expectTypeOf<'log_closed'>().not.toExtend<HttpErrorCode>();
  });

  it('mounts take any web handler', () => {
    const plain = (request: Request): Promise<Response> =>
      Promise.resolve(new Response(request.url));
    expectTypeOf(toNodeListener(plain)).toEqualTypeOf<
      (req: IncomingMessage, res: ServerResponse) => void
    >();
    expectTypeOf(gatewayRouter(plain)).toEqualTypeOf<RequestHandler>();
    expectTypeOf(gatewayApp(plain)).toEqualTypeOf<Hono>();
  });
});
