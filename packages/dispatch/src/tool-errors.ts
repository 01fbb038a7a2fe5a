import {
  errorMessage,
  GatewayError,
  isToolErrorCode,
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
 */
export function thrownToOutcome(error: unknown, source?: string): ToolOutcome {
  if (GatewayError.isInstance(error) && isToolErrorCode(error.code)) {
    return toolError(error.code, error.message, source);
  }
  return toolError('tool_error', errorMessage(error), source);
}
