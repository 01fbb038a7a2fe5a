/** The `error.type` values the Messages API uses. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error';

/** The error type the real API pairs with an HTTP status. */
export function errorTypeForStatus(status: number): ApiErrorType {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

/** The HTTP status the real API pairs with an error type. */
export function statusForErrorType(type: string): number {
  switch (type) {
    case 'invalid_request_error':
      return 400;
    case 'authentication_error':
      return 401;
    case 'permission_error':
      return 403;
    case 'not_found_error':
      return 404;
    case 'request_too_large':
      return 413;
    case 'rate_limit_error':
      return 429;
    case 'timeout_error':
      return 504;
    case 'overloaded_error':
      return 529;
    default:
      return 500;
  }
}

/** A default message per error type, worded like the API's. */
export function defaultErrorMessage(type: string): string {
  switch (type) {
    case 'rate_limit_error':
      return 'Number of request tokens has exceeded your per-minute rate limit (mock).';
    case 'overloaded_error':
      return 'Overloaded';
    case 'api_error':
      return 'Internal server error';
    case 'authentication_error':
      return 'invalid x-api-key';
    case 'timeout_error':
      return 'Request timed out';
    default:
      return type;
  }
}

/** The error body of the Messages API: `{ type: "error", error: { type, message }, request_id }`. */
export interface ApiErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

/** Builds the API's error body. */
export function apiErrorBody(type: string, message: string, requestId: string): ApiErrorBody {
  return { type: 'error', error: { type, message }, request_id: requestId };
}
