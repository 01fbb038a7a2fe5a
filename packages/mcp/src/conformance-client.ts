// The client program the official MCP conformance suite drives
// (`@modelcontextprotocol/conformance client --command ...`): it gets the
// scenario's server URL as its last argument and the scenario in
// MCP_CONFORMANCE_SCENARIO (data such as credentials in
// MCP_CONFORMANCE_CONTEXT), and uses only the package's public API.
// Run through scripts/conformance.mjs (`pnpm test:conformance`).
import { createEventLog } from '@claude-gateway/core';
import {
  createAuthorizationCodeProvider,
  createClientCredentialsProvider,
  createMcpClientManager,
  type McpClientManager,
  type OAuthClientProvider,
} from '@claude-gateway/mcp';

const SERVER = 'conformance';
const REDIRECT_URL = 'http://localhost:3000/callback';
/** The client-ID metadata document URL the suite's servers accept (CIMD). */
const CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';

/** Tools each scenario's server offers, with the input the call needs. */
const CALLS: Record<string, unknown> = {
  add_numbers: { a: 2, b: 3 },
  test_client_elicitation_defaults: {},
  test_reconnection: {},
  'test-tool': {},
};

interface Context {
  client_id?: string;
  client_secret?: string;
  private_key_pem?: string;
  signing_algorithm?: string;
}

const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const url = process.argv.at(-1) ?? '';
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as Context;

let manager: McpClientManager | undefined;
let authorizing: Promise<void> | undefined;

/** Plays the person: opens the authorization URL, which the suite's server answers at once with a redirect carrying the code. */
function authorize(authorizationUrl: URL): void {
  authorizing = (async () => {
    const response = await fetch(authorizationUrl, { redirect: 'manual' });
    const location = response.headers.get('location');
    const code = location ? new URL(location).searchParams.get('code') : null;
    if (!code) throw new Error(`no authorization code in the redirect (${response.status})`);
    await manager!.finishAuth(SERVER, code);
  })();
}

function authProvider(): OAuthClientProvider | undefined {
  if (!scenario.startsWith('auth/')) return undefined;
  if (scenario === 'auth/client-credentials-basic') {
    return createClientCredentialsProvider({
      clientId: context.client_id!,
      clientSecret: context.client_secret!,
    });
  }
  if (scenario === 'auth/client-credentials-jwt') {
    return createClientCredentialsProvider({
      clientId: context.client_id!,
      privateKey: context.private_key_pem!,
      algorithm: context.signing_algorithm ?? 'ES256',
    });
  }
  return createAuthorizationCodeProvider({
    redirectUrl: REDIRECT_URL,
    onAuthorizationUrl: authorize,
    clientMetadata: { client_name: 'claude-gateway-conformance' },
    ...(scenario === 'auth/pre-registration'
      ? {
          clientInformation: {
            client_id: context.client_id!,
            client_secret: context.client_secret!,
            redirect_uris: [REDIRECT_URL],
          },
        }
      : { clientMetadataUrl: CLIENT_METADATA_URL }),
  });
}

/** Waits until no authorization is under way (finishing one may start another). */
async function settleAuthorization(): Promise<void> {
  while (authorizing) {
    const current = authorizing;
    await current;
    if (authorizing === current) authorizing = undefined;
  }
}

async function main(): Promise<void> {
  const provider = authProvider();
  manager = createMcpClientManager({
    servers: { [SERVER]: { type: 'http', url, ...(provider && { authProvider: provider }) } },
    clientInfo: { name: 'claude-gateway-conformance', version: '1.0.0' },
    restart: { maxAttempts: 0 },
    logger: { warn: (m) => console.error(m), error: (m) => console.error(m) },
    // Accept with nothing filled in: the manager applies the schema's defaults.
    onElicitation: () => Promise.resolve({ action: 'accept', content: {} }),
  });
  try {
    await manager.startup();
    await settleAuthorization();
    const [status] = manager.status();
    if (status?.state !== 'ready') {
      throw new Error(
        `server is ${status?.state}: ${status?.errorCode ?? ''} ${status?.error ?? ''}`,
      );
    }
    const log = createEventLog({ id: 'conformance-run' });
    const callContext = {
      toolUseId: 'toolu_conformance',
      sessionId: 'conformance',
      runId: log.id,
      callIndex: 0,
      log,
    };
    for (const tool of await manager.listTools()) {
      if (!(tool.name in CALLS)) continue;
      const call = () => manager!.callTool(tool.name, CALLS[tool.name], { context: callContext });
      let outcome = await call();
      if (outcome.error && authorizing) {
        // The server asked for more scopes: a person authorized again.
        await settleAuthorization();
        outcome = await call();
      }
      if (outcome.error)
        throw new Error(`${tool.name}: ${outcome.error.code}: ${outcome.error.message}`);
    }
  } finally {
    await manager.shutdown();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
