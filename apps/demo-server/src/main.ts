// `pnpm demo`: the demo on Hono. Configuration: environment variables (README).
import { startDemoServer } from './demo-server.js';
import { runDemoMain } from './run-main.js';

await runDemoMain(startDemoServer, { framework: 'Hono' });
