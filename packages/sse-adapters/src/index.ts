export {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_RETRY_MS,
  HEARTBEAT_MESSAGE,
  SSE_HEADERS,
} from './constants.js';
export { encodeEntry, encodeSSE, type SSEMessage } from './encode-sse.js';
export { errorBody, type ErrorBody } from './error-body.js';
export { LAST_EVENT_ID_QUERY, parseLastEventId, parseLastEventIdValue } from './last-event-id.js';
export { createSSEStream, type SSEStreamOptions } from './sse-stream.js';
export { errorResponse, sseResponse, type SSEResponseOptions } from './sse-response.js';
