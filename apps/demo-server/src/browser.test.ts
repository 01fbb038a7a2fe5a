import { describeBrowserScenario } from './browser-harness.js';
import { startDemoServer } from './index.js';

// The demo on Hono, with MCP (server-everything) on.
describeBrowserScenario('demo-server', {
  mcp: true,
  // The README's screenshot is refreshed on request only: a test run leaves the tree clean.
  docsScreenshot: process.env.UPDATE_SCREENSHOT === '1',
  start: async () => {
    const running = await startDemoServer({
      port: 0,
      host: '127.0.0.1',
      demoDelayMs: 15,
      mcp: true,
    });
    await running.demo.mcpReady;
    return running;
  },
});
