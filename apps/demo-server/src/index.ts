export {
  DEFAULT_MODEL,
  DEMO_DEFAULTS,
  loadConfig,
  randomJwtSecret,
  redactRedisUrl,
  resolveConfig,
  type DemoConfig,
  type LoadConfigOptions,
} from './config.js';
export {
  API_BASE_PATH,
  createDemo,
  PAGE_DIR,
  type Demo,
  type DemoInfo,
  type DemoMcpInfo,
  type DemoToolInfo,
} from './demo.js';
export { openDemoStores, type DemoStoreKind, type DemoStores } from './demo-stores.js';
export { createDemoApp, serveDemo, startDemoServer, type RunningDemo } from './demo-server.js';
export { DEMO_ROUTE_PATHS, demoRoutes, PAGE_NOT_BUILT_HTML } from './demo-routes.js';
export { createDemoTools, demoPrompts, GATED_TOOL, type DemoPrompt } from './demo-tools.js';
export {
  createDemoMcp,
  EVERYTHING_SERVER,
  everythingServer,
  type DemoMcpOptions,
} from './demo-mcp.js';
export { displayUrl, listen, stopAccepting } from './listen.js';
export { foreignHostError, isAllowedHost, type ForeignHostError } from './host-check.js';
export { CONTENT_TYPES, servePage } from './page-files.js';
export { describeMcp, runDemoMain, SHUTDOWN_SIGNALS, type RunDemoMainOptions } from './run-main.js';
export {
  createSandbox,
  MAX_SANDBOX_FILE_BYTES,
  MAX_SANDBOX_FILES,
  SANDBOX_FILE_NAME,
  type Sandbox,
  type SandboxFile,
} from './sandbox.js';
