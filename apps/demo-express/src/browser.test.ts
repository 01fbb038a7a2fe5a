// The same browser scenario as apps/demo-server, against the Express 5 mount
// of the same handler and page (MCP off here; the Hono run covers MCP).
import { describeBrowserScenario } from '../../demo-server/src/browser-harness.js';
import { startExpressDemo } from './index.js';

describeBrowserScenario('demo-express', {
  start: () => startExpressDemo({ port: 0, host: '127.0.0.1', demoDelayMs: 15, mcp: false }),
});
