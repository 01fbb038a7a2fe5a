import { errorDetail, type Logger, type ToolSourceCallOptions } from '@claude-gateway/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  McpError,
  type ClientCapabilities,
  type CreateMessageRequestParams,
  type CreateMessageResult,
  type Root,
} from '@modelcontextprotocol/sdk/types.js';
import { anySignal } from './any-signal.js';

/** The tool call a server's request belongs to (from the dispatcher), with a signal. */
export type McpCallContext = NonNullable<ToolSourceCallOptions['context']> & {
  /** Aborted when the run is cancelled, the call ends, or the server withdraws the request. */
  signal: AbortSignal;
};

/** A server asking the person for input (form mode). */
export interface McpElicitationRequest {
  /** The MCP server's name. */
  server: string;
  message: string;
  /** JSON Schema of the answer (a flat object of primitive properties). */
  requestedSchema: Record<string, unknown>;
}

/** The answer sent back to the server. */
export type McpElicitationAnswer =
  { action: 'accept'; content: Record<string, unknown> } | { action: 'decline' | 'cancel' };

/**
 * Relays a server's elicitation to the person behind the tool call (the
 * `dispatch` package's `createElicitationBroker().elicit` fits).
 */
export type McpElicitationHandler = (
  request: McpElicitationRequest,
  ctx: McpCallContext,
) => Promise<McpElicitationAnswer>;

/** A server asking for a model completion. */
export interface McpSamplingRequest {
  server: string;
  /** The `sampling/createMessage` params, as the server sent them. */
  params: CreateMessageRequestParams;
}

/**
 * Serves `sampling/createMessage` (with the runner's Anthropic client, for
 * example). `ctx.context` is the tool call it came from, when known.
 */
export type McpSamplingHandler = (
  request: McpSamplingRequest,
  ctx: { signal: AbortSignal; context?: McpCallContext },
) => Promise<CreateMessageResult>;

/** A root offered to servers (`roots/list`). */
export type McpRoot = Root;

/** @internal A call in flight, as server requests see it. */
export interface InflightCall {
  context: NonNullable<ToolSourceCallOptions['context']> | undefined;
  signal: AbortSignal;
  /** Stops the call's clocks while the client holds it up. */
  pause(): void;
  resume(): void;
}

/** @internal What a connection gives {@link installClientFeatures}. */
export interface FeatureSettings {
  server: string;
  onElicitation: McpElicitationHandler | undefined;
  onSampling: McpSamplingHandler | undefined;
  /** The roots, or `undefined` when roots are not offered. */
  roots: (() => McpRoot[]) | undefined;
  logger: Logger;
  /** The calls in flight on this connection, oldest first. */
  inflight: () => Iterable<InflightCall>;
}

/** @internal The capabilities a client declares for these settings. */
export function clientCapabilities(settings: FeatureSettings): ClientCapabilities {
  return {
    ...(settings.onElicitation && { elicitation: { form: { applyDefaults: true } } }),
    ...(settings.onSampling && { sampling: {} }),
    ...(settings.roots && { roots: { listChanged: true } }),
  };
}

/**
 * The call a server request belongs to. The protocol does not say which
 * (over stdio nothing ties a server request to a client request), so only
 * an unambiguous case is answered: exactly one call in flight on this
 * connection, with its context. With two or more in flight the question
 * could be shown on the wrong call, pause the wrong call's clock and outlive
 * the call that asked, so it is declined, as is a question outside any call.
 */
function owningCall(settings: FeatureSettings): InflightCall | 'ambiguous' | undefined {
  let only: InflightCall | undefined;
  let count = 0;
  for (const call of settings.inflight()) {
    count += 1;
    only = call;
  }
  if (count > 1) return 'ambiguous';
  return only?.context ? only : undefined;
}

/** @internal Serves elicitation, sampling and roots on `client`, per `settings`. */
export function installClientFeatures(client: Client, settings: FeatureSettings): void {
  const { server, logger } = settings;
  const onElicitation = settings.onElicitation;
  if (onElicitation) {
    client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
      const params = request.params;
      if (params.mode === 'url') return { action: 'decline' };
      const call = owningCall(settings);
      if (call === undefined || call === 'ambiguous') {
        logger.warn(
          call
            ? `MCP server "${server}" asked for input while several calls were in flight (which one asks is unknown); declined`
            : `MCP server "${server}" asked for input outside a tool call; declined`,
        );
        return { action: 'decline' };
      }
      const { signal, dispose } = anySignal([call.signal, extra.signal]);
      call.pause();
      try {
        const answer = await onElicitation(
          { server, message: params.message, requestedSchema: params.requestedSchema },
          { ...call.context!, signal },
        );
        return answer.action === 'accept'
          ? { action: 'accept', content: answer.content as Record<string, string> }
          : { action: answer.action };
      } catch (error) {
        logger.warn(`MCP server "${server}": onElicitation failed; declined`, {
          error: errorDetail(error),
        });
        return { action: 'decline' };
      } finally {
        call.resume();
        dispose();
      }
    });
  }
  const onSampling = settings.onSampling;
  if (onSampling) {
    client.setRequestHandler(CreateMessageRequestSchema, async (request, extra) => {
      const call = owningCall(settings);
      const owner = call === 'ambiguous' ? undefined : call;
      const { signal, dispose } = anySignal([owner?.signal, extra.signal]);
      owner?.pause();
      try {
        return await onSampling(
          { server, params: request.params },
          { signal, ...(owner?.context && { context: { ...owner.context, signal } }) },
        );
      } catch (error) {
        logger.warn(`MCP server "${server}": onSampling failed`, { error: errorDetail(error) });
        throw new McpError(ErrorCode.InternalError, 'sampling failed');
      } finally {
        owner?.resume();
        dispose();
      }
    });
  }
  const roots = settings.roots;
  if (roots) {
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: roots() }));
  }
}
