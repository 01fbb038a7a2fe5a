import {
  errorDetail,
  errorMessage,
  GatewayError,
  isToolErrorCode,
  type Logger,
  type ToolErrorCode,
  type ToolOutcome,
} from '@claude-gateway/core';

/** An error outcome. */
export function toolError(code: ToolErrorCode, message: string, source?: string): ToolOutcome {
  return source === undefined ? { error: { code, message } } : { error: { code, message }, source };
}

/**
 * The outcome of something thrown: a `GatewayError` with a tool code keeps
 * it; anything else is `tool_error` with the message only, never the stack.
 * A thrown value that is neither an `Error` nor a string gets a generic
 * message (it may be a response or a config full of secrets, and the
 * outcome reaches the model and every reader); its detail goes to `logger`.
 */
export function thrownToOutcome(error: unknown, source?: string, logger?: Logger): ToolOutcome {
  if (GatewayError.isInstance(error) && isToolErrorCode(error.code)) {
    return toolError(error.code, error.message, source);
  }
  if (!(error instanceof Error) && typeof error !== 'string') {
    logger?.error('a tool threw a value that is not an Error', {
      ...(source !== undefined && { source }),
      error: errorDetail(error),
    });
  }
  return toolError('tool_error', errorMessage(error), source);
}
