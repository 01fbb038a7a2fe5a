import { setTimeout as setNodeTimeout } from 'node:timers';
import { errorMessage, type ToolOutcome } from '@claude-gateway/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CallControl, type CallClock } from './call-control.js';
import { isSchemaError, unavailable } from './connection-errors.js';
import type { ConnectionCall } from './connection-types.js';
import { toolResultSchema } from './fast-parse.js';
import { mapCallToolResult } from './map-result.js';
import type { McpSpan, McpTracer, SpanAttributes } from './telemetry.js';

// setTimeout fires at once for delays past 2^31 - 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

let sentinel: ReturnType<typeof setNodeTimeout> | undefined;

/**
 * @internal Keeps one idle, unref'd timer of {@link MAX_TIMER_MS} alive for the
 * process. Node keeps its timers in one list per duration and builds and
 * tears down a list whenever it fills and empties; every request's own SDK
 * timer (of that duration: our clocks are the ones that count) then joins a
 * list that already exists instead of building one, about 1.5 µs less per
 * call on a local server. It fires after 24.8 days.
 */
export function keepTimerListWarm(): void {
  if (sentinel) return;
  // `node:timers`, not the global: a test's fake timers (which replace the
  // global) never see it, so their runAll does not jump 24 days ahead.
  sentinel = setNodeTimeout(() => (sentinel = undefined), MAX_TIMER_MS);
  sentinel.unref?.();
}

/** @internal What a tool call needs from its connection. */
export interface CallHost {
  /** The server's name. */
  readonly name: string;
  /** `mcp:<server>`. */
  readonly source: string;
  /** Calls in flight, and their time limits: close aborts them. */
  readonly calls: CallClock;
  /** Aborted when the connection closes for good. */
  readonly closeSignal: AbortSignal;
  /** A stdio server (a process to watch) rather than HTTP. */
  readonly stdio: boolean;
  readonly tracer: McpTracer | undefined;
  /** Scrubs configured secrets from a message. */
  redact(text: string): string;
  /** Span attributes of the connection (transport, session). */
  spanAttributes(): SpanAttributes;
  /** An HTTP request failed: the connection is lost. */
  lose(client: Client, how: string): void;
  /** Refused credentials: true when handled (the server is now `failed`), with its message. */
  authFailed(error: unknown, client: Client): string | undefined;
}

/** The outcome of a call the caller cancelled. */
export function cancelledOutcome(source: string): ToolOutcome {
  return { error: { code: 'cancelled', message: 'the call was cancelled' }, source };
}

function startSpan(host: CallHost, call: ConnectionCall): McpSpan | undefined {
  const tracer = host.tracer;
  // Checked before the attributes are built: a call without a provider pays only this.
  if (!tracer?.enabled) return undefined;
  const context = call.context;
  return tracer.start(`tools/call ${call.tool}`, {
    'mcp.method.name': 'tools/call',
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': call.tool,
    'gen_ai.tool.call.id': context?.toolUseId,
    'claude_gateway.mcp.server': host.name,
    'claude_gateway.run.id': context?.runId,
    'claude_gateway.session.id': context?.sessionId,
    ...host.spanAttributes(),
  });
}

/**
 * @internal Calls one tool on a ready connection's `client`; never throws.
 * Our own clocks, not the SDK's: they stop while a person answers an
 * elicitation (that time is not the server's). A span covers the request
 * when tracing records.
 */
export async function callTool(
  host: CallHost,
  client: Client,
  call: ConnectionCall,
): Promise<ToolOutcome> {
  if (call.signal?.aborted) return cancelledOutcome(host.source);
  keepTimerListWarm();
  const totalMs = Math.max(call.maxTotalTimeoutMs, call.timeoutMs);
  const control = new CallControl(host.calls, call.signal, call.timeoutMs, totalMs, call.context);
  const span = startSpan(host, call);
  let outcome: ToolOutcome;
  // A tool's own failure (`isError`) is `tool_error` on the span, as the conventions name it.
  let errorType: string | undefined;
  try {
    // Our own progress token (the connection routes its notifications to the
    // call): progress resets the idle limit. Cheaper than the SDK's
    // `onprogress`, which keeps a handler per request.
    const params = {
      name: call.tool,
      arguments: call.input,
      _meta: { progressToken: control.progressToken },
    };
    const options = { signal: control.requestSignal, timeout: MAX_TIMER_MS };
    const result = (await (span
      ? span.activate(() => client.callTool(params, toolResultSchema, options))
      : client.callTool(params, toolResultSchema, options))) as CallToolResult;
    outcome = mapCallToolResult(result, host.source);
    if (result.isError === true) errorType = 'tool_error';
  } catch (error) {
    outcome = failure(host, client, call, control, error);
  } finally {
    control.dispose();
  }
  if (span) {
    if (outcome.error) span.fail(errorType ?? outcome.error.code, outcome.error.message);
    span.end();
  }
  return outcome;
}

/** The outcome of a call whose request threw. */
function failure(
  host: CallHost,
  client: Client,
  call: ConnectionCall,
  control: CallControl,
  error: unknown,
): ToolOutcome {
  const { name, source } = host;
  if (call.signal?.aborted) return cancelledOutcome(source);
  if (host.closeSignal.aborted) {
    return unavailable(name, host.redact(errorMessage(host.closeSignal.reason)), source);
  }
  if (control.expired !== undefined) {
    return {
      error: {
        code: 'tool_timeout',
        message: `MCP tool "${call.tool}" on "${name}" timed out: ${control.expired}`,
      },
      source,
    };
  }
  if (error instanceof McpError && error.code === (ErrorCode.RequestTimeout as number)) {
    return {
      error: {
        code: 'tool_timeout',
        message: host.redact(`MCP tool "${call.tool}" on "${name}" timed out: ${error.message}`),
      },
      source,
    };
  }
  if (error instanceof McpError && error.code !== (ErrorCode.ConnectionClosed as number)) {
    return { error: { code: 'mcp_error', message: host.redact(error.message) }, source };
  }
  // The server answered, but not with a valid result (the SDK's schema
  // check failed): the server is fine, its answer is not.
  if (isSchemaError(error)) {
    const message = `MCP tool "${call.tool}" on "${name}" gave an answer that is not a valid tools/call result: ${error.message}`;
    return { error: { code: 'mcp_error', message }, source };
  }
  // Refused credentials (an expired token that would not refresh, more
  // scopes needed): a person or a config must act, a restart would not.
  if (!(error instanceof McpError)) {
    const refusal = host.authFailed(error, client);
    if (refusal !== undefined) return unavailable(name, refusal, source);
  }
  // An HTTP server has no process to watch: a failed request (refused
  // connection, unknown session after a server restart) is how it dies.
  if (!host.stdio && !(error instanceof McpError)) {
    host.lose(client, `failed a request (${errorMessage(error)})`);
  }
  return unavailable(name, host.redact(errorMessage(error)), source);
}
