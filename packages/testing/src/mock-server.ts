import { once, setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Anthropic from '@anthropic-ai/sdk';
import { apiErrorBody, defaultErrorMessage, errorTypeForStatus } from './api-error.js';
import { createDemoModel } from './demo-model.js';
import { HttpFailure, lowercaseHeaders, readBody, sendJson } from './http-io.js';
import { randomId } from './ids.js';
import { createPromptCache } from './prompt-cache.js';
import { estimateOutputTokens, renderTurn } from './turn-events.js';
import type {
  MockAnthropic,
  MockAnthropicOptions,
  MockLogger,
  RecordedRequest,
  Script,
} from './types.js';
import { validateMessagesRequest } from './validate-request.js';
import { answerTurnOnce, streamTurn } from './write-turn.js';

/** How many recorded requests to keep, from the `recordRequests` option. */
function requestsToKeep(option: boolean | number | undefined): number {
  if (option === undefined || option === true) return Infinity;
  if (option === false) return 0;
  if (
    typeof option !== 'number' ||
    !(Number.isInteger(option) || option === Infinity) ||
    option < 0
  ) {
    throw new RangeError(
      `recordRequests must be a boolean or a non-negative integer, got ${String(option)}`,
    );
  }
  return option;
}

/**
 * Starts a scripted Anthropic Messages API server on `127.0.0.1` and a free
 * port. Point the real SDK at it with `baseURL: mock.url`.
 *
 * Each `POST /v1/messages` is checked (credentials, request shape) like the
 * real API, recorded, and answered with the next scripted turn, streamed in
 * the real SSE format when the request asks for `stream: true`.
 */
export async function startMockAnthropic(
  options: MockAnthropicOptions = {},
): Promise<MockAnthropic> {
  const logger: MockLogger = options.logger ?? console;
  const keep = requestsToKeep(options.recordRequests);
  const requests: RecordedRequest[] = [];
  const record = (request: RecordedRequest) => {
    if (keep === 0) return;
    requests.push(request);
    if (requests.length > keep) requests.splice(0, requests.length - keep);
  };
  const cache = createPromptCache(options.cacheMinTokens ?? 0);
  const closing = new AbortController();
  // Every open stream listens on `closing` (one listener each, removed when it
  // ends): many concurrent streams are normal, not a leak worth Node's warning.
  setMaxListeners(0, closing.signal);
  let script: Script = options.script ?? createDemoModel();
  let turnIndex = 0;
  let messageIndex = 0;

  const sendError = (
    res: ServerResponse,
    requestId: string,
    status: number,
    type: string,
    message: string,
  ) => {
    const headers: Record<string, string> = { 'request-id': requestId };
    if (status === 429) headers['anthropic-ratelimit-requests-remaining'] = '0';
    sendJson(res, status, apiErrorBody(type, message, requestId), headers);
  };

  const nextTurn = async (
    body: Anthropic.MessageCreateParams,
    headers: Record<string, string>,
    index: number,
  ) => {
    const current = script;
    if (typeof current === 'function') {
      try {
        return await current({ body, headers, index });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.warn('mock anthropic: the script function threw', { index, error: message });
        throw new HttpFailure(
          500,
          'api_error',
          `mock script threw for request #${index}: ${message}`,
        );
      }
    }
    const turn = current[turnIndex];
    if (!turn) {
      throw new HttpFailure(
        500,
        'api_error',
        `mock script exhausted: request #${index} arrived but the script has only ${current.length} turn(s)`,
      );
    }
    turnIndex++;
    return turn;
  };

  const checkCredentials = (headers: Record<string, string>) => {
    const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1]?.trim();
    const key = headers['x-api-key'] || bearer;
    if (!key) throw new HttpFailure(401, 'authentication_error', 'x-api-key header is required');
    if (options.credentials && !options.credentials.includes(key)) {
      throw new HttpFailure(
        401,
        'authentication_error',
        headers['x-api-key'] ? 'invalid x-api-key' : 'Invalid bearer token',
      );
    }
    if (!headers['anthropic-version']) {
      throw new HttpFailure(400, 'invalid_request_error', 'anthropic-version: header is required');
    }
  };

  const handleMessages = async (
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    body: unknown,
    headers: Record<string, string>,
    requestId: string,
  ) => {
    const index = messageIndex++;
    checkCredentials(headers);
    if (body === undefined) {
      throw new HttpFailure(
        400,
        'invalid_request_error',
        raw.trim() === ''
          ? 'request body is empty'
          : 'There was an error parsing the body of your request as JSON',
      );
    }
    const invalid = validateMessagesRequest(body);
    if (invalid) throw new HttpFailure(400, 'invalid_request_error', invalid);
    const params = body as Anthropic.MessageCreateParams;
    const turn = await nextTurn(params, headers, index);
    const fault = turn.fault;
    if (fault?.type === 'http_error') {
      const type = fault.errorType ?? errorTypeForStatus(fault.status);
      const extra: Record<string, string> = { ...fault.headers };
      if (fault.retryAfter !== undefined) extra['retry-after'] = String(fault.retryAfter);
      if (fault.retryAfterMs !== undefined) extra['retry-after-ms'] = String(fault.retryAfterMs);
      if (fault.status === 429) extra['anthropic-ratelimit-requests-remaining'] = '0';
      sendJson(
        res,
        fault.status,
        apiErrorBody(type, fault.message ?? defaultErrorMessage(type), requestId),
        {
          'request-id': requestId,
          ...extra,
        },
      );
      return;
    }
    if (fault?.type === 'drop' && (fault.afterDeltas ?? 0) === 0) {
      req.socket.destroy();
      return;
    }
    const input = cache.usageFor(body);
    const usage = {
      ...input,
      output_tokens: estimateOutputTokens(turn.blocks ?? []),
      ...turn.usage,
    };
    const response = {
      req,
      res,
      turn,
      rendered: renderTurn(turn, params.model, usage),
      requestId,
      closing: closing.signal,
    };
    if (params.stream === true) await streamTurn(response);
    else await answerTurnOnce(response);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomId('req');
    const headers = lowercaseHeaders(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const receivedAt = Date.now();
    try {
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        body = undefined;
      }
      record({ method: req.method ?? 'GET', path, headers, body: body ?? raw, receivedAt });
      if (req.method === 'POST' && path === '/v1/messages') {
        await handleMessages(req, res, raw, body, headers, requestId);
      } else if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
        checkCredentials(headers);
        const invalid = validateMessagesRequest(body, { requireMaxTokens: false });
        if (invalid) throw new HttpFailure(400, 'invalid_request_error', invalid);
        const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens } =
          createPromptCache().usageFor(body);
        sendJson(
          res,
          200,
          { input_tokens: input_tokens + cache_creation_input_tokens + cache_read_input_tokens },
          { 'request-id': requestId },
        );
      } else {
        throw new HttpFailure(404, 'not_found_error', `Not found: ${req.method ?? 'GET'} ${path}`);
      }
    } catch (error) {
      if (error instanceof HttpFailure) {
        sendError(res, requestId, error.status, error.errorType, error.message);
        return;
      }
      // A client that went away mid-request is not a failure of the server.
      if (req.destroyed || res.destroyed || closing.signal.aborted) return;
      logger.error('mock anthropic: unexpected failure', { error: String(error) });
      if (!res.headersSent) sendError(res, requestId, 500, 'api_error', 'Internal server error');
      else res.destroy();
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    requests,
    setScript(next) {
      script = next;
      turnIndex = 0;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
