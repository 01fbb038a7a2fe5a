import { createServer } from 'node:http';
import express from 'express';
import { gatewayRouter } from './express.js';
import { describeHttpContract } from './test/contract.js';
import { listen } from './test/http.js';

describeHttpContract('express', (handler) => {
  const app = express();
  app.use(gatewayRouter(handler));
  return listen(createServer(app));
});
