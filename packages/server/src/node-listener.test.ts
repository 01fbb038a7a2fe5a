import { createServer } from 'node:http';
import { toNodeListener } from './node.js';
import { describeHttpContract } from './test/contract.js';
import { listen } from './test/http.js';

describeHttpContract('node', (handler) => listen(createServer(toNodeListener(handler))));
