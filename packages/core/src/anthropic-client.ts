import Anthropic from '@anthropic-ai/sdk';
import { GatewayError } from './errors.js';
import type { Logger } from './logger.js';

/** Credential options of the runner. */
export interface ClientCredentials {
  client?: Anthropic;
  apiKey?: string;
  authToken?: string;
  baseURL?: string;
}

const DEFAULT_BASE_URL = 'https://api.anthropic.com';

/**
 * `fetch` options of the client the runner creates. undici copies a request
 * that may follow a redirect before sending it (its body teed into two web
 * streams) so it can send it again: about 7% of a tool loop's CPU on the
 * server. The Messages API never redirects, so the created client refuses
 * redirects, and a redirect ends the run with a clear error (`classifyError`).
 */
const NO_REDIRECTS = { redirect: 'error' } as const;

/**
 * The client the runner talks through: the caller's, or a new one with the
 * given credential. The runner retries by itself (so every retry is announced
 * and mid-stream failures are covered), hence `maxRetries: 0`. It does not
 * follow redirects ({@link NO_REDIRECTS}); a caller who needs that passes a
 * client. Nothing is read from the environment: without a credential this
 * throws `missing_credentials`.
 */
export function resolveClient(options: ClientCredentials, logger: Logger): Anthropic {
  const { client, apiKey, authToken, baseURL } = options;
  const given = [
    client && 'client',
    apiKey !== undefined && 'apiKey',
    authToken !== undefined && 'authToken',
  ].filter((name): name is string => typeof name === 'string');
  if (given.length > 1) {
    throw new GatewayError(
      'invalid_options',
      `pass one of client, apiKey, authToken (got ${given.join(', ')})`,
    );
  }
  if (client) {
    if (baseURL !== undefined) {
      throw new GatewayError(
        'invalid_options',
        'baseURL applies to a client the runner creates; set it on your client',
      );
    }
    return client;
  }
  if (apiKey === undefined && authToken === undefined) {
    throw new GatewayError(
      'missing_credentials',
      'no Anthropic credential: pass apiKey, authToken or a ready client',
    );
  }
  const credential = apiKey ?? authToken;
  if (typeof credential !== 'string' || credential.trim() === '') {
    throw new GatewayError(
      'missing_credentials',
      `${apiKey !== undefined ? 'apiKey' : 'authToken'} is empty`,
    );
  }
  return new Anthropic({
    ...(apiKey !== undefined ? { apiKey, authToken: null } : { authToken, apiKey: null }),
    baseURL: baseURL ?? DEFAULT_BASE_URL,
    maxRetries: 0,
    fetchOptions: NO_REDIRECTS,
    logLevel: 'warn',
    logger: {
      error: (message: string, ...rest: unknown[]) =>
        logger.error(message, rest.length ? { details: rest } : undefined),
      warn: (message: string, ...rest: unknown[]) =>
        logger.warn(message, rest.length ? { details: rest } : undefined),
      info: () => {},
      debug: () => {},
    },
  });
}
