export {
  createMcpClientManager,
  type McpClientManager,
  type McpClientManagerEvents,
  type McpClientManagerOptions,
  type McpServerStatus,
} from './mcp-client-manager.js';
export type { McpServerErrorCode, McpServerState } from './server-connection.js';
export type {
  McpCallContext,
  McpElicitationAnswer,
  McpElicitationHandler,
  McpElicitationRequest,
  McpRoot,
  McpSamplingHandler,
  McpSamplingRequest,
} from './client-features.js';
export {
  createAuthorizationCodeProvider,
  createClientCredentialsProvider,
  type AuthorizationCodeProvider,
  type AuthorizationCodeProviderOptions,
  type ClientCredentialsProviderOptions,
} from './oauth-providers.js';
export {
  createMemoryTokenStore,
  type OAuthState,
  type OAuthTokenStore,
} from './oauth-token-store.js';
export type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
export type { RestartOptions } from './restart-policy.js';
export type {
  McpHttpServerConfig,
  McpServerConfig,
  McpStdioServerConfig,
} from './server-config.js';
export { loadMcpConfig, type LoadMcpConfigOptions, type LoadedServer } from './load-config.js';
export { expandEnv, type EnvSource, type ExpandResult } from './env-expand.js';
export { sanitizeToolName, TOOL_NAME_PATTERN, type ToolRename } from './tool-names.js';
export {
  ProcessGroupTransport,
  type ProcessGroupTransportOptions,
} from './process-group-transport.js';
