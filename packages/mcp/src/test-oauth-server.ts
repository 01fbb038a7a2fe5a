// Test-only (not exported): a real HTTP server that is both an OAuth
// authorization server (metadata, authorize, token: client credentials with
// a secret or a private-key JWT, authorization code with PKCE, refresh) and
// an MCP server whose endpoint wants a bearer token.
import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface TestOAuthServer {
  /** The MCP endpoint. */
  url: string;
  /** The issuer (authorization server) URL. */
  issuer: string;
  /** Token requests, by grant type (`client_credentials`, `authorization_code`, `refresh_token`). */
  grants: string[];
  /** How the client authenticated at the token endpoint, per request. */
  clientAuth: string[];
  /** Requests to the MCP endpoint, with their status. */
  mcpStatuses: number[];
  /** Makes every access token issued so far invalid (as an expiry would). */
  revokeAccessTokens(): void;
  /** Makes every token issued so far invalid, refresh tokens too: only a new sign-in helps. */
  revokeAllTokens(): void;
  close(): Promise<void>;
}

export interface TestOAuthServerOptions {
  clientId?: string;
  clientSecret?: string;
  /** Public key (PEM) for `private_key_jwt` client assertions (ES256). */
  publicKeyPem?: string;
}

const readBody = async (request: IncomingMessage): Promise<string> => {
  let body = '';
  for await (const chunk of request) body += (chunk as Buffer).toString();
  return body;
};

const json = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

function checkAssertion(assertion: string, key: KeyObject, clientId: string): boolean {
  const [header, payload, signature] = assertion.split('.');
  if (!header || !payload || !signature) return false;
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss?: string };
  return valid && claims.iss === clientId;
}

/** Starts the server on 127.0.0.1, port 0. */
export async function startTestOAuthServer(
  options: TestOAuthServerOptions = {},
): Promise<TestOAuthServer> {
  const clientId = options.clientId ?? 'gateway';
  const clientSecret = options.clientSecret ?? 's3cret';
  const publicKey = options.publicKeyPem ? createPublicKey(options.publicKeyPem) : undefined;
  const valid = new Set<string>();
  const refreshTokens = new Set<string>();
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const grants: string[] = [];
  const clientAuth: string[] = [];
  const mcpStatuses: number[] = [];
  let base = '';

  const issue = (response: ServerResponse): void => {
    const access = randomBytes(12).toString('hex');
    const refresh = randomBytes(12).toString('hex');
    valid.add(access);
    refreshTokens.add(refresh);
    json(response, 200, {
      access_token: access,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: refresh,
    });
  };

  const authenticated = (request: IncomingMessage, form: URLSearchParams): boolean => {
    const basic = request.headers.authorization;
    if (basic?.startsWith('Basic ')) {
      clientAuth.push('client_secret_basic');
      const [id, secret] = Buffer.from(basic.slice(6), 'base64').toString().split(':');
      return (
        decodeURIComponent(id ?? '') === clientId &&
        decodeURIComponent(secret ?? '') === clientSecret
      );
    }
    const assertion = form.get('client_assertion');
    if (assertion && publicKey) {
      clientAuth.push('private_key_jwt');
      return checkAssertion(assertion, publicKey, clientId);
    }
    if (form.has('client_secret')) {
      clientAuth.push('client_secret_post');
      return form.get('client_id') === clientId && form.get('client_secret') === clientSecret;
    }
    clientAuth.push('none');
    return form.get('client_id') === clientId;
  };

  const token = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const form = new URLSearchParams(await readBody(request));
    const grant = form.get('grant_type') ?? '';
    grants.push(grant);
    if (!authenticated(request, form)) return json(response, 401, { error: 'invalid_client' });
    if (grant === 'client_credentials') return issue(response);
    if (grant === 'refresh_token') {
      const refresh = form.get('refresh_token') ?? '';
      if (!refreshTokens.delete(refresh)) return json(response, 400, { error: 'invalid_grant' });
      return issue(response);
    }
    if (grant === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!code || code.challenge !== challenge || code.redirectUri !== form.get('redirect_uri')) {
        return json(response, 400, { error: 'invalid_grant' });
      }
      return issue(response);
    }
    json(response, 400, { error: 'unsupported_grant_type' });
  };

  const mcp = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const bearer = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!valid.has(bearer)) {
      mcpStatuses.push(401);
      response.writeHead(401, {
        'www-authenticate': `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`,
        'content-type': 'application/json',
      });
      response.end(JSON.stringify({ error: 'invalid_token' }));
      return;
    }
    mcpStatuses.push(200);
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    const body: unknown = JSON.parse(await readBody(request));
    const server = new McpServer({ name: 'protected', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Says the caller is authorized' }, () => ({
      content: [{ type: 'text', text: 'authorized' }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => void transport.close());
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  };

  const http = createServer((request, response) => {
    const url = new URL(request.url ?? '/', base);
    const route = `${request.method} ${url.pathname}`;
    const handle = async (): Promise<void> => {
      if (url.pathname === '/mcp') return mcp(request, response);
      if (route === 'GET /.well-known/oauth-protected-resource/mcp') {
        return json(response, 200, { resource: `${base}/mcp`, authorization_servers: [base] });
      }
      if (route === 'GET /.well-known/oauth-authorization-server') {
        return json(response, 200, {
          issuer: base,
          authorization_endpoint: `${base}/authorize`,
          token_endpoint: `${base}/token`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: [
            'client_secret_basic',
            'client_secret_post',
            'private_key_jwt',
            'none',
          ],
        });
      }
      if (route === 'GET /authorize') {
        const code = randomBytes(8).toString('hex');
        const redirectUri = url.searchParams.get('redirect_uri') ?? '';
        codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', redirectUri });
        const target = new URL(redirectUri);
        target.searchParams.set('code', code);
        const state = url.searchParams.get('state');
        if (state) target.searchParams.set('state', state);
        response.writeHead(302, { location: target.href }).end();
        return;
      }
      if (route === 'POST /token') return token(request, response);
      json(response, 404, { error: 'not_found' });
    };
    handle().catch(() => {
      if (!response.headersSent) json(response, 500, { error: 'server_error' });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url: `${base}/mcp`,
    issuer: base,
    grants,
    clientAuth,
    mcpStatuses,
    revokeAccessTokens: () => valid.clear(),
    revokeAllTokens: () => {
      valid.clear();
      refreshTokens.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
