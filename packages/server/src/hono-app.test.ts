import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { gatewayApp } from './hono.js';
import { describeHttpContract } from './test/contract.js';
import { listen } from './test/http.js';
import type { Server } from 'node:http';

describeHttpContract('hono', (handler) => {
  const app = new Hono();
  app.route('/', gatewayApp(handler));
  return listen(createAdaptorServer({ fetch: app.fetch }) as Server);
});
