// `pnpm demo:express`: the demo on Express 5. Configuration: environment variables (demo-server README).
import { runDemoMain } from '@claude-gateway/demo-server';
import { startExpressDemo } from './express-demo.js';

await runDemoMain(startExpressDemo, { framework: 'Express' });
